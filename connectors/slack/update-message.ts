import { z } from 'zod';
import type { WebClient } from '@slack/web-api';
import { defineAction } from '../connector.js';
import { withStatus } from './message-buttons.js';

/** Replaced in a status line by the parent job's remote id (the ticket a button opened). */
export const PARENT_REMOTE_ID = '{parent.remoteId}';

export const UpdateMessageParams = z.strictObject({
  /** Channel id of the message. */
  channel: z.string().trim().min(1, 'is required'),
  /** The message's `ts`. */
  ts: z.string().trim().regex(/^\d+\.\d+$/, 'must be a Slack message ts (1772445600.000100)'),
  /** The notification text (kept as the message had it). */
  text: z.string().trim().min(1, 'is required'),
  /** The message's Block Kit blocks as posted (at most 50, Slack's limit). */
  blocks: z.array(z.record(z.string(), z.unknown())).max(50),
  /** Status lines (mrkdwn, already escaped) shown above the buttons; `{parent.remoteId}` is the parent job's remote id. */
  status: z.array(z.string()).max(10).default([]),
});
export type UpdateMessageParams = z.output<typeof UpdateMessageParams>;

/** `chat.update` arguments: the blocks with the status in place. */
export function updatedMessage(p: UpdateMessageParams, parentRemoteId?: string) {
  const lines = p.status.map((l) => (parentRemoteId === undefined ? l : l.split(PARENT_REMOTE_ID).join(parentRemoteId)));
  return { channel: p.channel, ts: p.ts, text: p.text, blocks: withStatus(p.blocks, lines) };
}

export const updateMessage = defineAction({
  name: 'updateMessage',
  summary: 'Update a message the hub posted in place (the Slack app: who follows up, the ticket link, who closed the loop; scope chat:write)',
  effectOnce: '`chat.update` replaces the message with the same content however often it runs: a retry or replay changes nothing more.',
  params: UpdateMessageParams,
  request: (p) => ({ method: 'POST', path: '/chat.update', body: updatedMessage(p) }),
  rateLimitKey: (p) => p.channel,
  async run(client: WebClient, p, ctx) {
    const remoteId = (ctx.parent?.result as { remoteId?: unknown } | null | undefined)?.remoteId;
    const answer = await client.chat.update(updatedMessage(p, typeof remoteId === 'string' ? remoteId : undefined) as Parameters<WebClient['chat']['update']>[0]);
    return { remoteId: answer.ts ?? p.ts, channel: answer.channel ?? p.channel, ts: answer.ts ?? p.ts };
  },
});
