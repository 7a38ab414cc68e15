import { HubError } from '../core/errors.js';
import { fromBase64, fromHex, hmacMatches, hmacSign, type HmacHash, timingSafeEqualText, toBase64, toHex } from './hmac.js';
import type { WebhookRequest } from './source.js';

/** 401 naming the header (or query parameter) that failed. */
export function signatureRejected(field: string, message: string): HubError {
  return new HubError(401, 'invalid_signature', `Signature rejected: ${field} ${message}`, [{ field, message }]);
}

/** The value of a required signature header, without an optional `prefix` (`sha256=`); 401 when absent. */
export function requiredHeader(request: WebhookRequest, header: string, prefix = ''): string {
  const value = request.headers.get(header)?.trim();
  if (!value) throw signatureRejected(header, 'is missing');
  if (prefix && !value.toLowerCase().startsWith(prefix.toLowerCase())) throw signatureRejected(header, `must start with "${prefix}"`);
  return value.slice(prefix.length).trim();
}

export interface HmacHeaderScheme {
  header: string;
  /** Text before the signature in the header value, e.g. `sha256=`. */
  prefix?: string;
  hash: HmacHash;
  encoding: 'hex' | 'base64';
}

/**
 * Check `header` holds the HMAC of the raw body (or of `signed`, when the vendor signs more than
 * the body) keyed with `secret`; 401 naming the header otherwise.
 */
export async function verifyHmacHeader(
  request: WebhookRequest,
  secret: string,
  scheme: HmacHeaderScheme,
  signed: Uint8Array = request.rawBody,
): Promise<void> {
  const value = requiredHeader(request, scheme.header, scheme.prefix);
  const decoded = scheme.encoding === 'hex' ? fromHex(value) : fromBase64(value);
  if (!(await hmacMatches(scheme.hash, secret, signed, decoded))) throw signatureRejected(scheme.header, 'does not match the body');
}

/** Header that carries a shared token for tools that cannot sign (a custom header set in the tool). */
export const TOKEN_HEADER = 'X-Closeloop-Token';
/** Query parameter that carries the shared token for tools that only let you enter a URL. */
export const TOKEN_QUERY = 'token';

/**
 * For tools without a signature: the secret must arrive as a shared token, in the
 * `X-Closeloop-Token` header or (where the tool only takes a URL) the `token` query parameter.
 * Compared in constant time.
 */
export function verifySharedToken(request: WebhookRequest, secret: string): void {
  const fromHeader = request.headers.get(TOKEN_HEADER)?.trim();
  const fromQuery = request.url ? (new URL(request.url).searchParams.get(TOKEN_QUERY) ?? undefined) : undefined;
  const given = fromHeader || fromQuery;
  const field = fromHeader ? TOKEN_HEADER : fromQuery ? `?${TOKEN_QUERY}` : TOKEN_HEADER;
  if (!given) throw signatureRejected(field, `is missing (send the shared secret in the ${TOKEN_HEADER} header or the ?${TOKEN_QUERY}= query parameter)`);
  if (!timingSafeEqualText(given, secret)) throw signatureRejected(field, 'does not match the configured secret');
}

/** Headers and query parameters that sign a request as its tool does (`closeloop send`). */
export interface SignedParts {
  headers: Record<string, string>;
  /** Query parameters the tool puts in the webhook URL (a shared token). */
  query?: Record<string, string>;
}

/** The header `verifyHmacHeader` checks, computed over `signed` (default: the body). */
export async function signHmacHeader(secret: string, scheme: HmacHeaderScheme, signed: Uint8Array): Promise<SignedParts> {
  const mac = await hmacSign(scheme.hash, secret, signed);
  return { headers: { [scheme.header]: `${scheme.prefix ?? ''}${scheme.encoding === 'hex' ? toHex(mac) : toBase64(mac)}` } };
}

/** A tool that can set a custom header: the shared secret in `X-Closeloop-Token`. */
export const signWithTokenHeader = (_body: Uint8Array, secret: string): SignedParts => ({ headers: { [TOKEN_HEADER]: secret } });

/** A tool that only takes a URL: the shared secret as `?token=`. */
export const signWithTokenQuery = (_body: Uint8Array, secret: string): SignedParts => ({ headers: {}, query: { [TOKEN_QUERY]: secret } });
