import { z } from 'zod';
import { parseEnv } from '../../src/core/config.js';
import type { Env } from '../connector.js';
import { SOQL_FIELD } from './soql.js';

const Field = z.string().regex(SOQL_FIELD, 'must be a Salesforce field API name such as Plan__c');
const FieldList = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(Field));

/**
 * Which Account (and Contact) fields fill the `account` recipes see. Field API names, relative
 * to the Account (`Plan__c`, `Parent.Name`). Unlike HubSpot, Salesforce rejects a query naming
 * a field that does not exist, so plan and tier are unset until you name your fields.
 */
export const SalesforceEnrichmentSettings = z.object({
  SALESFORCE_PLAN_FIELD: Field.optional().describe('Account field for `account.plan`. Unset: none.'),
  SALESFORCE_TIER_FIELD: Field.optional().describe('Account field for `account.tier`. Unset: none.'),
  SALESFORCE_ARR_FIELD: Field.default('AnnualRevenue').describe('Account field for `account.arr` (read as a number).'),
  SALESFORCE_REGION_FIELD: Field.default('BillingCountry').describe('Account field for `account.region`.'),
  SALESFORCE_ACCOUNT_FIELDS: FieldList.default([]).describe('Extra Account fields, comma-separated, in `account.custom`.'),
  SALESFORCE_CONTACT_FIELDS: FieldList.default([]).describe('Extra Contact fields, comma-separated, in `contact.custom`.'),
});
export type SalesforceEnrichmentSettings = z.output<typeof SalesforceEnrichmentSettings>;

export function salesforceEnrichmentSettings(env: Env): SalesforceEnrichmentSettings {
  return parseEnv(SalesforceEnrichmentSettings, env);
}
