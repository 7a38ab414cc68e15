import zendeskSdk, { type ZendeskClient } from 'node-zendesk';
import { DeliveryError, isRetryableStatus } from '../../src/jobs/delivery-error.js';
import type { ConnectorDefinition, Env } from '../connector.js';

/** Base URL: `ZENDESK_BASE_URL`, else https://<ZENDESK_SUBDOMAIN>.zendesk.com. */
export function zendeskBaseUrl(env: Env): string {
  return (env.ZENDESK_BASE_URL || `https://${env.ZENDESK_SUBDOMAIN}.zendesk.com`).replace(/\/+$/, '');
}

export function createZendeskClient(env: Env): ZendeskClient {
  return zendeskSdk.createClient({
    username: env.ZENDESK_EMAIL,
    token: env.ZENDESK_API_TOKEN,
    endpointUri: `${zendeskBaseUrl(env)}/api/v2`,
  });
}

/** node-zendesk throws an Error carrying `statusCode` and the answer in `result`. */
export function classifyZendeskError(error: unknown): DeliveryError {
  const e = error as Error & { statusCode?: number };
  const status = e?.statusCode;
  if (status === 401 || status === 403) {
    return new DeliveryError(`Zendesk refused the credentials (HTTP ${status}): check ZENDESK_EMAIL and ZENDESK_API_TOKEN`, false, { status, cause: e });
  }
  if (typeof status === 'number') {
    return new DeliveryError(`Zendesk answered HTTP ${status}: ${e.message}`, isRetryableStatus(status), { status, cause: e });
  }
  return new DeliveryError(`Zendesk could not be reached: ${e?.message ?? String(error)}`, true, { cause: error });
}

export const zendeskVariables: ConnectorDefinition['variables'] = [
  { name: 'ZENDESK_SUBDOMAIN', description: 'Your Zendesk subdomain (mycompany for mycompany.zendesk.com)', secret: false },
  { name: 'ZENDESK_EMAIL', description: 'Email of the agent the API token belongs to', secret: false },
  { name: 'ZENDESK_API_TOKEN', description: 'Zendesk API token (Admin Center → Apps and integrations → APIs)', secret: true },
  { name: 'ZENDESK_BASE_URL', description: 'API base URL (default https://SUBDOMAIN.zendesk.com)', secret: false },
];
