import type { DeliveryError } from './delivery-error.js';
import type { Account, Contact } from './account.js';
import type { EnrichmentCache } from './enrichment-cache.js';

export type CrmName = 'hubspot' | 'salesforce';

/** A CRM contact found by email, with its account id and, when the same call returned it, the account. */
export interface FoundContact {
  contact: Contact;
  accountId: string | null;
  /** Set when the CRM answered the account with the contact (Salesforce's SOQL relationship query). */
  account?: Account;
}

/**
 * One CRM's uncached lookups. Implementations throw whatever their SDK throws; `classify`
 * turns that into a {@link DeliveryError} (the connector's own classification).
 */
export interface CrmLookup {
  crm: CrmName;
  /** The contact with this email, or null when the CRM has none. */
  findContact(email: string, cache: EnrichmentCache): Promise<FoundContact | null>;
  /** The account (company) with this id, owner resolved, or null when it no longer exists. */
  getAccount(id: string, cache: EnrichmentCache): Promise<Account | null>;
  classify(error: unknown): DeliveryError;
}
