/**
 * When to try a failed job again: exponential backoff with full jitter (a random delay
 * between 0 and min(cap, base·2^(attempt−1))), never sooner than the remote's `Retry-After`,
 * which is itself clamped to `maxRetryAfterMs`.
 */
export interface RetryPolicy {
  /** First backoff ceiling. Default 5 s. */
  baseMs: number;
  /** Largest backoff ceiling. Default 15 min. */
  capMs: number;
  /** Largest `Retry-After` honoured. Default 1 h. */
  maxRetryAfterMs: number;
  /** Attempts per action job before it dead-letters. Default 8 (about 40 minutes of trying). */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 5_000,
  capMs: 15 * 60_000,
  maxRetryAfterMs: 60 * 60_000,
  maxAttempts: 8,
};

/** Delay before the next attempt, after `attempt` attempts have failed. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  const floor = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return Math.max(jittered, floor);
}
