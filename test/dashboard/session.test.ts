import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sessionKey } from '../../src/dashboard/auth/session.js';
import { makeTestHub } from '../support/hub.js';

/** Sign-in, sessions and CSRF, through app.request (no port, no browser). */
const ORIGIN = 'http://hub.test';
type Hub = ReturnType<typeof makeTestHub>;
let hub: Hub;
let clock: { now: number };

beforeEach(() => {
  clock = { now: Date.parse('2026-03-02T10:00:00.000Z') };
  hub = makeTestHub({ now: () => new Date(clock.now), env: { CLOSELOOP_ADMIN_TOKEN: 'session-test-token-0123456789abcdef' } });
});
afterEach(async () => hub.cleanup());

const form = (fields: Record<string, string>, headers: Record<string, string> = { origin: ORIGIN }) => ({
  method: 'POST',
  headers: { host: 'hub.test', 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

async function signIn(h: Hub = hub, headers: Record<string, string> = {}) {
  const res = await h.app.request(`${ORIGIN}/sign-in`, form({ token: 'session-test-token-0123456789abcdef', next: '/recipes' }, { origin: ORIGIN, ...headers }));
  expect(res.status).toBe(303);
  const setCookie = res.headers.get('set-cookie')!;
  return { res, setCookie, cookie: setCookie.split(';')[0]! };
}

async function csrfOf(cookie: string) {
  const html = await (await hub.app.request(`${ORIGIN}/recipes`, { headers: { cookie } })).text();
  return /name="_csrf" value="([0-9a-f]{64})"/.exec(html)![1]!;
}

describe('dashboard sign-in', () => {
  it('sends a visitor without a session to the sign-in page, remembering where they were going', async () => {
    const res = await hub.app.request(`${ORIGIN}/loop-health?period=7d`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/sign-in?next=%2Floop-health%3Fperiod%3D7d');
    expect((await hub.app.request(`${ORIGIN}/feed.json`)).status).toBe(401);
  });

  it('exchanges the admin token for an HttpOnly, SameSite=Strict, expiring cookie and goes where it was asked', async () => {
    const { res, setCookie } = await signIn();
    expect(res.headers.get('location')).toBe('/recipes');
    expect(setCookie).toMatch(/^closeloop_session=\d+\.[0-9a-f]{64}\.[^;]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain('session-test-token');
  });

  it('marks the cookie Secure when the request came over HTTPS (directly or through a proxy)', async () => {
    expect((await signIn(hub, { 'x-forwarded-proto': 'https' })).setCookie).toContain('; Secure');
    const direct = await hub.app.request('https://hub.test/sign-in', form({ token: 'session-test-token-0123456789abcdef' }, { origin: 'https://hub.test' }));
    expect(direct.headers.get('set-cookie')).toContain('; Secure');
  });

  it('refuses a wrong or missing token with 401 and a message, setting no cookie', async () => {
    for (const token of ['session-test-token-0123456789abcdeX', '', 'session-test-token-0123456789abcdef ']) {
      const res = await hub.app.request(`${ORIGIN}/sign-in`, form({ token }));
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      const html = await res.text();
      expect(html).toContain('That is not the admin token');
      if (token) expect(html).not.toContain(token);
    }
  });

  it('never redirects to another site after signing in', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const res = await hub.app.request(`${ORIGIN}/sign-in`, form({ token: 'session-test-token-0123456789abcdef', next }));
      expect(res.headers.get('location')).toBe('/');
    }
  });

  it('refuses a sign-in posted from another site', async () => {
    const res = await hub.app.request(`${ORIGIN}/sign-in`, form({ token: 'session-test-token-0123456789abcdef' }, { origin: 'https://evil.example' }));
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

describe('dashboard sessions', () => {
  it('ends when it expires (12 h)', async () => {
    const { cookie } = await signIn();
    expect((await hub.app.request(`${ORIGIN}/recipes`, { headers: { cookie } })).status).toBe(200);
    clock.now += 12 * 3_600_000 + 1000;
    expect((await hub.app.request(`${ORIGIN}/recipes`, { headers: { cookie } })).status).toBe(303);
  });

  it('is refused when tampered with (a later expiry, another CSRF token)', async () => {
    const { cookie } = await signIn();
    const [name, value] = cookie.split('=') as [string, string];
    const [expiry, csrf, signature] = decodeURIComponent(value).split('.') as [string, string, string];
    const later = `${name}=${encodeURIComponent(`${Number(expiry) + 86_400}.${csrf}.${signature}`)}`;
    const otherCsrf = `${name}=${encodeURIComponent(`${expiry}.${'0'.repeat(64)}.${signature}`)}`;
    for (const forged of [later, otherCsrf]) expect((await hub.app.request(`${ORIGIN}/recipes`, { headers: { cookie: forged } })).status).toBe(303);
  });

  it('is signed with a key derived from the admin token: another token (rotation) ends it', async () => {
    const { cookie } = await signIn();
    const rotated = makeTestHub({ now: () => new Date(clock.now), env: { CLOSELOOP_ADMIN_TOKEN: 'rotated-token-0123456789abcdef0123' } });
    try {
      expect((await rotated.app.request(`${ORIGIN}/recipes`, { headers: { cookie } })).status).toBe(303);
    } finally {
      await rotated.cleanup();
    }
    expect(await sessionKey('a')).not.toBe(await sessionKey('b'));
    expect(await sessionKey('a')).not.toContain('a'.repeat(2));
  });

  it('signs out: the cookie is cleared', async () => {
    const { cookie } = await signIn();
    const csrf = await csrfOf(cookie);
    const res = await hub.app.request(`${ORIGIN}/sign-out`, { ...form({ _csrf: csrf }), headers: { ...form({}).headers, cookie } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/sign-in?signed-out=1');
    expect(res.headers.get('set-cookie')).toMatch(/^closeloop_session=; Max-Age=0/);
  });

  it('leaves the API to its bearer token: a session cookie opens no /api route', async () => {
    const { cookie } = await signIn();
    expect((await hub.app.request(`${ORIGIN}/api/responses`, { headers: { cookie } })).status).toBe(401);
    expect((await hub.app.request(`${ORIGIN}/api/responses`, { headers: { authorization: 'Bearer session-test-token-0123456789abcdef' } })).status).toBe(200);
  });
});

describe('dashboard CSRF', () => {
  const replay = async (cookie: string | null, fields: Record<string, string>, headers: Record<string, string>) =>
    hub.app.request(`${ORIGIN}/loop-health/replay`, { ...form(fields), headers: { ...form({}, headers).headers, ...(cookie ? { cookie } : {}) } });

  it('refuses a state change without an Origin, from another origin, or without the session\'s token', async () => {
    const { cookie } = await signIn();
    const csrf = await csrfOf(cookie);
    const fields = { _csrf: csrf, connector: 'slack' };
    expect((await replay(cookie, fields, {})).status).toBe(403);
    expect((await replay(cookie, fields, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await replay(cookie, fields, { origin: 'http://hub.test.evil.example' })).status).toBe(403);
    expect((await replay(cookie, { connector: 'slack' }, { origin: ORIGIN })).status).toBe(403);
    expect((await replay(cookie, { ...fields, _csrf: 'a'.repeat(64) }, { origin: ORIGIN })).status).toBe(403);
    // Another session's token is not this one's.
    const other = await signIn();
    expect((await replay(cookie, { ...fields, _csrf: await csrfOf(other.cookie) }, { origin: ORIGIN })).status).toBe(403);
    // A JSON body (no form) carries no token either.
    const json = await hub.app.request(`${ORIGIN}/loop-health/replay`, { method: 'POST', headers: { host: 'hub.test', origin: ORIGIN, cookie, 'content-type': 'application/json' }, body: JSON.stringify(fields) });
    expect(json.status).toBe(403);
    // Everything right: accepted (nothing dead to replay).
    const ok = await replay(cookie, fields, { origin: ORIGIN });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/loop-health\?replayed=0&since=/);
  });

  it('refuses a state change without a session before reading the form', async () => {
    expect((await replay(null, { connector: 'slack' }, { origin: ORIGIN })).status).toBe(401);
  });

  it('answers a bad replay form with 422 naming the field', async () => {
    const { cookie } = await signIn();
    const csrf = await csrfOf(cookie);
    const res = await replay(cookie, { _csrf: csrf, connector: 'slack', job: 'x' }, { origin: ORIGIN });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('job');
    // "Start again" goes back to the page the form was on, not to the POST's path (a 404 on GET).
    expect(html).toContain('<a href="/loop-health">Start again</a>');
    // The navigation marks the section the form was in.
    expect(html).toContain('<a href="/loop-health" aria-current="page">Loop health</a>');
    const bad = await replay(cookie, { _csrf: csrf, connector: 'Not A Connector' }, { origin: ORIGIN });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('connector');
  });
});
