import type { Store } from '../store/store.js';

/**
 * CRM lookups kept in the store for a while, by key. Shared by the enricher (per email,
 * per account) and the CRM lookups themselves (HubSpot owners).
 */
export interface EnrichmentCache {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
}

export interface StoreEnrichmentCacheOptions {
  store: Pick<Store, 'getCachedEnrichment' | 'putCachedEnrichment'>;
  /** How long an entry is used before the CRM is asked again (`CLOSELOOP_ENRICHMENT_TTL`). */
  ttlMs: number;
  /** Clock (tests inject one to expire entries). */
  now: () => Date;
}

export function storeEnrichmentCache(options: StoreEnrichmentCacheOptions): EnrichmentCache {
  const { store, ttlMs, now } = options;
  return {
    async get<T>(key: string) {
      return (await store.getCachedEnrichment(key, now().toISOString())) as T | undefined;
    },
    async put(key: string, value: unknown) {
      const at = now();
      await store.putCachedEnrichment(key, value, at.toISOString(), new Date(at.getTime() + ttlMs).toISOString());
    },
  };
}
