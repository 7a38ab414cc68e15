import zendeskSdk, { type ZendeskClient } from 'node-zendesk';
import { DeliveryError, isRetryableStatus, parseRetryAfter } from '../../src/core/delivery-error.js';
import type { ConnectorDefinition, Env } from '../connector.js';
import { httpTimeoutMs } from '../http-timeout.js';
import { describeNetworkError } from '../network-error.js';

/** Base URL: `ZENDESK_BASE_URL`, else https://<ZENDESK_SUBDOMAIN>.zendesk.com. */
export function zendeskBaseUrl(env: Env): string {
  return (env.ZENDESK_BASE_URL || `https://${env.ZENDESK_SUBDOMAIN}.zendesk.com`).replace(/\/+$/, '');
}

/** A Zendesk answer ≥ 400, raised by our transport before node-zendesk sees it. */
export class ZendeskHttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
    readonly body: string,
  ) {
    super(`Zendesk answered HTTP ${status}${describeZendeskError(body)}`);
    this.name = 'ZendeskHttpError';
  }
}

/** No answer at all: connection refused or reset, DNS, or our timeout. */
export class ZendeskTransportError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ZendeskTransportError';
  }
}

/**
 * node-zendesk with its transport replaced (its documented `transportConfig` option) by global
 * fetch with a timeout that throws on every status ≥ 400. Why: node-zendesk *resolves* a 429 or
 * 503 that carries `Retry-After` (the error object comes back as the result), resolves statuses
 * missing from its table (502, 504…), and rewraps errors without their status. It has no retries
 * of its own, so the job runner alone decides when to try again.
 */
export function createZendeskClient(env: Env): ZendeskClient {
  const timeoutMs = httpTimeoutMs(env);
  return zendeskSdk.createClient({
    username: env.ZENDESK_EMAIL,
    token: env.ZENDESK_API_TOKEN,
    endpointUri: `${zendeskBaseUrl(env)}/api/v2`,
    throwOriginalException: true,
    transportConfig: {
      async transportFn(uri: string, options: { method: string; headers: Record<string, string>; body?: string }) {
        let response: Response;
        try {
          response = await fetch(uri, { method: options.method, headers: options.headers, body: options.body, signal: AbortSignal.timeout(timeoutMs) });
        } catch (error) {
          const timedOut = (error as Error)?.name === 'TimeoutError';
          throw new ZendeskTransportError(
            timedOut ? `Zendesk did not answer within ${timeoutMs} ms` : `Zendesk could not be reached: ${describeNetworkError(error)}`,
            timedOut,
            { cause: error },
          );
        }
        if (response.status >= 400) {
          const body = await response.text().catch(() => '');
          throw new ZendeskHttpError(response.status, parseRetryAfter(response.headers.get('retry-after')), body);
        }
        return response;
      },
      responseAdapter(response: Response) {
        return {
          json: () => response.json(),
          status: response.status,
          // Statuses ≥ 400 were thrown above; hide Retry-After so node-zendesk cannot turn a success into an error.
          headers: { get: (name: string) => (name.toLowerCase() === 'retry-after' ? null : response.headers.get(name)) },
          statusText: response.statusText,
        };
      },
    },
  } as Parameters<typeof zendeskSdk.createClient>[0]);
}

/** Zendesk → retryable (429, 5xx, timeouts, network) or permanent (auth, not found, validation). */
export function classifyZendeskError(error: unknown): DeliveryError {
  if (error instanceof ZendeskTransportError) return new DeliveryError(error.message, true, { cause: error });
  if (error instanceof ZendeskHttpError) {
    const { status } = error;
    if (status === 401 || status === 403) {
      return new DeliveryError(
        `Zendesk refused the credentials (HTTP ${status}): check ZENDESK_EMAIL and ZENDESK_API_TOKEN (an agent's email and an active API token)${describeZendeskError(error.body)}`,
        false,
        { status, cause: error },
      );
    }
    if (status === 404) {
      return new DeliveryError(`Zendesk answered HTTP 404: not found — check ZENDESK_SUBDOMAIN / ZENDESK_BASE_URL${describeZendeskError(error.body)}`, false, { status, cause: error });
    }
    return new DeliveryError(error.message, isRetryableStatus(status), { status, retryAfterMs: error.retryAfterMs, cause: error });
  }
  const e = error as Error & { statusCode?: number };
  if (typeof e?.statusCode === 'number') {
    return new DeliveryError(`Zendesk answered HTTP ${e.statusCode}: ${e.message}`, isRetryableStatus(e.statusCode), { status: e.statusCode, cause: e });
  }
  return new DeliveryError(`Zendesk call failed: ${e?.message ?? String(error)}`, true, { cause: error });
}

/** `: RecordInvalid — Requester: Email is invalid` from Zendesk's JSON error body, short. */
function describeZendeskError(body: string): string {
  if (!body) return '';
  try {
    const json = JSON.parse(body) as { error?: unknown; description?: string; details?: Record<string, { description?: string }[]> };
    const title = typeof json.error === 'string' ? json.error : (json.error as { title?: string })?.title;
    const details = Object.entries(json.details ?? {})
      .flatMap(([field, list]) => (Array.isArray(list) ? list.map((d) => `${field}: ${d.description ?? ''}`) : []))
      .join('; ');
    const text = [title, json.description, details].filter(Boolean).join(' — ');
    return text ? `: ${text.slice(0, 300)}` : '';
  } catch {
    return `: ${body.slice(0, 200)}`;
  }
}

/** `GET /api/v2/users/me`: the token's owner. Zendesk answers an anonymous user (id null) to bad credentials on some accounts. */
export async function verifyZendesk(client: ZendeskClient): Promise<string> {
  const { result } = (await client.users.me()) as unknown as { result: { id: number | null; name?: string; email?: string; role?: string } };
  if (!result?.id) throw new DeliveryError('Zendesk answered as an anonymous user: check ZENDESK_EMAIL and ZENDESK_API_TOKEN', false, { status: 401 });
  return `authenticated as ${result.name ?? '?'} <${result.email ?? '?'}> (role ${result.role ?? '?'})`;
}

export const zendeskVariables: ConnectorDefinition['variables'] = [
  { name: 'ZENDESK_SUBDOMAIN', description: 'Your Zendesk subdomain (mycompany for mycompany.zendesk.com)', secret: false },
  { name: 'ZENDESK_EMAIL', description: 'Email of the agent the API token belongs to', secret: false },
  { name: 'ZENDESK_API_TOKEN', description: 'Zendesk API token (Admin Center → Apps and integrations → APIs → Zendesk API)', secret: true },
  { name: 'ZENDESK_BASE_URL', description: 'API base URL (default https://SUBDOMAIN.zendesk.com)', secret: false },
];
