import { IntercomClient, IntercomError, IntercomTimeoutError } from 'intercom-client';
import { DeliveryError, isRetryableStatus, parseRetryAfter } from '../../src/jobs/delivery-error.js';
import type { ConnectorDefinition, Env } from '../connector.js';

export const INTERCOM_DEFAULT_BASE_URL = 'https://api.intercom.io';

/** The Intercom client with its own retries off: the job runner decides when to retry. */
export function createIntercomClient(env: Env): IntercomClient {
  return new IntercomClient({
    token: env.INTERCOM_ACCESS_TOKEN,
    baseUrl: (env.INTERCOM_BASE_URL || INTERCOM_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    maxRetries: 0,
    timeoutInSeconds: 15,
  });
}

export function classifyIntercomError(error: unknown): DeliveryError {
  if (error instanceof IntercomTimeoutError) return new DeliveryError('Intercom timed out', true, { cause: error });
  if (error instanceof IntercomError && typeof error.statusCode === 'number') {
    const status = error.statusCode;
    if (status === 401 || status === 403) {
      return new DeliveryError(`Intercom refused the token (HTTP ${status}): check INTERCOM_ACCESS_TOKEN and its permissions`, false, { status, cause: error });
    }
    const retryAfterMs = parseRetryAfter(error.rawResponse?.headers?.get?.('retry-after'));
    return new DeliveryError(`Intercom answered HTTP ${status}: ${error.message}`, isRetryableStatus(status), { status, retryAfterMs, cause: error });
  }
  return new DeliveryError(`Intercom could not be reached: ${(error as Error)?.message ?? String(error)}`, true, { cause: error });
}

export const intercomVariables: ConnectorDefinition['variables'] = [
  { name: 'INTERCOM_ACCESS_TOKEN', description: 'Access token of your Intercom app (Developer Hub → Authentication)', secret: true },
  { name: 'INTERCOM_BASE_URL', description: `API base URL (default ${INTERCOM_DEFAULT_BASE_URL}; EU https://api.eu.intercom.io, AU https://api.au.intercom.io)`, secret: false },
];
