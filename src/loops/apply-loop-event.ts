import type { ActionRegistry } from '../../connectors/registry.js';
import type { NewJob } from '../core/job.js';
import type { Store } from '../store/store.js';
import { formatDuration, type LoopEvent, type LoopState } from './loop-event.js';

export interface ApplyLoopEventDeps {
  store: Store;
  registry: ActionRegistry;
  /** An action's attempts (its connector's retry policy). */
  maxAttempts: (action: string) => number;
  now: () => Date;
}

export type LoopEventOutcome =
  | { outcome: 'recorded' | 'duplicate'; responseId: string; loop: LoopState }
  /** No response of the hub's is behind this ticket or conversation (one it did not open). */
  | { outcome: 'unmatched' };

/**
 * Record an event on the loop of the response behind its ticket or conversation. When the event
 * closes the loop, the verbatim's Slack message gets a reply in its thread ("Loop closed by Dana
 * after 3 h 12 min"), through the job machinery: keyed by the message's job, so it is posted once
 * however many closing events arrive.
 */
export async function applyLoopEvent(event: LoopEvent, deps: ApplyLoopEventDeps): Promise<LoopEventOutcome> {
  const responseId = await deps.store.findLoopResponse(event.target);
  if (!responseId) return { outcome: 'unmatched' };
  const now = deps.now().toISOString();
  const { duplicate, loop } = await deps.store.recordLoopEvent(responseId, event, now);
  if (loop.status === 'closed') {
    const reply = await closingReply(loop, deps, now);
    if (reply) await deps.store.enqueueJobs([reply]);
  }
  return { outcome: duplicate ? 'duplicate' : 'recorded', responseId, loop };
}

/** Key of the reply that tells a Slack message's thread its loop is closed. */
export function loopClosedKey(messageJobKey: string): string {
  return `${messageJobKey}:loop-closed`;
}

async function closingReply(loop: LoopState, deps: ApplyLoopEventDeps, now: string): Promise<NewJob | undefined> {
  const messages = await deps.store.listJobs({ responseId: loop.responseId, action: 'slack.postMessage', limit: 50 });
  // A sandboxed message gets a sandboxed reply: shown as it would have been sent.
  const message = messages.filter((j) => !j.parentJobId && (j.status === 'succeeded' || j.status === 'sandboxed')).at(-1);
  const action = 'slack.replyInThread';
  const definition = deps.registry.get(action);
  if (!message || !definition || !loop.closedAt) return undefined;
  const after = formatDuration(Date.parse(loop.closedAt) - Date.parse(loop.openedAt));
  const by = loop.closedBy ?? loop.acknowledgedBy;
  const params = definition.action.params.parse({ text: `Loop closed${by ? ` by ${by}` : ''} after ${after}` });
  return {
    key: loopClosedKey(message.key),
    type: 'action',
    responseId: loop.responseId,
    recipe: message.recipe,
    actionId: message.actionId,
    action,
    params,
    maxAttempts: deps.maxAttempts(action),
    runAt: now,
    parentJobId: message.id,
  };
}
