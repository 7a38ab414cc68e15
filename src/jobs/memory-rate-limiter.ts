import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { DeliveryRateLimiter, RateLimit } from '../core/rate-limit.js';

/**
 * The in-memory rate limiter: rate-limiter-flexible's fixed windows, one limiter per distinct
 * limit, one counter per key. A window opens with the first call after the last one closed, so
 * with 1 per second two calls of one key are always at least a second apart. On Node one
 * instance is shared by every runner of the job loop; jobs of several processes on one database
 * each have their own (see docs/delivery.md "Rate limits"). On Workers it is the state of the
 * key's Durable Object (src/runtime/workers/rate-limiter-object.ts), shared by every isolate.
 */
export class MemoryRateLimiter implements DeliveryRateLimiter {
  private readonly limiters = new Map<string, RateLimiterMemory>();

  async acquire(key: string, limit: RateLimit): Promise<number> {
    try {
      await this.limiterFor(limit).consume(key, 1);
      return 0;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      // consumedPoints counts every caller of this window, the refused ones too: the k-th refused
      // caller's turn is about k/points windows after this one closes.
      const behind = Math.max(0, rejection.consumedPoints - limit.points - 1);
      return Math.max(1, rejection.msBeforeNext) + Math.floor(behind / limit.points) * limit.durationMs;
    }
  }

  private limiterFor(limit: RateLimit): RateLimiterMemory {
    const id = `${limit.points}/${limit.durationMs}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterMemory({ keyPrefix: id, points: limit.points, duration: limit.durationMs / 1000 });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}
