import { escapeSlackText } from '../../connectors/slack/escape.js';
import { PARENT_REMOTE_ID } from '../../connectors/slack/update-message.js';
import { zendeskBaseUrl } from '../../connectors/zendesk/client.js';
import type { NewJob } from '../core/job.js';
import type { BlockAction } from './interaction.js';
import type { SlackAppDeps } from './handler.js';

/** `<@U123>` for a Slack user id (ids only: a name is escaped text). */
export function mention(userId: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(userId) ? `<@${userId}>` : escapeSlackText(userId);
}

/** A time as Slack shows it in the reader's own time zone, with UTC as the fallback text. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso.slice(0, 16).replace('T', ' ')} UTC>`;
}

/** The ticket a Zendesk job opened, as a link (from the job's result or, pending, the parent's id placeholder). */
export function ticketLine(deps: Pick<SlackAppDeps, 'env'>, ticketId: string, by: string | null): string {
  const url = `${zendeskBaseUrl(deps.env)}/agent/tickets/${ticketId}`;
  return `:ticket: Ticket <${url}|#${ticketId}>${by ? ` opened by ${by}` : ''}`;
}

/**
 * The status a message shows above its buttons, from what is stored now: who follows up, the
 * ticket, the theme picked, the loop closed. While a ticket job has not run yet, the update waits
 * for it (`parentJobId`) and its line gets the ticket's id from it: every update queued meanwhile
 * shows the link, in the order they were queued.
 */
export async function messageStatus(deps: SlackAppDeps, responseId: string): Promise<{ lines: string[]; parentJobId?: string }> {
  const [assignment, actions, loop, tickets] = await Promise.all([
    deps.actions.assignment(responseId),
    deps.actions.slackActions(responseId),
    deps.store.getLoop(responseId),
    deps.store.listJobs({ responseId, action: 'zendesk.createTicket', limit: 5 }),
  ]);
  const lines: string[] = [];
  let parentJobId: string | undefined;
  if (assignment) lines.push(`:raising_hand: ${mention(assignment.user.id)} follows up (since ${slackDate(assignment.assignedAt)})`);
  const clicked = actions.find((a) => a.kind === 'open_ticket');
  const by = clicked ? mention(clicked.user.id) : null;
  const ticket = tickets.at(-1);
  const remoteId = (ticket?.result as { remoteId?: unknown } | null | undefined)?.remoteId;
  if (ticket?.status === 'succeeded' && typeof remoteId === 'string') lines.push(ticketLine(deps, remoteId, by));
  else if ((ticket?.status === 'queued' || ticket?.status === 'running') && zendeskLive(deps)) {
    lines.push(ticketLine(deps, PARENT_REMOTE_ID, by));
    parentJobId = ticket.id;
  } else if (ticket?.status === 'sandboxed' || ticket?.status === 'queued' || ticket?.status === 'running') lines.push(`:ticket: Ticket recorded in sandbox mode (Zendesk has no credentials)${by ? `, asked by ${by}` : ''}`);
  else if (ticket?.status === 'dead') lines.push(':warning: The ticket could not be opened: see its job in the admin API');
  const theme = actions.filter((a) => a.kind === 'theme').at(-1);
  if (theme?.value) lines.push(`:label: Theme: ${escapeSlackText(theme.value)} (${mention(theme.user.id)})`);
  if (loop?.closedAt) {
    const closer = actions.find((a) => a.kind === 'loop_closed');
    const who = closer && loop.closedBy === (closer.user.name ?? closer.user.id) ? mention(closer.user.id) : loop.closedBy ? escapeSlackText(loop.closedBy) : null;
    lines.push(`:white_check_mark: Loop closed${who ? ` by ${who}` : ''} ${slackDate(loop.closedAt)}`);
  }
  return { lines, parentJobId };
}

/** The job that updates the clicked message in place with its current status (after the ack, through the runner). */
export async function messageUpdateJob(deps: SlackAppDeps, click: BlockAction, responseId: string, eventId: string): Promise<NewJob | undefined> {
  const action = 'slack.updateMessage';
  const definition = deps.registry.get(action);
  if (!definition || !click.channelId || !click.message) return undefined;
  const { lines, parentJobId } = await messageStatus(deps, responseId);
  const params = definition.action.params.parse({ channel: click.channelId, ts: click.message.ts, text: click.message.text || 'closeloop', blocks: click.message.blocks, status: lines });
  return {
    key: `slack-app:${responseId}:update:${eventId}`,
    type: 'action',
    responseId,
    recipe: null,
    actionId: 'slack-app',
    action,
    params,
    maxAttempts: deps.maxAttempts(action),
    runAt: deps.now().toISOString(),
    parentJobId: parentJobId ?? null,
  };
}

/** Zendesk has credentials: a queued ticket will have an id (in sandbox mode it is only recorded, and an update waiting for it would wait in vain). */
function zendeskLive(deps: Pick<SlackAppDeps, 'registry' | 'env'>): boolean {
  return deps.registry.get('zendesk.createTicket')?.connector.configured(deps.env) ?? false;
}
