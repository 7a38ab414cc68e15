import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, testWorker } from './support.js';

// The dashboard on the Worker: the same pages as on Node (test/dashboard), read from D1, with the
// session cookie signed by Web Crypto and the assets served from the bundle.
const ORIGIN = 'https://closeloop.test';
const SETTINGS = { CLOSELOOP_ADMIN_TOKEN: ADMIN_TOKEN, CLOSELOOP_ALLOW_UNSIGNED: 'generic' };
const signInForm = (token: string, origin = ORIGIN): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
  body: new URLSearchParams({ token, next: '/responses?email=ana%40example.com' }).toString(),
});

describe('the dashboard on the Worker (D1)', () => {
  it('signs in with the admin token, finds a response stored in D1 by email and shows it; a wrong token or a cross-site sign-in is refused', async () => {
    const worker = testWorker(SETTINGS);
    const stored = await worker.postJson('generic', { response_id: 'dash-w-1', score: 2, comment: 'The invoice was wrong again', email: 'ana@example.com' });
    const { id } = (await stored.json()) as { id: string };
    await worker.drain();

    const anonymous = await worker.fetch('/');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/^\/sign-in/);

    expect((await worker.fetch('/sign-in', signInForm('wrong-token-0123456789abcdef'))).headers.get('set-cookie')).toBeNull();
    expect((await worker.fetch('/sign-in', signInForm(ADMIN_TOKEN, 'https://evil.test'))).status).toBe(403);

    const signedIn = await worker.fetch('/sign-in', signInForm(ADMIN_TOKEN));
    expect(signedIn.status).toBe(303);
    const cookie = signedIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const session = cookie.split(';')[0]!;

    const search = await worker.fetch(signedIn.headers.get('location')!, { headers: { cookie: session } });
    expect(search.status).toBe(200);
    const list = await search.text();
    expect(list).toContain('ana@example.com');
    expect(list).toContain(`/responses/${id}`);

    const page = await worker.fetch(`/responses/${id}`, { headers: { cookie: session } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('The invoice was wrong again');
    expect(html).toContain('detractor-ticket');

    // The client island comes from the bundle, not a CDN or a file.
    const script = /src="(\/assets\/dashboard\.[^"]+\.js)"/.exec(html)![1]!;
    const asset = await worker.fetch(script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });
});
