import type { Job } from '../src/core/job.js';

/**
 * Whether an earlier attempt of this job may already have had its effect: it is a retry
 * (attempts > 1), or a replay (replay resets attempts but keeps the last error). Actions whose
 * vendor has no idempotency key look the object up first in that case.
 */
export function mayHaveRunBefore(job: Pick<Job, 'attempts' | 'lastError'>): boolean {
  return job.attempts > 1 || job.lastError !== null;
}
