import { z } from 'zod';
import { parseEnv } from '../core/config.js';
import type { Env } from '../core/env.js';
import { hubspot } from '../../connectors/hubspot/index.js';
import { hubspotLookup } from '../../connectors/hubspot/enrich-from-hubspot.js';
import { hubspotEnrichmentSettings } from '../../connectors/hubspot/enrichment-settings.js';
import { salesforce } from '../../connectors/salesforce/index.js';
import { salesforceLookup } from '../../connectors/salesforce/enrich-from-salesforce.js';
import { salesforceEnrichmentSettings } from '../../connectors/salesforce/enrichment-settings.js';
import { HubError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Period } from '../recipes/schema.js';
import type { Store } from '../store/store.js';
import { noEnrichment, type Enricher } from '../core/account.js';
import { cachedEnricher } from './cached-enricher.js';
import type { CrmLookup } from '../core/crm-lookup.js';
import { storeEnrichmentCache } from '../core/enrichment-cache.js';

export const DEFAULT_ENRICHMENT_TTL_MS = 6 * 60 * 60_000;

export const EnrichmentSettings = z.object({
  CLOSELOOP_CRM: z.enum(['hubspot', 'salesforce', 'none']).optional().describe('Which CRM enriches respondents. Unset: the one whose credentials are set (none if neither).'),
  CLOSELOOP_ENRICHMENT_TTL: Period.optional().meta({ description: 'How long a CRM answer is reused, e.g. `30m`, `6h`, `1d`.', default: '6h' }),
});

export type CrmChoice = 'hubspot' | 'salesforce' | 'none';

function invalidConfig(field: string, message: string): HubError {
  return new HubError(400, 'invalid_config', `Invalid configuration: ${field} ${message}`, [{ field, message }]);
}

function settings(env: Env) {
  return parseEnv(EnrichmentSettings, env);
}

/** The CRM to enrich from: `CLOSELOOP_CRM`, else whichever has credentials. Throws on a contradiction. */
export function chooseCrm(env: Env): CrmChoice {
  const { CLOSELOOP_CRM } = settings(env);
  const configured = { hubspot: hubspot.configured(env), salesforce: salesforce.configured(env) };
  if (CLOSELOOP_CRM === 'hubspot' && !configured.hubspot) throw invalidConfig('CLOSELOOP_CRM', 'is hubspot but HUBSPOT_ACCESS_TOKEN is not set');
  if (CLOSELOOP_CRM === 'salesforce' && !configured.salesforce) {
    throw invalidConfig('CLOSELOOP_CRM', 'is salesforce but SALESFORCE_INSTANCE_URL with SALESFORCE_ACCESS_TOKEN (or SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET) is not set');
  }
  if (CLOSELOOP_CRM) return CLOSELOOP_CRM;
  if (configured.hubspot && configured.salesforce) {
    throw invalidConfig('CLOSELOOP_CRM', 'must say which CRM enriches respondents (hubspot, salesforce or none): both have credentials');
  }
  return configured.hubspot ? 'hubspot' : configured.salesforce ? 'salesforce' : 'none';
}

export interface EnricherFromEnvOptions {
  store: Pick<Store, 'getCachedEnrichment' | 'putCachedEnrichment'>;
  log: Logger;
  now: () => Date;
}

/** The enricher the configuration asks for, validated at start-up (a bad setting stops the hub). */
export function enricherFromEnv(env: Env, options: EnricherFromEnvOptions): Enricher {
  const crm = chooseCrm(env);
  if (crm === 'none') return noEnrichment;
  const ttlMs = settings(env).CLOSELOOP_ENRICHMENT_TTL ?? DEFAULT_ENRICHMENT_TTL_MS;
  const lookup: CrmLookup =
    crm === 'hubspot'
      ? hubspotLookup(hubspot.createClient(env), hubspotEnrichmentSettings(env))
      : salesforceLookup(salesforce.createClient(env), salesforceEnrichmentSettings(env));
  return cachedEnricher({
    lookup,
    cache: storeEnrichmentCache({ store: options.store, ttlMs, now: options.now }),
    log: options.log.child({ enrichment: crm }),
  });
}
