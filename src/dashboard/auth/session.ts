import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { timingSafeEqualText, toHex } from '../../sources/hmac.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'closeloop_session';
/** How long a sign-in lasts. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

/** A signed-in browser: when its session ends and the token its forms must carry. */
export interface Session {
  expiresAt: number;
  csrf: string;
}

/**
 * The cookie-signing key, derived (HKDF-SHA-256) from the admin token: rotating the token ends
 * every session, and the cookie's signature reveals nothing about the token.
 */
export async function sessionKey(adminToken: string): Promise<string> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(adminToken), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode('closeloop dashboard session'), info: new TextEncoder().encode('v1') },
    material,
    256,
  );
  return toHex(new Uint8Array(bits));
}

/** Whether the browser reached the hub over HTTPS (directly or through a proxy that says so). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

function randomToken(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

/** Start a session: a signed, HttpOnly, SameSite=Strict cookie holding its expiry and CSRF token. */
export async function startSession(c: Context, key: string, now: Date): Promise<Session> {
  const session = { expiresAt: Math.floor(now.getTime() / 1000) + SESSION_TTL_SECONDS, csrf: randomToken() };
  await setSignedCookie(c, SESSION_COOKIE, `${session.expiresAt}.${session.csrf}`, key, {
    httpOnly: true,
    secure: isHttps(c),
    sameSite: 'Strict',
    path: '/',
    maxAge: SESSION_TTL_SECONDS,
  });
  return session;
}

/** The request's session: signed with the current key and not expired, or undefined. */
export async function readSession(c: Context, key: string, now: Date): Promise<Session | undefined> {
  const value = await getSignedCookie(c, key, SESSION_COOKIE);
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(value);
  if (!match) return undefined;
  const session = { expiresAt: Number(match[1]), csrf: match[2]! };
  return session.expiresAt > now.getTime() / 1000 ? session : undefined;
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c), httpOnly: true, sameSite: 'Strict' });
}

/** Whether a form's CSRF token is this session's (constant time). */
export function csrfMatches(session: Session, given: unknown): boolean {
  return typeof given === 'string' && timingSafeEqualText(given, session.csrf);
}
