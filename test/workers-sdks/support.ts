import type { Job } from '../../src/core/job.js';
import { silentLogger } from '../../src/core/logger.js';

/** An action job as the runner hands it to a connector. */
export function actionJob(action: string, params: unknown, key = 'resp-1:recipe:act'): Job {
  return {
    id: 'job-1',
    key,
    type: 'action',
    responseId: 'resp-1',
    recipe: 'recipe',
    actionId: 'act',
    action,
    params,
    maxAttempts: 10,
    runAt: '2026-03-02T10:00:00.000Z',
    status: 'running',
    attempts: 0,
    leaseUntil: null,
    lastError: null,
    result: null,
    createdAt: '2026-03-02T10:00:00.000Z',
    updatedAt: '2026-03-02T10:00:00.000Z',
    replayedAt: null,
  };
}

export const ctx = (job: Job) => ({ job, log: silentLogger });
