/**
 * HMAC over raw request bytes with Web Crypto (`crypto.subtle`), so the same code runs on Node
 * and Cloudflare Workers. Comparison goes through `crypto.subtle.verify`, whose HMAC check is
 * constant-time in both runtimes (OpenSSL / BoringSSL `CRYPTO_memcmp`).
 */

export type HmacHash = 'SHA-1' | 'SHA-256' | 'SHA-512';

const utf8 = new TextEncoder();

function bytes(data: Uint8Array | string): Uint8Array<ArrayBuffer> {
  return (typeof data === 'string' ? utf8.encode(data) : new Uint8Array(data)) as Uint8Array<ArrayBuffer>;
}

/** Imported once per hash and secret (secrets come from the environment: a handful at most), not per webhook. */
const keys = new Map<string, Promise<CryptoKey>>();

function importKey(hash: HmacHash, secret: string): Promise<CryptoKey> {
  const id = `${hash}:${secret}`;
  let key = keys.get(id);
  if (!key) keys.set(id, (key = crypto.subtle.importKey('raw', utf8.encode(secret), { name: 'HMAC', hash }, false, ['verify'])));
  return key;
}

/** Whether `signature` (decoded bytes; null = undecodable) is the HMAC of `data`. Constant time. */
export async function hmacMatches(hash: HmacHash, secret: string, data: Uint8Array | string, signature: Uint8Array | null): Promise<boolean> {
  if (!signature || signature.length === 0) return false;
  return crypto.subtle.verify('HMAC', await importKey(hash, secret), bytes(signature), bytes(data));
}

/** Concatenate byte arrays (e.g. a timestamp prefix and the raw body). */
export function concatBytes(...parts: (Uint8Array | string)[]): Uint8Array {
  const chunks = parts.map(bytes);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Hex (either case) → bytes; null when it is not hex. */
export function fromHex(text: string): Uint8Array | null {
  if (text.length === 0 || text.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Standard or URL-safe base64 → bytes; null when it is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  const normalized = text.replace(/-/g, '+').replace(/_/g, '/');
  if (normalized.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(normalized)) return null;
  try {
    return Uint8Array.from(atob(normalized), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * Compare two strings (shared tokens) in constant time for a given length: every byte is
 * visited whatever the first mismatch, so the time does not reveal how much of a guess was right.
 */
export function timingSafeEqualText(a: string, b: string): boolean {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.max(x.length, y.length);
  let diff = x.length ^ y.length;
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

const signingKeys = new Map<string, Promise<CryptoKey>>();

/** The HMAC of `data` keyed with `secret`, as a tool computes it when it signs a webhook (`closeloop send`). */
export async function hmacSign(hash: HmacHash, secret: string, data: Uint8Array | string): Promise<Uint8Array> {
  const id = `${hash}:${secret}`;
  let key = signingKeys.get(id);
  if (!key) signingKeys.set(id, (key = crypto.subtle.importKey('raw', utf8.encode(secret), { name: 'HMAC', hash }, false, ['sign'])));
  return new Uint8Array(await crypto.subtle.sign('HMAC', await key, bytes(data)));
}

export function toHex(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function toBase64(data: Uint8Array): string {
  return btoa(String.fromCharCode(...data));
}
