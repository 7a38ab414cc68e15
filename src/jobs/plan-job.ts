import type { NewJob } from './job.js';
import { DEFAULT_RETRY_POLICY } from './retry-policy.js';

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

/** Which version of its response a plan job was enqueued for. */
export function planJobVersion(job: Pick<NewJob, 'responseVersion'>): number {
  return job.responseVersion ?? 1;
}
