import { IntercomClient, IntercomError, IntercomTimeoutError } from 'intercom-client';
import { DeliveryError, isRetryableStatus, parseRetryAfter } from '../../src/core/delivery-error.js';
import type { ConnectorDefinition, Env } from '../connector.js';
import { httpTimeoutMs } from '../http-timeout.js';
import { describeNetworkError } from '../network-error.js';

export const INTERCOM_DEFAULT_BASE_URL = 'https://api.intercom.io';

/**
 * The REST API version every call asks for (`Intercom-Version`), the one whose published
 * description the tests validate against. intercom-client 7.0 defaults to 2.14 and its types
 * stop there, hence the cast below.
 */
export const INTERCOM_API_VERSION = '2.15';

/**
 * The Intercom client with its own retries off (it retries twice by default): the job runner
 * decides when to retry. The timeout is ours, not the SDK's: intercom-client aborts with the
 * string reason "timeout", which fetch rethrows as is, and the SDK then reports an unknown error
 * instead of its IntercomTimeoutError. Ours throws an `AbortError`, which the SDK does map.
 */
export function createIntercomClient(env: Env): IntercomClient {
  const timeoutMs = httpTimeoutMs(env);
  return new IntercomClient({
    token: env.INTERCOM_ACCESS_TOKEN,
    baseUrl: (env.INTERCOM_BASE_URL || INTERCOM_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    version: INTERCOM_API_VERSION as '2.14',
    maxRetries: 0,
    timeoutInSeconds: (2 * timeoutMs) / 1000 + 1, // a backstop behind ours
    fetch: fetchWithTimeout(timeoutMs),
  });
}

function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
    } catch (error) {
      // The SDK keeps only the message of what fetch threw: put undici's reason (ECONNREFUSED…) in it.
      if (!timeout.aborted) throw new Error(describeNetworkError(error), { cause: error });
      const abort = new Error(`no answer within ${timeoutMs} ms`, { cause: error });
      abort.name = 'AbortError';
      throw abort;
    }
  };
}

export function classifyIntercomError(error: unknown): DeliveryError {
  if (error instanceof IntercomTimeoutError) return new DeliveryError(`Intercom did not answer in time: ${error.message}`, true, { cause: error });
  if (error instanceof IntercomError && typeof error.statusCode === 'number') {
    const status = error.statusCode;
    const reason = describeIntercomError(error.body);
    if (status === 401 || status === 403) {
      return new DeliveryError(
        `Intercom refused the token (HTTP ${status}${reason}): check INTERCOM_ACCESS_TOKEN and the app's permissions (read and write users, tags, events)`,
        false,
        { status, cause: error },
      );
    }
    const retryAfterMs = parseRetryAfter(error.rawResponse?.headers?.get?.('retry-after'));
    return new DeliveryError(`Intercom answered HTTP ${status}${reason}`, isRetryableStatus(status), { status, retryAfterMs, cause: error });
  }
  return new DeliveryError(`Intercom could not be reached: ${(error as Error)?.message ?? String(error)}`, true, { cause: error });
}

/** `: not_found — User Not Found` from Intercom's `error.list` body. */
export function describeIntercomError(body: unknown): string {
  const errors = (body as { errors?: { code?: string; message?: string }[] } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return '';
  return `: ${errors.map((e) => [e.code, e.message].filter(Boolean).join(' — ')).join('; ').slice(0, 300)}`;
}

/** `GET /me`: the admin and workspace the token belongs to. */
export async function verifyIntercom(client: IntercomClient): Promise<string> {
  const me = await client.admins.identify();
  return `authenticated as ${me?.name ?? '?'} <${me?.email ?? '?'}> in workspace ${me?.app?.name ?? '?'} (${me?.app?.id_code ?? '?'})`;
}

export const intercomVariables: ConnectorDefinition['variables'] = [
  { name: 'INTERCOM_ACCESS_TOKEN', description: 'Access token of your Intercom app (Developer Hub → your app → Authentication)', secret: true },
  { name: 'INTERCOM_BASE_URL', description: `API base URL (default ${INTERCOM_DEFAULT_BASE_URL}; EU https://api.eu.intercom.io, AU https://api.au.intercom.io)`, secret: false },
];
