import type { DurableObjectNamespace } from '@cloudflare/workers-types/latest/index.js';
import { DurableObject } from 'cloudflare:workers';
import type { DeliveryRateLimiter, RateLimit } from '../../core/rate-limit.js';
import { MemoryRateLimiter } from '../../jobs/memory-rate-limiter.js';

/**
 * One connector's budget for one key (`slack:nps`, `zendesk:account`), shared by every isolate:
 * Workers run many isolates, each of which would otherwise count on its own. It holds the same
 * in-memory limiter as the Node process; a Durable Object runs one call at a time, so the count
 * is exact. Its memory goes when the object is evicted after a while idle, which is longer than
 * a rate window: a fresh count then is the right one.
 */
export class RateLimiterObject extends DurableObject {
  private readonly limiter = new MemoryRateLimiter();

  /** {@link DeliveryRateLimiter.acquire} for this object's key. */
  async acquire(key: string, limit: RateLimit): Promise<number> {
    return this.limiter.acquire(key, limit);
  }
}

/** The hub's rate limiter on Workers: each key's slots are taken in its own {@link RateLimiterObject}. */
export class DurableObjectRateLimiter implements DeliveryRateLimiter {
  constructor(private readonly objects: DurableObjectNamespace<RateLimiterObject>) {}

  acquire(key: string, limit: RateLimit): Promise<number> {
    return this.objects.get(this.objects.idFromName(key)).acquire(key, limit);
  }
}
