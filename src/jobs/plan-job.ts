import type { NewJob } from './job.js';

/** Attempts for the planning step: enrichment may wait on a CRM outage, so be generous. */
export const PLAN_MAX_ATTEMPTS = 20;

/** The job that turns a freshly stored response into its action jobs. */
export function planJobFor(responseId: string, now: string): NewJob {
  return {
    key: `plan:${responseId}`,
    type: 'plan',
    responseId,
    recipe: null,
    actionId: null,
    action: null,
    params: null,
    maxAttempts: PLAN_MAX_ATTEMPTS,
    runAt: now,
  };
}
