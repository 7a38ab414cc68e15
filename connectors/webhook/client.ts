import { Webhook } from 'standardwebhooks';
import { DeliveryError, isRetryableStatus, parseRetryAfter } from '../../src/core/delivery-error.js';
import type { ConnectorRuntime, Env, FetchAnswer, PlainFetch } from '../connector.js';
import { httpTimeoutMs } from '../http-timeout.js';
import { describeNetworkError } from '../network-error.js';
import { AddressPolicy, addressLiteral, isLocalName } from './address-policy.js';

export const webhookVariables = [
  {
    name: 'CLOSELOOP_WEBHOOK_SECRET',
    description: 'Signing secret of `webhook.post` (Standard Webhooks: `whsec_` + base64 of 24–64 random bytes). Unset: the action runs in sandbox mode.',
    secret: true,
  },
  {
    name: 'CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES',
    description: 'Addresses or CIDR ranges `webhook.post` may reach although they are private, loopback or link-local (`10.0.0.0/8,127.0.0.1`). Default: none, only public addresses.',
    secret: false,
  },
] as const;

/** The secret must be one `standardwebhooks` can sign with; the allowed addresses must parse. */
export function webhookSettingsProblems(env: Env): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (env.CLOSELOOP_WEBHOOK_SECRET) {
    try {
      new Webhook(env.CLOSELOOP_WEBHOOK_SECRET);
    } catch {
      problems.push({ field: 'CLOSELOOP_WEBHOOK_SECRET', message: 'must be whsec_ followed by base64' });
    }
  }
  try {
    AddressPolicy.parse(env.CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES);
  } catch (error) {
    problems.push({ field: 'CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES', message: (error as Error).message });
  }
  return problems;
}

/** At most this many redirects are followed, each one checked like the first URL. */
export const MAX_REDIRECTS = 3;

export interface WebhookClient {
  signer: Webhook;
  policy: AddressPolicy;
  /** Refuses, when it connects, addresses the policy refuses (after DNS resolution). */
  fetch: PlainFetch;
  timeoutMs: number;
}

/**
 * The outbound webhook's client. On Node the runtime gives a fetch that checks every address it
 * connects to, after DNS resolution (a name that resolves to 127.0.0.1 is refused, and a DNS
 * answer cannot change between the check and the connection); without one (Workers, whose
 * fetch cannot reach a private network anyway) literal addresses and local names are still
 * refused by {@link checkTarget}.
 */
export function createWebhookClient(env: Env, runtime: ConnectorRuntime = {}): WebhookClient {
  const policy = AddressPolicy.parse(env.CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES);
  return {
    signer: new Webhook(env.CLOSELOOP_WEBHOOK_SECRET ?? ''),
    policy,
    fetch: runtime.publicFetch?.((address) => policy.refusal(address)) ?? fetch,
    timeoutMs: httpTimeoutMs(env),
  };
}

/** The address check that needs no DNS: the scheme, literal addresses, `localhost`. Throws a permanent failure. */
export function checkTarget(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refused(url, `the scheme ${url.protocol} is not http or https`);
  const literal = addressLiteral(url);
  const why = literal ? policy.refusal(literal) : isLocalName(url.hostname) ? policy.refusal('127.0.0.1') : null;
  if (why) throw refused(url, `${url.hostname} is ${why}`);
}

/** Thrown by the runtime's fetch when a name resolves to an address the policy refuses. */
export class RefusedAddressError extends Error {
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly why: string,
  ) {
    super(`${hostname} resolves to ${address}, ${why}`);
    this.name = 'RefusedAddressError';
  }
}

function refused(url: URL, why: string): DeliveryError {
  return new DeliveryError(`webhook to ${url.origin} refused: ${why} (CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES allows it)`, false);
}

/** POST with redirects followed by hand, so that every hop's address is checked. */
export async function postFollowingRedirects(client: WebhookClient, url: string, init: { headers: Record<string, string>; body: string }): Promise<FetchAnswer> {
  let target = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    checkTarget(target, client.policy);
    const response = await client.fetch(target, { method: 'POST', headers: init.headers, body: init.body, redirect: 'manual', signal: AbortSignal.timeout(client.timeoutMs) });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return response;
    await response.body?.cancel();
    target = new URL(location, target);
  }
  throw new DeliveryError(`webhook to ${new URL(url).origin}: more than ${MAX_REDIRECTS} redirects`, false);
}

/** A non-2xx answer: 408, 425, 429 and 5xx are tried again (honouring `Retry-After`), the rest dead-letter. */
export function failedAnswer(url: string, response: FetchAnswer, body: string): DeliveryError {
  const host = new URL(url).host;
  const excerpt = body.trim().slice(0, 200);
  const message = `webhook to ${host} answered HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`;
  return new DeliveryError(message, isRetryableStatus(response.status), { status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) });
}

export function classifyWebhookError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const refusal = findCause(error, RefusedAddressError);
  if (refusal) return new DeliveryError(`webhook refused: ${refusal.message} (CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES allows it)`, false, { cause: error });
  const e = error as Error;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new DeliveryError('webhook: no answer in time', true, { cause: error });
  // Connection refused or reset, DNS failure: the receiver may be back later.
  return new DeliveryError(`webhook: ${describeNetworkError(error)}`, true, { cause: error });
}

function findCause<T extends Error>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof type) return e;
  }
  return undefined;
}
