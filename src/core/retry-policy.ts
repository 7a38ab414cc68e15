/**
 * When to try a failed job again: exponential backoff with full jitter (a random delay
 * between 0 and min(cap, base·2^(failures−1))), never sooner than the remote's `Retry-After`,
 * which is itself clamped to `maxRetryAfterMs`. The job's age decides when it gives up
 * (`maxAgeMs`): a flaky vendor costs time, not the message. `maxAttempts` caps the vendor
 * failures counted (attempts cut short by a crash are not); by default it is high enough that age
 * decides. Each connector declares its own (see `ConnectorDefinition.retry`); this is the
 * default and the plan jobs' policy.
 */
export interface RetryPolicy {
  /** First backoff ceiling. Default 5 s. */
  baseMs: number;
  /** Largest backoff ceiling. Default 15 min. */
  capMs: number;
  /** Largest `Retry-After` honoured. Default 1 h. */
  maxRetryAfterMs: number;
  /**
   * Vendor failures (failed attempts, not counting those a crash cut short) after which a job
   * dead-letters even before its max age. Default 100: a safety valve, so that age decides.
   */
  maxAttempts: number;
  /**
   * How long a job keeps trying, from when it was queued (or last replayed): a retry that would
   * come later is not made and the job dead-letters. Default 24 h.
   */
  maxAgeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 5_000,
  capMs: 15 * 60_000,
  maxRetryAfterMs: 60 * 60_000,
  maxAttempts: 100,
  maxAgeMs: 24 * 60 * 60_000,
};

/** Backoff ceiling after `attempt` failed attempts: base·2^(attempt−1), capped. */
export function backoffCeilingMs(policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>, attempt: number): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** Delay before the next attempt, after `attempt` vendor failures. */
export function retryDelayMs(policy: Omit<RetryPolicy, 'maxAgeMs'>, attempt: number, retryAfterMs?: number, random = Math.random): number {
  const jittered = Math.floor(random() * backoffCeilingMs(policy, attempt));
  return Math.max(jittered, retryAfterFloorMs(policy, retryAfterMs));
}

function retryAfterFloorMs(policy: Pick<RetryPolicy, 'maxRetryAfterMs'>, retryAfterMs: number | undefined): number {
  return retryAfterMs === undefined ? 0 : Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
}

export type NextAttempt = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * Whether and when a job whose attempt just failed (retryably) runs again. `failures` vendor
 * failures were counted out of `maxAttempts` (this one included; `crashes`, attempts a crash cut
 * short, are not among them); the job is `ageMs` old (since queued or replayed). The last retry is
 * pulled in to the job's max age rather than skipped, unless the vendor's `Retry-After` asks for
 * later than that.
 */
export function nextAttempt(
  policy: RetryPolicy,
  job: { failures: number; maxAttempts: number; ageMs: number; crashes?: number },
  retryAfterMs?: number,
  random = Math.random,
): NextAttempt {
  const counted = `${job.failures} vendor failure${job.failures === 1 ? '' : 's'}${job.crashes ? ` (and ${job.crashes} attempt${job.crashes === 1 ? '' : 's'} cut short by a restart)` : ''}`;
  if (job.failures >= job.maxAttempts) return { retry: false, reason: `gave up after ${counted}` };
  const left = policy.maxAgeMs - job.ageMs;
  if (left <= 0) return { retry: false, reason: `gave up after ${counted}: the job is ${duration(job.ageMs)} old (max age ${duration(policy.maxAgeMs)})` };
  const delayMs = retryDelayMs(policy, job.failures, retryAfterMs, random);
  if (delayMs <= left) return { retry: true, delayMs };
  const floor = retryAfterFloorMs(policy, retryAfterMs);
  if (floor > left) {
    return { retry: false, reason: `gave up after ${counted}: the vendor asked to wait ${duration(floor)}, past the job's max age (${duration(policy.maxAgeMs)})` };
  }
  return { retry: true, delayMs: left };
}

/** `90 s`, `12 min`, `3 h 20 min`, `2 d`: durations in error messages. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.round(h / 24)} d`;
}
