import type { RecipeTrigger } from '../recipes/schema.js';
import type { NewJob } from '../core/job.js';
import { DEFAULT_RETRY_POLICY } from '../core/retry-policy.js';

/** Vendor failures the planning step may count: the default cap, so its max age (24 h) decides. */
export const PLAN_MAX_ATTEMPTS = DEFAULT_RETRY_POLICY.maxAttempts;

/**
 * The job that turns a freshly stored response (or a new version of it) into its action jobs.
 * Version 1 keeps the key `plan:<response>`; an update gets `plan:<response>:v<n>`.
 */
export function planJobFor(responseId: string, now: string, version = 1): NewJob {
  return {
    key: version > 1 ? `plan:${responseId}:v${version}` : `plan:${responseId}`,
    type: 'plan',
    responseId,
    recipe: null,
    actionId: null,
    action: null,
    params: null,
    maxAttempts: PLAN_MAX_ATTEMPTS,
    runAt: now,
    responseVersion: version,
  };
}

/**
 * The plan job of a trigger other than the response's arrival (`loop.overdue`): it plans the
 * recipes listening to that trigger, once per response (its key).
 */
export function triggerPlanJobFor(responseId: string, trigger: Exclude<RecipeTrigger, 'response'>, now: string, version: number): NewJob {
  return { ...planJobFor(responseId, now, version), key: `plan:${responseId}:${trigger}`, params: { trigger } };
}

/** The trigger a plan job plans for: `response` unless it was enqueued for another. */
export function planJobTrigger(job: Pick<NewJob, 'params'>): RecipeTrigger {
  const trigger = (job.params as { trigger?: unknown } | null)?.trigger;
  return trigger === 'loop.overdue' ? trigger : 'response';
}

/** Which version of its response a plan job was enqueued for. */
export function planJobVersion(job: Pick<NewJob, 'responseVersion'>): number {
  return job.responseVersion ?? 1;
}
