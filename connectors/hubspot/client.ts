import { DeliveryError, isRetryableStatus, parseRetryAfter } from '../../src/core/delivery-error.js';
import type { ConnectorDefinition, Env } from '../connector.js';
import { httpTimeoutMs } from '../http-timeout.js';
import { createHubSpotSdk, type HubSpotSdk } from './sdk.js';

export const HUBSPOT_DEFAULT_BASE_URL = 'https://api.hubapi.com';

/**
 * The HubSpot SDK client and a call wrapper that bounds every call in time (the SDK's
 * node-fetch call has no timeout of its own). SDK retries stay off (the slim SDK has none):
 * the job runner alone decides when to try again.
 */
export interface HubSpotClient {
  sdk: HubSpotSdk;
  /** Run one SDK call, failing with a retryable timeout after `CLOSELOOP_HTTP_TIMEOUT_MS`. */
  call<T>(what: string, fn: (sdk: HubSpotSdk) => Promise<T>): Promise<T>;
  /** Per-client memo (e.g. "NPS properties exist"), so a process asks HubSpot once. */
  memo: Map<string, Promise<unknown>>;
}

export function createHubSpotClient(env: Env): HubSpotClient {
  const sdk = createHubSpotSdk({
    accessToken: env.HUBSPOT_ACCESS_TOKEN,
    basePath: (env.HUBSPOT_BASE_URL || HUBSPOT_DEFAULT_BASE_URL).replace(/\/+$/, ''),
  });
  const timeoutMs = httpTimeoutMs(env);
  return {
    sdk,
    memo: new Map(),
    call: (what, fn) => withTimeout(fn(sdk), timeoutMs, what),
  };
}

/** A HubSpot call that did not answer in time. */
export class HubSpotTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`HubSpot did not answer ${what} within ${ms} ms`);
    this.name = 'HubSpotTimeoutError';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HubSpotTimeoutError(what, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the SDK's `ApiException` carries: the status, HubSpot's JSON error body and the response headers. */
interface HubSpotApiException {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function isApiException(e: unknown): e is HubSpotApiException {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number' && 'headers' in e;
}

/** HubSpot's own words from an error body (`{ status, message, category, correlationId }`). */
function hubspotMessage(body: unknown): string {
  const b = body as { message?: unknown; category?: unknown } | undefined;
  const message = typeof b?.message === 'string' ? b.message : '';
  const category = typeof b?.category === 'string' ? b.category : '';
  return [category, message].filter(Boolean).join(': ').slice(0, 500);
}

/**
 * 401 (bad or expired token) and 403 (missing scope) are permanent and name the credential;
 * 400/404/409/422 are permanent; 429 (with `Retry-After` when sent), 5xx, timeouts and
 * network failures are retryable.
 */
export function classifyHubSpotError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (isApiException(error)) {
    const status = error.code;
    const detail = hubspotMessage(error.body);
    if (status === 401) {
      return new DeliveryError(`HubSpot refused the token (HTTP 401): check HUBSPOT_ACCESS_TOKEN${detail ? ` — ${detail}` : ''}`, false, { status, cause: error });
    }
    if (status === 403) {
      return new DeliveryError(
        `HubSpot denied access (HTTP 403): HUBSPOT_ACCESS_TOKEN lacks a scope this call needs${detail ? ` — ${detail}` : ''}`,
        false,
        { status, cause: error },
      );
    }
    const retryAfterMs = parseRetryAfter(error.headers?.['retry-after']);
    return new DeliveryError(`HubSpot answered HTTP ${status}${detail ? `: ${detail}` : ''}`, isRetryableStatus(status), { status, retryAfterMs, cause: error });
  }
  const e = error as Error | undefined;
  return new DeliveryError(`HubSpot could not be reached: ${e?.message ?? String(error)}`, true, { cause: error });
}

/** `closeloop check --connectors`: one harmless read (the first contact) proves the token and its read scope. */
export async function verifyHubSpot(client: HubSpotClient): Promise<string> {
  await client.call('contacts read', (sdk) => sdk.crm.contacts.basicApi.getPage(1, undefined, ['email']));
  return 'token accepted, can read contacts (crm.objects.contacts.read)';
}

/** HTTP status of a HubSpot SDK failure, when HubSpot answered. */
export function hubspotStatus(error: unknown): number | undefined {
  return isApiException(error) ? error.code : undefined;
}

export const hubspotVariables: ConnectorDefinition['variables'] = [
  {
    name: 'HUBSPOT_ACCESS_TOKEN',
    description:
      'Private app access token. Scopes: crm.objects.contacts.read, crm.objects.companies.read, crm.objects.owners.read (enrichment); crm.objects.contacts.write, crm.schemas.contacts.write (hubspot.updateContact); crm.objects.contacts.read and crm.objects.contacts.write (hubspot.createTask: tasks are read and written under the contacts scopes)',
    secret: true,
  },
  { name: 'HUBSPOT_BASE_URL', description: `API base URL (default ${HUBSPOT_DEFAULT_BASE_URL})`, secret: false },
];
