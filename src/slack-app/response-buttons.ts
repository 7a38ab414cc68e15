import type { NewJob } from '../core/job.js';
import type { StoredResponse } from '../core/response.js';
import { applyLoopEvent } from '../loops/apply-loop-event.js';
import type { LoopStep } from '../loops/loop-event.js';
import type { SlackActionKind } from '../store/slack-actions.js';
import { ephemeral, NOTHING, type HandlerOutcome, type SlackAppDeps } from './handler.js';
import type { BlockAction } from './interaction.js';
import { messageUpdateJob } from './message-status.js';

export const ERASED_NOTE = 'This response was erased (the respondent asked to be forgotten, or retention removed it): there is nothing left to act on.';

/** The click's own id: a replayed delivery of the same click is recorded once (loop events, slack_actions). */
export function clickId(click: BlockAction): string {
  return [click.teamId ?? '-', click.message?.ts ?? '-', click.actionId, click.actionTs, click.user.id].join(':');
}

/** How the loop feed names the clicker (`closed by dana`). */
export function actorName(click: Pick<BlockAction, 'user'>): string {
  return click.user.name ?? click.user.id;
}

/** The response a button is about, or the polite answer when it is gone. */
async function responseOf(click: BlockAction, deps: SlackAppDeps): Promise<StoredResponse | HandlerOutcome> {
  const id = click.value;
  const response = id ? await deps.store.getResponse(id) : undefined;
  if (!response) return ephemeral(click.channelId, click.user.id, ERASED_NOTE);
  return response;
}
const isResponse = (r: StoredResponse | HandlerOutcome): r is StoredResponse => 'id' in r;

/** Record the click; false when the response went away meanwhile (erased between the read and the write). */
async function record(click: BlockAction, deps: SlackAppDeps, responseId: string, kind: SlackActionKind, value: string | null = null) {
  const at = deps.now().toISOString();
  await deps.actions.recordSlackAction({ eventId: clickId(click), responseId, kind, user: click.user, value, at });
  return at;
}

async function queue(deps: SlackAppDeps, jobs: (NewJob | undefined)[]): Promise<string[]> {
  const ids = await deps.store.enqueueJobs(jobs.filter((j): j is NewJob => !!j));
  if (ids.length) deps.onJobsQueued?.();
  return ids;
}

/** Feed the loop (src/loops): acknowledged or closed by the clicker, never moved back; a replayed click is a duplicate. */
async function feedLoop(click: BlockAction, deps: SlackAppDeps, responseId: string, step: LoopStep, at: string) {
  const outcome = await applyLoopEvent(
    { source: 'slack', eventId: clickId(click), step, at, actor: actorName(click), target: { kind: 'response', responseId } },
    { store: deps.store, registry: deps.registry, maxAttempts: deps.maxAttempts, now: deps.now },
  );
  if (outcome.outcome !== 'unmatched' && outcome.loop.status === 'closed') deps.onJobsQueued?.();
}

/** "I'll follow up": the response is assigned to the clicker, its loop acknowledged by them, and the message says so. */
export async function followUp(click: BlockAction, deps: SlackAppDeps): Promise<HandlerOutcome> {
  const response = await responseOf(click, deps);
  if (!isResponse(response)) return response;
  if (!(await deps.store.getLoop(response.id))) return ephemeral(click.channelId, click.user.id, 'The hub took no action on this response: it has no loop to follow up.');
  const at = await record(click, deps, response.id, 'follow_up');
  await feedLoop(click, deps, response.id, 'acknowledged', at);
  await queue(deps, [await messageUpdateJob(deps, click, response.id, clickId(click))]);
  return NOTHING;
}

/** "Loop closed": the loop is closed by the clicker (the thread gets the usual reply) and the message shows who and when. */
export async function loopClosed(click: BlockAction, deps: SlackAppDeps): Promise<HandlerOutcome> {
  const response = await responseOf(click, deps);
  if (!isResponse(response)) return response;
  if (!(await deps.store.getLoop(response.id))) return ephemeral(click.channelId, click.user.id, 'The hub took no action on this response: it has no loop to close.');
  const at = await record(click, deps, response.id, 'loop_closed');
  await feedLoop(click, deps, response.id, 'closed', at);
  await queue(deps, [await messageUpdateJob(deps, click, response.id, clickId(click))]);
  return NOTHING;
}

/** The key of the one ticket the app opens for a response, however many clicks: it is also the ticket's `external_id`. */
export function ticketJobKey(responseId: string): string {
  return `slack-app:${responseId}:ticket`;
}

/**
 * "Open ticket": one Zendesk ticket per response (the job key; Zendesk's external_id), opened by the
 * runner after the ack; the message updates in place with its link once it exists (a follow-up
 * job of the ticket's). A response that has a ticket already (its recipe opened one, or an earlier
 * click) gets a note instead.
 */
export async function openTicket(click: BlockAction, deps: SlackAppDeps): Promise<HandlerOutcome> {
  const response = await responseOf(click, deps);
  if (!isResponse(response)) return response;
  const existing = await deps.store.listJobs({ responseId: response.id, action: 'zendesk.createTicket', limit: 5 });
  if (existing.length) return ephemeral(click.channelId, click.user.id, 'This response has a ticket already: its link is on the message once Zendesk has it.');
  const email = response.respondent.email;
  if (!email) return ephemeral(click.channelId, click.user.id, 'The respondent left no email address: Zendesk needs one to open a ticket.');
  const action = 'zendesk.createTicket';
  const definition = deps.registry.get(action);
  if (!definition) return NOTHING;
  const at = await record(click, deps, response.id, 'open_ticket');
  const who = actorName(click);
  const params = definition.action.params.parse({
    requesterEmail: email,
    requesterName: response.respondent.name ?? '',
    subject: `NPS ${response.score ?? '–'} (${response.category ?? 'unscored'}): ticket opened from Slack by ${who}`,
    body: `${response.comment ?? '(no comment)'}\n\nScore: ${response.score ?? '–'} (${response.category ?? 'unscored'}), received ${response.receivedAt}\nOpened from Slack by ${who}.`,
    tags: ['nps', ...(response.category ? [response.category] : []), 'slack'],
  });
  const ticket: NewJob = { key: ticketJobKey(response.id), type: 'action', responseId: response.id, recipe: null, actionId: 'slack-app', action, params, maxAttempts: deps.maxAttempts(action), runAt: at };
  const [ticketJobId] = await queue(deps, [ticket]);
  // A second click that raced the first finds its job: one ticket, one update.
  if (!ticketJobId) return ephemeral(click.channelId, click.user.id, 'A ticket is being opened for this response already.');
  await queue(deps, [await messageUpdateJob(deps, click, response.id, clickId(click))]);
  return NOTHING;
}
