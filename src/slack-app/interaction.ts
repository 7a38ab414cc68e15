import { z } from 'zod';
import type { SlackUser } from '../store/slack-actions.js';

/**
 * What the Slack app's handlers take: one interaction, read from the payload Slack signed, the
 * same whichever framework (Bolt on Node, slack-edge on Workers) received it.
 */
export type SlackInteraction = BlockAction | ViewSubmission | SlashCommand | AppHomeOpened;

/** A click on a button (or a pick in a select) of a message. */
export interface BlockAction {
  kind: 'block_action';
  actionId: string;
  /** The button's value (a response id), or the picked option's value. */
  value: string | null;
  /** When Slack saw the click: with the message and user, the click's own id. */
  actionTs: string;
  user: SlackUser;
  teamId: string | null;
  triggerId: string;
  /** The channel and message clicked on (absent for clicks in a modal or App Home). */
  channelId: string | null;
  message: { ts: string; text: string; blocks: Record<string, unknown>[] } | null;
}

/** A modal submitted. */
export interface ViewSubmission {
  kind: 'view_submission';
  /** The modal's id: with the user, the submission's own id. */
  viewId: string;
  callbackId: string;
  privateMetadata: string;
  /** `view.state.values`: block id → action id → the element's state. */
  values: Record<string, Record<string, { selected_option?: { value: string } | null; value?: string | null }>>;
  user: SlackUser;
}

/** `/nps …` */
export interface SlashCommand {
  kind: 'slash_command';
  command: string;
  text: string;
  user: SlackUser;
  channelId: string;
  teamId: string | null;
}

/** Someone opened the app's Home tab. */
export interface AppHomeOpened {
  kind: 'app_home_opened';
  userId: string;
  tab: string;
}

const User = z.looseObject({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() });
const userOf = (u: z.output<typeof User>): SlackUser => ({ id: u.id, name: u.name ?? u.username ?? null });

const BlockActionsPayload = z.looseObject({
  type: z.literal('block_actions'),
  user: User,
  team: z.looseObject({ id: z.string() }).nullish(),
  trigger_id: z.string(),
  channel: z.looseObject({ id: z.string() }).nullish(),
  message: z.looseObject({ ts: z.string(), text: z.string().default(''), blocks: z.array(z.record(z.string(), z.unknown())).default([]) }).nullish(),
  actions: z
    .array(
      z.looseObject({
        action_id: z.string(),
        action_ts: z.string(),
        value: z.string().optional(),
        selected_option: z.looseObject({ value: z.string() }).nullish(),
      }),
    )
    .min(1),
});

const ViewSubmissionPayload = z.looseObject({
  type: z.literal('view_submission'),
  user: User,
  view: z.looseObject({
    id: z.string(),
    callback_id: z.string(),
    private_metadata: z.string().default(''),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({}))) }),
  }),
});

const SlashCommandPayload = z.looseObject({
  command: z.string(),
  text: z.string().default(''),
  user_id: z.string(),
  user_name: z.string().optional(),
  channel_id: z.string(),
  team_id: z.string().optional(),
});

const AppHomeOpenedPayload = z.looseObject({
  type: z.literal('event_callback'),
  event: z.looseObject({ type: z.literal('app_home_opened'), user: z.string(), tab: z.string().default('home') }),
});

/** A block action (the first action of the payload), or an error naming the field. */
export function readBlockAction(body: unknown): BlockAction | z.ZodError {
  const parsed = BlockActionsPayload.safeParse(body);
  if (!parsed.success) return parsed.error;
  const p = parsed.data;
  const action = p.actions[0]!;
  return {
    kind: 'block_action',
    actionId: action.action_id,
    value: action.selected_option?.value ?? action.value ?? null,
    actionTs: action.action_ts,
    user: userOf(p.user),
    teamId: p.team?.id ?? null,
    triggerId: p.trigger_id,
    channelId: p.channel?.id ?? null,
    message: p.message ? { ts: p.message.ts, text: p.message.text, blocks: p.message.blocks } : null,
  };
}

export function readViewSubmission(body: unknown): ViewSubmission | z.ZodError {
  const parsed = ViewSubmissionPayload.safeParse(body);
  if (!parsed.success) return parsed.error;
  const v = parsed.data.view;
  return { kind: 'view_submission', viewId: v.id, callbackId: v.callback_id, privateMetadata: v.private_metadata, values: v.state.values as ViewSubmission['values'], user: userOf(parsed.data.user) };
}

export function readSlashCommand(body: unknown): SlashCommand | z.ZodError {
  const parsed = SlashCommandPayload.safeParse(body);
  if (!parsed.success) return parsed.error;
  const c = parsed.data;
  return { kind: 'slash_command', command: c.command, text: c.text, user: { id: c.user_id, name: c.user_name ?? null }, channelId: c.channel_id, teamId: c.team_id ?? null };
}

export function readAppHomeOpened(body: unknown): AppHomeOpened | z.ZodError {
  const parsed = AppHomeOpenedPayload.safeParse(body);
  if (!parsed.success) return parsed.error;
  return { kind: 'app_home_opened', userId: parsed.data.event.user, tab: parsed.data.event.tab };
}
