import type { ResponseChange } from '../../connectors/connector.js';
import { changeSummary } from '../../connectors/follow-up.js';
import type { ActionRegistry } from '../../connectors/registry.js';
import type { StoredResponse } from '../core/response.js';
import type { Store } from '../store/store.js';
import type { Job, NewJob } from '../core/job.js';

export interface FollowUpDeps {
  store: Store;
  registry: ActionRegistry;
  /** An action's attempts (its connector's retry policy). */
  maxAttempts: (action: string) => number;
}

/** Key of the follow-up that carries version `version` to the parent's remote object. */
export function followUpKey(parentKey: string, version: number): string {
  return `${parentKey}:v${version}`;
}

/**
 * For a response at version ≥ 2: one follow-up job per action job that already exists for it,
 * declares a follow-up, and was planned (it or its latest follow-up) from a version whose score
 * or comment differ from now. Keyed `<parent key>:v<version>`, so planning again adds nothing.
 *
 * `planned` (this plan's own action jobs) is inserted first, so that a plan running at the same
 * time as ours for an older version either sees our jobs or we see its jobs: the parent that
 * wins the key is the one compared, and a late comment is never lost between two plans.
 */
export async function planFollowUps(response: StoredResponse, planned: NewJob[], now: string, deps: FollowUpDeps): Promise<NewJob[]> {
  if (planned.length) await deps.store.enqueueJobs(planned);
  const jobs = await deps.store.listJobs({ responseId: response.id, limit: 10_000 });
  const followUps: NewJob[] = [];
  const previousCache = new Map<number, Awaited<ReturnType<Store['getResponseVersion']>>>();
  for (const parent of jobs) {
    if (parent.type !== 'action' || parent.parentJobId || !parent.action) continue;
    const definition = deps.registry.get(parent.action)?.action.followUp;
    if (!definition) continue;
    const seenVersion = Math.max(parent.responseVersion ?? 1, ...jobs.filter((j) => j.parentJobId === parent.id).map((j) => j.responseVersion ?? 1));
    if (seenVersion >= response.version) continue;
    if (!previousCache.has(seenVersion)) previousCache.set(seenVersion, await deps.store.getResponseVersion(response.id, seenVersion));
    const seen = previousCache.get(seenVersion);
    const change: ResponseChange = {
      response,
      previous: { version: seenVersion, score: seen?.score ?? null, comment: seen?.comment ?? null },
    };
    const summary = changeSummary(change);
    if (!summary) continue;
    followUps.push(followUpJob(parent, definition.action, definition.params(summary, parent), response, now, deps));
  }
  return followUps;
}

function followUpJob(parent: Job, action: string, rendered: unknown, response: StoredResponse, now: string, deps: FollowUpDeps): NewJob {
  const registered = deps.registry.get(action);
  const parsed = registered?.action.params.safeParse(rendered);
  return {
    key: followUpKey(parent.key, response.version),
    type: 'action',
    responseId: response.id,
    recipe: parent.recipe,
    actionId: parent.actionId,
    action,
    // Invalid parameters are kept as rendered: the job dead-letters naming the field.
    params: parsed?.success ? parsed.data : rendered,
    // It may wait through every attempt of its parent first, then needs its own.
    maxAttempts: parent.maxAttempts + deps.maxAttempts(action),
    runAt: now,
    responseVersion: response.version,
    parentJobId: parent.id,
  };
}
