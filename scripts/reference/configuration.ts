import ms from 'ms';
import type { ConnectorDefinition } from '../../connectors/connector.js';
import { HubSpotEnrichmentSettings } from '../../connectors/hubspot/enrichment-settings.js';
import { SalesforceEnrichmentSettings } from '../../connectors/salesforce/enrichment-settings.js';
import { HubConfig } from '../../src/core/config.js';
import { EnrichmentSettings } from '../../src/enrichment/enricher-from-env.js';
import { deliveryVariables } from '../../src/jobs/delivery-policy.js';
import { DEFAULT_RETRY_POLICY } from '../../src/core/retry-policy.js';
import type { SourceAdapter } from '../../src/sources/source.js';
import { code, settingsOf, type SettingDoc } from './markdown.js';

/** A group of variables as both the reference page and .env.example show it. */
export interface SettingsGroup {
  title: string;
  /** One or two sentences under the title. */
  intro?: string;
  settings: SettingDoc[];
}

/**
 * Every environment variable the hub reads, grouped as an operator meets them. A new settings
 * schema is one entry here (its variables need a `.describe()`).
 */
export function settingsGroups(connectors: readonly ConnectorDefinition[], sources: Iterable<SourceAdapter>): SettingsGroup[] {
  return [
    { title: 'The hub', settings: settingsOf('HubConfig', HubConfig, ['CLOSELOOP_ADMIN_TOKEN']) },
    {
      title: 'Delivery, per connector',
      intro:
        'Each connector declares how patiently its jobs are retried and how fast they are sent (its vendor\'s published limit); these override it. A job stops at whichever budget runs out first, attempts or age, counted from when it was queued or last replayed. Rate limits are actions per period (`400/1m`, `1/1s`) or `off`.',
      settings: connectors.flatMap((c) => deliverySettings(c)),
    },
    {
      title: 'Enrichment (CRM)',
      intro: 'Which CRM fills `account` and `contact` for recipes, and which of its properties or fields are read. Its credentials are the connector\'s, below.',
      settings: [
        ...settingsOf('EnrichmentSettings', EnrichmentSettings),
        ...settingsOf('HubSpotEnrichmentSettings', HubSpotEnrichmentSettings),
        ...settingsOf('SalesforceEnrichmentSettings', SalesforceEnrichmentSettings),
      ],
    },
    ...connectors.map((c) => ({
      title: `${c.title} connector`,
      intro: `Without credentials every ${c.title} action runs in sandbox mode: planned, rendered and stored, never sent.`,
      settings: c.variables.map((v) => ({ name: v.name, description: v.description, type: 'string', secret: v.secret })),
    })),
    {
      title: 'Survey sources',
      intro:
        'Each source\'s secret checks its webhooks: set, an unsigned or wrongly signed request gets 401. Its other settings are needed only where the description says so.',
      settings: [...sources].flatMap((s) => [
        { name: s.secretVariable, description: `Signing secret (or shared token) of \`POST /webhooks/${s.name}\` (${s.title}).`, type: 'string', secret: true },
        ...s.settings.map((setting) => ({ name: setting.name, description: `${s.title}: ${setting.description}`, type: 'string', secret: false })),
      ]),
    },
  ];
}

function deliverySettings(c: ConnectorDefinition): SettingDoc[] {
  const vars = deliveryVariables(c.name);
  const retry = { ...DEFAULT_RETRY_POLICY, ...c.retry };
  const rate = c.rateLimit ? `${c.rateLimit.points}/${ms(c.rateLimit.durationMs)}` : 'off';
  return [
    { name: vars.maxAttempts, description: `Attempts per ${c.title} job before it is dead.`, type: 'integer (1–100)', default: code(String(retry.maxAttempts)), rawDefault: String(retry.maxAttempts), secret: false },
    { name: vars.maxAge, description: `How long ${c.title} jobs keep trying (\`90m\`, \`6h\`, \`2d\`).`, type: 'duration', default: code(ms(retry.maxAgeMs)), rawDefault: ms(retry.maxAgeMs), secret: false },
    {
      name: vars.rateLimit,
      description: c.rateLimit ? `${c.title}'s pace. Vendor's published limit: ${c.rateLimit.source}.` : `${c.title}'s pace; not limited by default.`,
      type: 'actions/period or `off`',
      default: code(rate),
      rawDefault: rate,
      secret: false,
    },
  ];
}
