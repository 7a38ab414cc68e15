import type { Logger } from '../core/logger.js';
import { DeliveryError } from '../core/delivery-error.js';
import { emptyEnrichment, type Account, type Enricher, type Enrichment } from '../core/account.js';
import type { CrmLookup, FoundContact } from '../core/crm-lookup.js';
import type { EnrichmentCache } from '../core/enrichment-cache.js';

/** Which environment variables fix a permanent CRM failure, for the loud log line. */
const CREDENTIALS: Record<CrmLookup['crm'], string> = {
  hubspot: 'HUBSPOT_ACCESS_TOKEN (and its scopes)',
  salesforce: 'SALESFORCE_ACCESS_TOKEN or SALESFORCE_CLIENT_ID/SALESFORCE_CLIENT_SECRET, and the SALESFORCE_*_FIELD settings',
};

export interface CachedEnricherOptions {
  lookup: CrmLookup;
  cache: EnrichmentCache;
  log: Logger;
}

/**
 * Enrichment through a CRM with a TTL cache in the store: per email (the whole answer,
 * including "no such contact") and per account id (shared by every contact of a company).
 * Each look-up step is cached as soon as it succeeds (the contact, then the account, and inside
 * a lookup its own steps, e.g. HubSpot's search and owner): a retry after a failed step resumes
 * from there instead of repeating every call, so a flaky CRM does not make a plan start over.
 *
 * Failures never let recipes run without an account the CRM has: every CRM failure is thrown
 * as a *retryable* {@link DeliveryError}, so the plan job backs off (honouring `Retry-After`)
 * and plans once the CRM answers. A failure the CRM calls permanent (bad token, missing
 * scope, unknown field) is retried too, because giving up would drop the response's ticket:
 * it is logged at error level on every attempt, naming the variable to fix, and the plan job
 * dead-letters (replayable) only when its attempts run out.
 */
export function cachedEnricher({ lookup, cache, log }: CachedEnricherOptions): Enricher {
  const emailKey = (email: string) => `${lookup.crm}:email:${email.trim().toLowerCase()}`;
  const accountKey = (id: string) => `${lookup.crm}:account:${id}`;
  const contactKey = (email: string) => `${lookup.crm}:contact:${email.trim().toLowerCase()}`;

  /** The contact step, from the cache when an earlier attempt got that far. */
  async function contact(email: string): Promise<FoundContact | null> {
    const step = await cache.get<{ found: FoundContact | null }>(contactKey(email));
    if (step) return step.found;
    const found = await lookup.findContact(email, cache);
    await cache.put(contactKey(email), { found });
    return found;
  }

  async function account(id: string | null, found?: Account): Promise<Account> {
    if (found) {
      if (found.id) await cache.put(accountKey(found.id), found);
      return found;
    }
    if (!id) return emptyEnrichment().account;
    const cached = await cache.get<Account>(accountKey(id));
    if (cached) return cached;
    const fetched = (await lookup.getAccount(id, cache)) ?? { ...emptyEnrichment().account, id, crm: lookup.crm };
    await cache.put(accountKey(id), fetched);
    return fetched;
  }

  return {
    async enrich(email) {
      if (!email) return emptyEnrichment();
      const key = emailKey(email);
      const cached = await cache.get<Enrichment>(key);
      if (cached) return cached;
      let enrichment: Enrichment;
      try {
        const found = await contact(email);
        enrichment = found ? { contact: found.contact, account: await account(found.accountId, found.account) } : emptyEnrichment();
      } catch (error) {
        throw enrichmentFailure(lookup, error, log);
      }
      await cache.put(key, enrichment);
      return enrichment;
    },
  };
}

function enrichmentFailure(lookup: CrmLookup, error: unknown, log: Logger): DeliveryError {
  const e = error instanceof DeliveryError ? error : lookup.classify(error);
  if (e.retryable) return new DeliveryError(`${lookup.crm} enrichment: ${e.message}`, true, { ...e.options, cause: e });
  log.error(
    { crm: lookup.crm, status: e.status ?? null, error: e.message, fix: CREDENTIALS[lookup.crm] },
    'CRM enrichment failed permanently: recipes wait for the account; fix the CRM configuration (the plan job keeps retrying)',
  );
  return new DeliveryError(`${lookup.crm} enrichment failed (retrying until fixed): ${e.message}`, true, { status: e.status, cause: e });
}
