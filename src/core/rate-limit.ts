/**
 * A vendor's rate limit as data: at most `points` actions per `durationMs`, counted per key
 * (a Slack channel, a Zendesk account). Declared on each connector (`ConnectorDefinition.rateLimit`).
 */
export interface RateLimit {
  points: number;
  durationMs: number;
}

/**
 * The process's rate limiter, one instance shared by every job runner, so concurrent runners
 * share each key's budget. On Node: `src/jobs/memory-rate-limiter.ts` (rate-limiter-flexible, in
 * memory); on Workers the same limiter inside one Durable Object per key
 * (`src/runtime/workers/rate-limiter-object.ts`), shared by every isolate.
 */
export interface DeliveryRateLimiter {
  /**
   * Take one slot of `key` under `limit`. Resolves 0 when the action may run now; otherwise
   * the estimated wait in ms until this caller's turn (later callers in the same window wait
   * longer, so a backlog is spread out in order instead of all retrying at once).
   */
  acquire(key: string, limit: RateLimit): Promise<number>;
}

/** Options of {@link takeRateLimitSlot}. */
export interface RateLimitWait {
  /**
   * Longest a job waits for its slot while holding a runner slot; a longer wait gives the job
   * back to the queue (run later, not counted as an attempt). Default 250 ms.
   */
  maxWaitMs?: number;
  /** Sleep (tests can inject). Default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RATE_LIMIT_MAX_WAIT_MS = 250;

/**
 * Wait briefly for a rate-limit slot, or say how long until one is likely free. Resolves 0 when
 * the slot is taken (the call may go), or the ms after which the job should run again.
 */
export async function takeRateLimitSlot(limiter: DeliveryRateLimiter, key: string, limit: RateLimit, options: RateLimitWait = {}): Promise<number> {
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_RATE_LIMIT_MAX_WAIT_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let waited = 0;
  for (;;) {
    const wait = await limiter.acquire(key, limit);
    if (wait <= 0) return 0;
    if (waited + wait > maxWaitMs) return wait;
    await sleep(wait);
    waited += wait;
  }
}
