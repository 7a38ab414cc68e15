import type { Account, Contact } from '../../src/core/account.js';
import type { CrmLookup } from '../../src/core/crm-lookup.js';
import { classifySalesforceError, type SalesforceClient } from './client.js';
import type { SalesforceEnrichmentSettings } from './enrichment-settings.js';
import { SALESFORCE_ID, selectWhereEquals } from './soql.js';

type SObjectRecord = Record<string, unknown>;

/** Account fields every lookup reads, relative to the Account. */
const ACCOUNT_FIELDS = ['Id', 'Name', 'Website', 'Type', 'OwnerId', 'Owner.Name', 'Owner.Email'];

/**
 * Respondent → Contact by email (most recently modified, when several share it) with its
 * Account and the Account's owner, in one SOQL query through the relationship `Account.…`.
 */
export function salesforceLookup(client: SalesforceClient, settings: SalesforceEnrichmentSettings): CrmLookup {
  const accountFields = [
    ...new Set([
      ...ACCOUNT_FIELDS,
      settings.SALESFORCE_ARR_FIELD,
      settings.SALESFORCE_REGION_FIELD,
      ...(settings.SALESFORCE_PLAN_FIELD ? [settings.SALESFORCE_PLAN_FIELD] : []),
      ...(settings.SALESFORCE_TIER_FIELD ? [settings.SALESFORCE_TIER_FIELD] : []),
      ...settings.SALESFORCE_ACCOUNT_FIELDS,
    ]),
  ];
  const contactFields = [
    ...new Set(['Id', 'Email', 'FirstName', 'LastName', 'AccountId', ...settings.SALESFORCE_CONTACT_FIELDS, ...accountFields.map((f) => `Account.${f}`)]),
  ];

  function toAccount(a: SObjectRecord): Account {
    return {
      id: text(a.Id),
      name: text(a.Name),
      domain: domainOf(text(a.Website)),
      plan: settings.SALESFORCE_PLAN_FIELD ? text(path(a, settings.SALESFORCE_PLAN_FIELD)) : null,
      tier: settings.SALESFORCE_TIER_FIELD ? text(path(a, settings.SALESFORCE_TIER_FIELD)) : null,
      arr: number(path(a, settings.SALESFORCE_ARR_FIELD)),
      owner: { id: text(a.OwnerId), name: text(path(a, 'Owner.Name')), email: text(path(a, 'Owner.Email')) },
      region: text(path(a, settings.SALESFORCE_REGION_FIELD)),
      lifecycle: text(a.Type),
      custom: Object.fromEntries(settings.SALESFORCE_ACCOUNT_FIELDS.map((f) => [f, path(a, f) ?? null])),
      crm: 'salesforce',
    };
  }

  return {
    crm: 'salesforce',
    classify: classifySalesforceError,

    async findContact(email) {
      const soql = selectWhereEquals('Contact', contactFields, 'Email', email, 'ORDER BY LastModifiedDate DESC LIMIT 1');
      const result = await client.call(async (conn) => await conn.query<SObjectRecord>(soql, { autoFetch: false }));
      const c = result.records[0];
      if (!c) return null;
      const contact: Contact = {
        id: text(c.Id),
        email: text(c.Email) ?? email,
        firstName: text(c.FirstName),
        lastName: text(c.LastName),
        custom: Object.fromEntries(settings.SALESFORCE_CONTACT_FIELDS.map((f) => [f, path(c, f) ?? null])),
      };
      const account = c.Account && typeof c.Account === 'object' ? toAccount(c.Account as SObjectRecord) : undefined;
      return { contact, accountId: text(c.AccountId), ...(account ? { account } : {}) };
    },

    async getAccount(id) {
      if (!SALESFORCE_ID.test(id)) return null;
      const soql = selectWhereEquals('Account', accountFields, 'Id', id);
      const result = await client.call(async (conn) => await conn.query<SObjectRecord>(soql, { autoFetch: false }));
      const a = result.records[0];
      return a ? toAccount(a) : null;
    },
  };
}

/** `Owner.Name` on a record: relationship fields come back as nested objects (null when unset). */
function path(record: SObjectRecord, fieldPath: string): unknown {
  let value: unknown = record;
  for (const part of fieldPath.split('.')) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as SObjectRecord)[part];
  }
  return value;
}

function text(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  return String(v);
}

function number(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** `https://www.acme.com/` → `acme.com`. */
function domainOf(website: string | null): string | null {
  if (!website) return null;
  try {
    return new URL(/^https?:\/\//i.test(website) ? website : `https://${website}`).hostname.replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}
