/**
 * What recipes see of the respondent's company and CRM contact. Every field is always
 * present (null when unknown), so a condition like `account.tier == "enterprise"` is simply
 * false for an unknown respondent instead of an error.
 */
export interface Account {
  id: string | null;
  name: string | null;
  domain: string | null;
  plan: string | null;
  tier: string | null;
  arr: number | null;
  /**
   * The account owner. `id` is the CRM's owner/user id, for write-back tasks assigned to them
   * (always set by the CRM enrichers; optional in the type so older fixtures still compile).
   */
  owner: { id?: string | null; name: string | null; email: string | null };
  region: string | null;
  lifecycle: string | null;
  /** Configured extra CRM properties, by property name. */
  custom: Record<string, unknown>;
  /** Which CRM answered (`hubspot`, `salesforce`), or null. */
  crm: string | null;
}

export interface Contact {
  id: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  custom: Record<string, unknown>;
}

export interface Enrichment {
  account: Account;
  contact: Contact;
}

export function emptyEnrichment(): Enrichment {
  return {
    account: {
      id: null,
      name: null,
      domain: null,
      plan: null,
      tier: null,
      arr: null,
      owner: { id: null, name: null, email: null },
      region: null,
      lifecycle: null,
      custom: {},
      crm: null,
    },
    contact: { id: null, email: null, firstName: null, lastName: null, custom: {} },
  };
}

/** Looks up the respondent in a CRM. Throws a retryable error when the CRM is down. */
export interface Enricher {
  enrich(email: string | null): Promise<Enrichment>;
}

/** No CRM configured: every respondent gets an empty account. */
export const noEnrichment: Enricher = { enrich: async () => emptyEnrichment() };
