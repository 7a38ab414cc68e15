import { z } from 'zod';
import { parseEnv } from '../../src/core/config.js';
import type { Env } from '../connector.js';

const PropertyName = z.string().regex(/^[A-Za-z0-9_]+$/, 'must be a HubSpot internal property name (letters, digits, _)');
const PropertyList = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(PropertyName));

/**
 * Which HubSpot properties fill the `account` recipes see. Internal property names; a
 * property your account does not have simply reads as null (HubSpot ignores unknown names on reads).
 */
export const HubSpotEnrichmentSettings = z.object({
  HUBSPOT_PLAN_PROPERTY: PropertyName.default('plan').describe('Company property for `account.plan`. A custom property you create.'),
  HUBSPOT_TIER_PROPERTY: PropertyName.default('tier').describe('Company property for `account.tier`. A custom property you create.'),
  HUBSPOT_ARR_PROPERTY: PropertyName.default('annualrevenue').describe('Company property for `account.arr` (read as a number).'),
  HUBSPOT_REGION_PROPERTY: PropertyName.default('country').describe('Company property for `account.region`.'),
  HUBSPOT_COMPANY_PROPERTIES: PropertyList.default([]).describe('Extra company properties, comma-separated, in `account.custom`.'),
  HUBSPOT_CONTACT_PROPERTIES: PropertyList.default([]).describe('Extra contact properties, comma-separated, in `contact.custom`.'),
});
export type HubSpotEnrichmentSettings = z.output<typeof HubSpotEnrichmentSettings>;

export function hubspotEnrichmentSettings(env: Env): HubSpotEnrichmentSettings {
  return parseEnv(HubSpotEnrichmentSettings, env);
}
