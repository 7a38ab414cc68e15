import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordingServer } from '../support/http-recorder.js';
import { expectRequestMatchesSpec, loadSpec } from '../support/openapi.js';
import { SPECS } from '../support/shared.js';
import { makeTestHub } from '../support/hub.js';
import { insightsHub } from './support.js';

const API = 'https://slack-proxy.test/api';
let ts = 0;
const api = recordingServer(
  http.post(`${API}/chat.postMessage`, () => HttpResponse.json({ ok: true, channel: 'C0CX', ts: `1773050400.00000${++ts}` })),
);
beforeAll(() => api.listen());
afterEach(() => api.reset());
afterAll(() => api.close());

/** Slack's published description (as test/connectors/slack.test.ts reads it: metadata postdates it, methods are form POSTs). */
const spec = loadSpec(`${SPECS}/slack/slack_web_openapi_v2.json`, { postForGet: true, headersFromSecurity: ['token'], undocumentedParameters: ['metadata', 'include_all_metadata'] });

const ENV = { SLACK_BOT_TOKEN: 'xoxb-test-123', SLACK_API_URL: `${API}/`, CLOSELOOP_DIGEST_CHANNEL: '#cx' };
const accounts = { 'a@acme.com': { plan: 'pro', name: 'Acme' }, 'b@basic.com': { plan: 'basic', name: 'Basico' } };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Answers received at `at`: [email, score, comment?]. */
async function answers(ctx: ReturnType<typeof insightsHub>, at: string, email: string, scores: Record<number, number>, comments: Record<number, string> = {}) {
  for (const [score, n] of Object.entries(scores)) {
    for (let i = 0; i < n; i++) await ctx.receive(at, { score: Number(score), comment: i === 0 ? (comments[Number(score)] ?? null) : null, respondent: { email, name: null, externalId: null } });
  }
}

describe('weekly digest to Slack', () => {
  it('posts the last week once: NPS and its tested change, best and worst plans, a streak, three verbatims — once per week across a restart', async () => {
    const ctx = insightsHub(accounts, ENV);
    cleanups.push(() => ctx.hub.cleanup());
    // Three months rising before this one: November −100, December −33.3, January 0, February +25.
    await answers(ctx, '2025-11-10T12:00:00.000Z', 'a@acme.com', { 0: 1 });
    await answers(ctx, '2025-12-10T12:00:00.000Z', 'a@acme.com', { 10: 1, 0: 2 });
    await answers(ctx, '2026-01-15T12:00:00.000Z', 'a@acme.com', { 10: 1, 8: 1, 0: 1 });
    // The week before (Feb 23 – Mar 2): +25 over 40.
    await answers(ctx, '2026-02-25T12:00:00.000Z', 'a@acme.com', { 10: 20, 8: 10, 0: 10 });
    // The week (Mar 2 – 9): pro +62.5 over 40, basic −33.3 over 30.
    await answers(ctx, '2026-03-03T12:00:00.000Z', 'a@acme.com', { 10: 30, 8: 5, 2: 5 }, { 10: 'Love the new reports', 8: 'Fine', 2: 'Slow exports <!channel> *now*' });
    await answers(ctx, '2026-03-04T12:00:00.000Z', 'b@basic.com', { 9: 10, 3: 20 }, { 9: 'Good' });
    ctx.clock.now = Date.parse('2026-03-09T10:00:00.000Z');
    await ctx.hub.loop.drain();

    // Mondays 09:00 UTC by default: the run of 09:00 was missed, so starting makes it up.
    await ctx.hub.digest!.start();
    await ctx.hub.loop.drain();
    expect(api.requests.map((r) => r.url.pathname)).toEqual(['/api/chat.postMessage']);
    const body = api.requests[0]!.body as Record<string, string>;
    expect(body.channel).toBe('#cx');
    expect(body.text).toBe('Weekly NPS, week of 2026-03-02: +21.4 (▼ -3.6 vs the week before, not significant)');
    const field = (label: string, value: string) => ({ type: 'plain_text', text: `${label}\n${value}` });
    expect(JSON.parse(body.blocks!)).toEqual([
      { type: 'section', text: { type: 'plain_text', text: body.text } },
      {
        type: 'section',
        fields: [
          field('NPS', '+21.4 ±22 (70 answers: 40 promoters, 5 passives, 25 detractors)'),
          field('Change', '-3.6 from +25 (p = 0.8361, not significant)'),
          field('Best by plan', 'pro: +62.5 ±21.6 (40)\nbasic: -33.3 ±33.7 (30)'),
          field('Worst by plan', 'basic: -33.3 ±33.7 (30)\npro: +62.5 ±21.6 (40)'),
          // The week's comments as the shipped theme rules (recipes/themes.yaml) tag them.
          field('Top themes', 'features (1), performance (1)'),
          field('Streaks', 'NPS up 3 months in a row'),
          field('Promoter (10, Acme)', 'Love the new reports'),
          field('Passive (8, Acme)', 'Fine'),
          field('Detractor (2, Acme)', 'Slow exports <!channel> *now*'),
        ],
      },
      { type: 'context', elements: [{ type: 'plain_text', text: 'closeloop weekly digest · 2026-03-02 to 2026-03-09 (UTC) · segments with fewer than 30 answers are not ranked' }] },
    ]);
    expect(JSON.parse(body.metadata!)).toEqual({ event_type: 'closeloop_job', event_payload: { key: 'digest:#cx:2026-03-02' } });
    expect(Object.keys(body).sort()).toEqual(['blocks', 'channel', 'metadata', 'text', 'unfurl_links', 'unfurl_media']);
    expect(api.requests[0]!.headers.get('authorization')).toBe('Bearer xoxb-test-123');
    expectRequestMatchesSpec(spec, api.requests[0]!);

    // A scheduled run later that day, then a restart: the week's digest is not posted again.
    expect(await ctx.hub.digest!.run()).toBe(false);
    await ctx.hub.close();
    const restarted = makeTestHub({ now: () => new Date(ctx.clock.now), recipes: [], env: { ...ENV, CLOSELOOP_DB: ctx.hub.config.CLOSELOOP_DB } });
    cleanups.push(() => restarted.cleanup());
    await restarted.digest!.start();
    await restarted.loop.drain();
    expect(api.requests).toHaveLength(1);

    // The next Monday: the next week's digest.
    ctx.clock.now = Date.parse('2026-03-16T09:00:00.000Z');
    expect(await restarted.digest!.run()).toBe(true);
    await restarted.loop.drain();
    expect(api.requests).toHaveLength(2);
    expect((api.requests[1]!.body as Record<string, string>).text).toBe('Weekly NPS, week of 2026-03-09: no NPS answers');
  });

  it('off unless the channel is set; a bad schedule or dimension stops the hub naming the variable', () => {
    const off = makeTestHub({ recipes: [] });
    cleanups.push(() => off.cleanup());
    expect(off.digest).toBeNull();
    expect(() => makeTestHub({ env: { ...ENV, CLOSELOOP_DIGEST_SCHEDULE: 'every monday' } })).toThrow(/CLOSELOOP_DIGEST_SCHEDULE must be a cron expression/);
    expect(() => makeTestHub({ env: { ...ENV, CLOSELOOP_DIGEST_BY: 'colour' } })).toThrow(/CLOSELOOP_DIGEST_BY/);
    expect(() => makeTestHub({ env: { ...ENV, CLOSELOOP_DIGEST_TZ: 'Mars/Olympus' } })).toThrow(/CLOSELOOP_DIGEST_TZ/);
  });
});
