import type { Context, MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import { csrfMatches, readSession, sessionKey, type Session } from './session.js';

export type DashboardEnv = { Variables: { session: Session; form: Record<string, string> } };

/**
 * Guards of the dashboard's routes: a session for every page, and for every state-changing
 * request also a same-origin request (hono/csrf: Origin or Sec-Fetch-Site) and the session's
 * CSRF token in the form.
 */
export function dashboardGuards(adminToken: string, now: () => Date) {
  const key = sessionKey(adminToken);
  const signedIn: MiddlewareHandler<DashboardEnv> = async (c, next) => {
    const session = await readSession(c, await key, now());
    if (!session) {
      if (c.req.method !== 'GET' || c.req.path.endsWith('.json')) return c.json({ error: { code: 'unauthorized', message: 'Sign in first', issues: [{ field: 'cookie', message: 'no valid session' }] } }, 401);
      const next = c.req.path + (new URL(c.req.url).search || '');
      return c.redirect(`/sign-in?next=${encodeURIComponent(next)}`, 303);
    }
    c.set('session', session);
    await next();
  };
  // Same origin = same host as the request (the scheme may differ behind a TLS-terminating proxy).
  const sameOrigin = csrf({ origin: (origin, c) => sameHost(origin, c) });
  const formToken: MiddlewareHandler<DashboardEnv> = async (c, next) => {
    const form = await formFields(c);
    if (!csrfMatches(c.get('session'), form._csrf)) return c.text('Forbidden: the form is missing its CSRF token or it is not this session\'s; reload the page and try again', 403);
    c.set('form', form);
    await next();
  };
  return { key, signedIn, sameOrigin, formToken, changes: [sameOrigin, signedIn, formToken] as const };
}

export function sameHost(origin: string, c: Context): boolean {
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

/** A urlencoded or multipart form's text fields (anything else: none). */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return {};
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
