import type { ActionRegistry } from '../../connectors/registry.js';
import type { NewJob } from '../core/job.js';
import type { DownstreamObject, ErasureReport } from '../store/erasure.js';
import type { Store } from '../store/store.js';

/** Stands in for a response on erasure jobs (they belong to no response, like an incident's alert). */
export const ERASURE_RESPONSE_ID = 'erasure';

export interface ForgetDeps {
  store: Pick<Store, 'forgetRespondent' | 'enqueueJobs' | 'getJob'>;
  registry: ActionRegistry;
  /** Attempts of an action's jobs (its connector's retry policy). */
  maxAttempts: (action: string) => number;
  now: () => Date;
}

export interface ForgetOptions {
  /** Also erase at the vendors where an action knows how (`--downstream`, `?downstream=true`). Default false. */
  downstream?: boolean;
}

/** One downstream object and what becomes of it. */
export interface DownstreamEntry extends DownstreamObject {
  /**
   * `queued`: an erasure job was queued now (`job` is its key); `already-queued`: an earlier
   * `--downstream` queued it (the key is taken: it runs once); `erasable`: it would be with
   * `--downstream`; `manual`: no action erases it, the operator does it at the vendor.
   */
  erasure: 'queued' | 'already-queued' | 'erasable' | 'manual';
  /** The erasure action and its job key, when there is one. */
  erasureAction?: string;
  job?: string;
}

export interface ForgetResult extends Omit<ErasureReport, 'downstream'> {
  downstream: DownstreamEntry[];
}

/**
 * Forget one respondent: erase what the store holds (one transaction), then, with `downstream`,
 * queue one erasure job per remote object an action can erase. Each job's key is the erasure
 * action and its parameters, so asking again (or replaying) never queues a second: effect-once.
 */
export async function forgetRespondent(deps: ForgetDeps, email: string, options: ForgetOptions = {}): Promise<ForgetResult> {
  const now = deps.now().toISOString();
  const report = await deps.store.forgetRespondent(email, now);
  const planned = report.downstream.map((object) => ({ object, job: erasureJob(object, deps, now) }));
  // A ticket that a createTicket opened and an addComment touched is one erasure job (one key).
  const jobs = [...new Map(planned.flatMap((p) => (p.job ? [[p.job.key, p.job] as const] : []))).values()];
  const queued = new Set<string>();
  if (options.downstream && jobs.length) {
    for (const id of await deps.store.enqueueJobs(jobs)) {
      const job = await deps.store.getJob(id);
      if (job) queued.add(job.key);
    }
  }
  const downstream = planned.map(({ object, job }): DownstreamEntry => {
    if (!job) return { ...object, erasure: 'manual' };
    const erasure = !options.downstream ? 'erasable' : queued.has(job.key) ? 'queued' : 'already-queued';
    return { ...object, erasure, erasureAction: job.action!, job: job.key };
  });
  return { ...report, downstream };
}

/** The erasure job of a downstream object, when its action declares one and the result names the object. */
function erasureJob(object: DownstreamObject, deps: ForgetDeps, now: string): NewJob | undefined {
  const definition = deps.registry.get(object.action)?.action.erasure;
  if (!definition || !deps.registry.has(definition.action)) return undefined;
  const params = definition.params(object.remote);
  if (params === undefined) return undefined;
  return {
    key: `erase:${definition.action}:${JSON.stringify(params)}`,
    type: 'action',
    responseId: ERASURE_RESPONSE_ID,
    recipe: null,
    actionId: 'erase',
    action: definition.action,
    params,
    maxAttempts: deps.maxAttempts(definition.action),
    runAt: now,
  };
}
