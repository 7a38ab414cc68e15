import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NormalizedResponse } from '../../src/core/response.js';
import { themeTagger } from '../../src/themes/tagger.js';
import { loadThemeRules } from '../../src/themes/parse-themes.js';
import { accountsByEmail } from '../insights/support.js';
import { makeTestHub } from '../support/hub.js';

/** The Responses page's search, through the page (session cookie) and the store's statement. */
const ORIGIN = 'http://hub.test';
const TOKEN = 'search-test-token-0123456789abcdef';
const SEEDS = [
  { email: 'ana@acme.test', score: 2, comment: 'Exports are slow', at: '2026-02-01T10:00:00.000Z', plan: 'enterprise' },
  { email: 'ben@acme.test', score: 9, comment: 'Great support team', at: '2026-02-10T10:00:00.000Z', plan: 'pro' },
  { email: 'cy@other.test', score: 7, comment: 'Fine, a bit slow', at: '2026-02-20T10:00:00.000Z', plan: 'pro' },
  { email: 'dee@other.test', score: 10, comment: null, at: '2026-02-25T10:00:00.000Z', plan: 'enterprise' },
  { email: 'ana@acme.test', score: 5, comment: '100% broken_export', at: '2026-03-01T10:00:00.000Z', plan: 'enterprise' },
];

let hub: ReturnType<typeof makeTestHub>;
let cookie: string;
const clock = { now: Date.parse('2026-03-02T10:00:00.000Z') };

beforeAll(async () => {
  const accounts = Object.fromEntries(SEEDS.map((s) => [s.email, { plan: s.plan }]));
  hub = makeTestHub({
    now: () => new Date(clock.now),
    recipes: [],
    enricher: accountsByEmail(accounts),
    themes: themeTagger(loadThemeRules({ file: 'themes.yaml', text: 'themes:\n  speed:\n    keywords: [slow]\n' })),
    env: { CLOSELOOP_ADMIN_TOKEN: TOKEN },
  });
  for (const [i, s] of SEEDS.entries()) {
    clock.now = Date.parse(s.at);
    const response = NormalizedResponse.parse({ source: 'generic', sourceResponseId: `s-${i}`, score: s.score, comment: s.comment, respondent: { email: s.email, name: null, externalId: null } });
    await hub.store.ingest({ response, rawBody: '{}', contentType: 'application/json' });
  }
  clock.now = Date.parse('2026-03-02T10:00:00.000Z');
  await hub.loop.drain();
  const res = await hub.app.request(`${ORIGIN}/sign-in`, {
    method: 'POST',
    headers: { host: 'hub.test', origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(async () => hub.cleanup());

/** The comments (or emails, for those without one) the page lists, in order. */
async function found(query: Record<string, string>) {
  const res = await hub.app.request(`${ORIGIN}/responses?${new URLSearchParams(query)}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  const html = await res.text();
  return [...html.matchAll(/<tr data-testid="response-row">.*?<\/tr>/gs)].map((m) => /<td class="comment">(.*?)<\/td>/s.exec(m[0])![1] || /<td>([^<]+@[^<]+)<\/td>/.exec(m[0])![1]);
}
const expected = (pick: (s: (typeof SEEDS)[number]) => boolean) =>
  SEEDS.filter(pick)
    .reverse()
    .map((s) => s.comment ?? s.email);

describe('searching responses', () => {
  it('finds by whole email (any case) and by part of one, newest first', async () => {
    expect(await found({ email: 'ANA@acme.test ' })).toEqual(expected((s) => s.email === 'ana@acme.test'));
    expect(await found({ email: 'other' })).toEqual(expected((s) => s.email.includes('other')));
  });

  it('finds by words in the comment, taking % and _ literally', async () => {
    expect(await found({ text: 'SLOW' })).toEqual(expected((s) => !!s.comment?.toLowerCase().includes('slow')));
    expect(await found({ text: '100%' })).toEqual(['100% broken_export']);
    // As a LIKE wildcard, _ would match the x of "export".
    expect(await found({ text: 'e_p' })).toEqual([]);
    expect(await found({ text: 'n_e' })).toEqual(['100% broken_export']);
  });

  it('finds by score range, category, segment, theme and date', async () => {
    expect(await found({ minScore: '5', maxScore: '9' })).toEqual(expected((s) => s.score >= 5 && s.score <= 9));
    expect(await found({ category: 'promoter' })).toEqual(expected((s) => s.score >= 9));
    expect(await found({ segment: 'plan', value: 'enterprise' })).toEqual(expected((s) => s.plan === 'enterprise'));
    expect(await found({ theme: 'speed' })).toEqual(expected((s) => !!s.comment?.includes('slow')));
    expect(await found({ from: '2026-02-10', to: '2026-02-20' })).toEqual(expected((s) => s.at >= '2026-02-10' && s.at < '2026-02-21'));
    expect(await found({ email: 'ana@acme.test', category: 'detractor', from: '2026-02-15' })).toEqual(['100% broken_export']);
    // An empty form field is no filter.
    expect(await found({ email: '', text: '', category: '' })).toEqual(expected(() => true));
  });

  it('answers a bad field with 422 naming it', async () => {
    for (const [query, field] of [
      [{ minScore: '11' }, 'minScore'],
      [{ category: 'happy' }, 'category'],
      [{ from: '02/03/2026' }, 'from'],
      [{ minScore: '8', maxScore: '3' }, 'maxScore'],
      [{ segment: 'plan' }, 'value'],
      [{ segment: 'planet', value: 'x' }, 'segment'],
    ] as const) {
      const res = await hub.app.request(`${ORIGIN}/responses?${new URLSearchParams(query)}`, { headers: { cookie } });
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(await res.text()).toContain(field);
    }
  });
});
