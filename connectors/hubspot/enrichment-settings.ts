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
  /** Company property for `account.plan`. Default `plan` (a custom property you create). */
  HUBSPOT_PLAN_PROPERTY: PropertyName.default('plan'),
  /** Company property for `account.tier`. Default `tier` (a custom property you create). */
  HUBSPOT_TIER_PROPERTY: PropertyName.default('tier'),
  /** Company property for `account.arr` (read as a number). Default `annualrevenue`. */
  HUBSPOT_ARR_PROPERTY: PropertyName.default('annualrevenue'),
  /** Company property for `account.region`. Default `country`. */
  HUBSPOT_REGION_PROPERTY: PropertyName.default('country'),
  /** Extra company properties, comma-separated, in `account.custom`. Default none. */
  HUBSPOT_COMPANY_PROPERTIES: PropertyList.default([]),
  /** Extra contact properties, comma-separated, in `contact.custom`. Default none. */
  HUBSPOT_CONTACT_PROPERTIES: PropertyList.default([]),
});
export type HubSpotEnrichmentSettings = z.output<typeof HubSpotEnrichmentSettings>;

export function hubspotEnrichmentSettings(env: Env): HubSpotEnrichmentSettings {
  return parseEnv(HubSpotEnrichmentSettings, env);
}
