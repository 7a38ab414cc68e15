import { env } from 'cloudflare:test';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import type { Logger } from '../../src/core/logger.js';
import { NormalizedResponse } from '../../src/core/response.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { bundledThemes } from '../../src/runtime/workers/bundled-recipes.js';
import { D1Driver } from '../../src/runtime/workers/d1-driver.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.js';
import { slackAppButtons } from '../support/slack-app-buttons.js';
import { emptyDatabase, recordingServer, SHIPPED_RECIPES, SLACK_SETTINGS, testClock, testWorker, type SentRequest } from './support.js';

// The Cron Trigger's sweep beyond plan and resend (those: delivery.test.ts): the escalation of
// overdue loops, the weekly digest, retention at minute 17, campaign waves after their pause, and
// each part failing alone (logged, made up by the next sweep) — inside workerd over D1, the jobs
// run by the queue consumer through the real Slack SDK to msw. The scenarios follow the Node
// tests (test/loops/escalation.test.ts, test/insights/digest.test.ts, test/privacy/retention.test.ts,
// test/campaigns/campaign-rules.test.ts).
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZD_SECRET = 'sweeper-zendesk-events-secret';
const OVERDUE_RECIPE = parseRecipes(
  [
    {
      file: 'recipes/overdue-mention.yaml',
      text: `name: overdue-mention
on: loop.overdue
when: response.score <= 4
actions:
  - id: mention
    action: slack.postMessage
    params: { channel: "#cx-leads", text: "Unanswered for a day: {{ response.respondent.email }} gave {{ response.score }}" }
`,
    },
  ],
  new Set(actionRegistry().keys()),
);

let ts = 0;
const api = recordingServer(
  http.post('https://slack.test/api/chat.postMessage', () => HttpResponse.json({ ok: true, channel: 'C0CHANNEL1', ts: `1772445600.00000${++ts}` })),
  http.post('https://slack.test/api/conversations.list', () => HttpResponse.json({ ok: true, channels: [], response_metadata: { next_cursor: '' } })),
);
const posts = (sent: SentRequest[]) => sent.filter((r) => r.url.pathname === '/api/chat.postMessage').map((r) => r.body as Record<string, string>);
const driver = new D1Driver(env.DB);
beforeAll(() => api.listen());
beforeEach(() => emptyDatabase(driver));
afterEach(() => api.reset());
afterAll(() => api.close());

/** A worker on a clock the test moves; a second one on the same D1 is a restarted isolate. */
function sweeperWorker(settings: Record<string, string>, clock: ReturnType<typeof testClock>, options: Parameters<typeof testWorker>[1] = {}) {
  const worker = testWorker({ ...SLACK_SETTINGS, ...settings }, { random: () => 0, now: clock.now, ...options });
  return {
    ...worker,
    /** A response received now, its jobs run; the Slack calls they made forgotten. */
    async receive(body: Record<string, unknown>): Promise<string> {
      const res = await worker.postJson('generic', body);
      expect(res.status).toBe(202);
      await worker.drain();
      await api.take();
      return ((await res.json()) as { id: string }).id;
    },
    /** The cron trigger now. */
    sweepNow: () => worker.sweep(clock.now()),
  };
}

/** Zendesk's signed ticket event (a status change), as its webhook sends it: Web Crypto's HMAC. */
async function zendeskEvent(body: unknown): Promise<RequestInit> {
  const text = JSON.stringify(body);
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(ZD_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`t${text}`)));
  return { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': btoa(String.fromCharCode(...mac)), 'x-zendesk-webhook-signature-timestamp': 't' }, body: text };
}

const responseRow = (sourceResponseId: string) =>
  driver.get<{ comment: string | null; respondent_email: string | null; raw_body: string; scrubbed_at: string | null; score: number }>({
    sql: `SELECT comment, respondent_email, raw_body, scrubbed_at, score FROM responses WHERE source_response_id = ?`,
    params: [sourceResponseId],
  });
const jobKeys = async () => (await driver.all<{ key: string }>({ sql: `SELECT key FROM jobs ORDER BY key`, params: [] })).map((j) => j.key);

describe('the sweeper on Workers: escalation of overdue loops', () => {
  const T0 = Date.parse('2026-11-02T09:00:00.000Z');

  it('an overdue detractor escalates once across sweeps and a restart, its Slack message sent by the consumer; a loop closed in time never does', async () => {
    const clock = testClock(T0);
    const settings = { CLOSELOOP_LOOP_OVERDUE_AFTER: '24h', ZENDESK_EVENTS_WEBHOOK_SECRET: ZD_SECRET };
    const recipes = [...SHIPPED_RECIPES, ...OVERDUE_RECIPE];
    let worker = sweeperWorker(settings, clock, { recipes });
    const late = await worker.receive({ response_id: 'late', score: 2, comment: 'Slow exports', email: 'late@example.com' });
    const closed = await worker.receive({ response_id: 'closed', score: 1, comment: 'Slow exports', email: 'closed@example.com' });
    const mild = await worker.receive({ response_id: 'mild', score: 6, comment: 'Meh', email: 'mild@example.com' }); // overdue, but left out by the recipe's condition

    // Solved after 3 h: the Zendesk ticket (sandboxed) carries its job key as external_id.
    clock.set(T0 + 3 * HOUR);
    const ack = await worker.fetch(
      '/webhooks/zendesk-events',
      await zendeskEvent({ type: 'zen:event-type:ticket.status_changed', id: 'ev-1', time: clock.now().toISOString(), detail: { id: '501', external_id: `${closed}:detractor-ticket:ticket` }, event: { current: 'SOLVED', previous: 'OPEN' } }),
    );
    expect(ack.status).toBe(200);
    expect(await worker.drain()).toEqual([]);
    expect(posts(await api.take()).map((m) => m.text)).toEqual(['Loop closed after 3 h']); // in the alert's thread

    // 23 h: nobody is overdue yet.
    clock.set(T0 + 23 * HOUR);
    await worker.sweepNow();
    expect(worker.queue.take()).toEqual([]);

    // 25 h: the open loops' loop.overdue plan jobs, sent; the consumer plans, and posts the late one's mention.
    clock.set(T0 + 25 * HOUR);
    await worker.sweepNow();
    const sent = worker.queue.take();
    const overduePlan = async (id: string) => (await worker.jobsOf(id)).find((j) => j.key === `plan:${id}:loop.overdue`);
    const plans = [await overduePlan(late), await overduePlan(mild)];
    for (const plan of plans) expect(plan).toMatchObject({ type: 'plan', status: 'queued', params: { trigger: 'loop.overdue' } });
    expect(sent).toEqual(plans.map((plan) => ({ body: { jobId: plan!.id }, delaySeconds: 0 })));
    expect(await overduePlan(closed)).toBeUndefined();
    await worker.deliver(sent);
    await worker.drain();
    const requests = await api.take();
    expect(requests.map((r) => `${r.method} ${r.url.href} ${r.headers.get('authorization')}`)).toEqual(['POST https://slack.test/api/chat.postMessage Bearer xoxb-workers-123']);
    const [mention] = posts(requests);
    expect(mention).toEqual({
      channel: '#cx-leads',
      text: 'Unanswered for a day: late@example.com gave 2',
      blocks: JSON.stringify([
        { type: 'section', text: { type: 'plain_text', text: 'Unanswered for a day: late@example.com gave 2' } },
        slackAppButtons(late),
      ]),
      metadata: JSON.stringify({ event_type: 'closeloop_job', event_payload: { key: `${late}:overdue-mention:mention` } }),
      unfurl_links: 'false',
      unfurl_media: 'false',
    });
    expect((await worker.jobsOf(late)).filter((j) => j.recipe === 'overdue-mention').map((j) => `${j.key} ${j.status} ${j.attempts}`)).toEqual([`${late}:overdue-mention:mention succeeded 1`]);

    // The next sweep, then a restarted isolate on the same D1 a day later: nothing again.
    clock.set(T0 + 25 * HOUR + 60_000);
    await worker.sweepNow();
    expect(worker.queue.take()).toEqual([]);
    worker = sweeperWorker(settings, clock, { recipes });
    clock.set(T0 + 48 * HOUR);
    await worker.sweepNow();
    expect(worker.queue.take()).toEqual([]);
    await worker.drain();
    expect(await api.take()).toEqual([]);
    const escalations = (await jobKeys()).filter((k) => k.includes('overdue'));
    expect(escalations.sort()).toEqual([`${late}:overdue-mention:mention`, `plan:${late}:loop.overdue`, `plan:${mild}:loop.overdue`].sort());
    expect((await overduePlan(mild))).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});

describe('the sweeper on Workers: the weekly digest', () => {
  it('is queued once, by the first sweep at or after its time (Mondays 09:00 UTC), and posted through Slack by the consumer', async () => {
    const clock = testClock(Date.parse('2026-02-25T12:00:00.000Z'));
    const settings = { CLOSELOOP_DIGEST_CHANNEL: '#cx' };
    let worker = sweeperWorker(settings, clock, { themes: bundledThemes() });
    // The week before (Feb 23 – Mar 2): 0 over 2. The week (Mar 2 – 9): +33.3 over 3.
    await worker.receive({ response_id: 'before-1', score: 10 });
    await worker.receive({ response_id: 'before-2', score: 0 });
    clock.set(Date.parse('2026-03-03T12:00:00.000Z'));
    await worker.receive({ response_id: 'week-1', score: 10, comment: 'Love the new reports', email: 'a@example.com' });
    await worker.receive({ response_id: 'week-2', score: 10, email: 'b@example.com' });
    await worker.receive({ response_id: 'week-3', score: 2, comment: 'Slow exports <!channel> *now*', email: 'c@example.com' });
    const digestJobs = async () => (await jobKeys()).filter((k) => k.startsWith('digest:'));

    // A minute early: not yet.
    clock.set(Date.parse('2026-03-09T08:59:00.000Z'));
    await worker.sweepNow();
    expect(worker.queue.take()).toEqual([]);
    expect(await digestJobs()).toEqual([]);

    // 09:00: queued, its message sent.
    clock.set(Date.parse('2026-03-09T09:00:00.000Z'));
    await worker.sweepNow();
    expect(await digestJobs()).toEqual(['digest:#cx:2026-03-02']);
    const sent = worker.queue.take();
    expect(sent).toHaveLength(1);
    await worker.deliver(sent);
    const requests = await api.take();
    expect(requests.map((r) => `${r.method} ${r.url.href} ${r.headers.get('authorization')}`)).toEqual(['POST https://slack.test/api/chat.postMessage Bearer xoxb-workers-123']);
    const [body] = posts(requests);
    const text = 'Weekly NPS, week of 2026-03-02: +33.3 (▲ +33.3 vs the week before, not significant)';
    const field = (label: string, value: string) => ({ type: 'plain_text', text: `${label}\n${value}` });
    expect(body).toEqual({
      channel: '#cx',
      text,
      blocks: JSON.stringify([
        { type: 'section', text: { type: 'plain_text', text } },
        {
          type: 'section',
          fields: [
            field('NPS', '+33.3 ±106.7 (3 answers: 2 promoters, 0 passives, 1 detractors)'),
            field('Change', '+33.3 from 0 (p = 0.7087, not significant)'),
            field('Best by plan', 'none with 30+ answers'),
            field('Worst by plan', 'none with 30+ answers'),
            // The week's comments as the bundled theme rules (recipes/themes.yaml) tag them.
            field('Top themes', 'features (1), performance (1)'),
            // The detractor's ticket (sandboxed here) is the loop: nobody answered it within 48 h.
            field('Detractors answered', '0 of 1 within 48 h (0%); 1 still open'),
            field('Promoter (10)', 'Love the new reports'),
            field('Detractor (2)', 'Slow exports <!channel> *now*'),
          ],
        },
        { type: 'context', elements: [{ type: 'plain_text', text: 'closeloop weekly digest · 2026-03-02 to 2026-03-09 (UTC) · segments with fewer than 30 answers are not ranked' }] },
      ]),
      metadata: JSON.stringify({ event_type: 'closeloop_job', event_payload: { key: 'digest:#cx:2026-03-02' } }),
      unfurl_links: 'false',
      unfurl_media: 'false',
    });

    // The next sweep, and a restarted isolate sweeping 09:00 again (a retried trigger): not again.
    clock.set(Date.parse('2026-03-09T09:01:00.000Z'));
    await worker.sweepNow();
    worker = sweeperWorker(settings, clock, { themes: bundledThemes() });
    await worker.sweep(new Date('2026-03-09T09:00:00.000Z'));
    expect(worker.queue.take()).toEqual([]);
    expect(await digestJobs()).toEqual(['digest:#cx:2026-03-02']);
    expect(await api.take()).toEqual([]);
  });
});

describe('the sweeper on Workers: retention (CLOSELOOP_RETENTION)', () => {
  it('runs hourly at minute 17 only, scrubbing the responses older than the retention and no other', async () => {
    const T = Date.parse('2026-12-01T10:16:00.000Z');
    const clock = testClock(T - 700 * DAY);
    const worker = sweeperWorker({ CLOSELOOP_RETENTION: '400d' }, clock);
    const old = await worker.receive({ response_id: 'old', score: 2, comment: 'Old complaint from Ana', email: 'ana@example.com', name: 'Ana Lima' });
    // Past the retention from 10:46 on: the 10:17 pass leaves it, the 11:17 one scrubs it.
    clock.set(T - 400 * DAY + 30 * 60_000);
    await worker.receive({ response_id: 'edge', score: 9, comment: 'Edge praise from Bo', email: 'bo@example.com' });
    clock.set(T - 5 * DAY);
    await worker.receive({ response_id: 'new', score: 6, comment: 'Recent gripe from Cy', email: 'cy@example.com' });
    const kept = { comment: expect.stringMatching(/from/), respondent_email: expect.stringMatching(/@example\.com$/), raw_body: expect.stringMatching(/from/), scrubbed_at: null };
    const scrubbedAt = (at: string) => ({ comment: null, respondent_email: null, raw_body: '', scrubbed_at: at });
    const rows = async () => ({ old: await responseRow('old'), edge: await responseRow('edge'), new: await responseRow('new') });
    const sweepAt = async (iso: string) => {
      clock.set(Date.parse(iso));
      await worker.sweepNow();
    };

    await sweepAt('2026-12-01T10:16:00.000Z');
    expect(await rows()).toEqual({ old: { ...kept, score: 2 }, edge: { ...kept, score: 9 }, new: { ...kept, score: 6 } });
    await sweepAt('2026-12-01T10:17:00.000Z');
    expect(await rows()).toEqual({ old: { ...scrubbedAt('2026-12-01T10:17:00.000Z'), score: 2 }, edge: { ...kept, score: 9 }, new: { ...kept, score: 6 } });
    const oldJobs = await driver.all<{ params: string; last_error: string | null }>({ sql: `SELECT params, last_error FROM jobs WHERE response_id = ?`, params: [old] });
    expect(oldJobs.length).toBeGreaterThan(0);
    for (const job of oldJobs) expect(job).toEqual({ params: 'null', last_error: null });
    // Between passes the edge answer ages past the retention, and waits for minute 17.
    for (const at of ['2026-12-01T10:18:00.000Z', '2026-12-01T10:47:00.000Z', '2026-12-01T11:16:00.000Z']) await sweepAt(at);
    expect((await rows()).edge).toEqual({ ...kept, score: 9 });
    await sweepAt('2026-12-01T11:17:00.000Z');
    expect(await rows()).toEqual({ old: { ...scrubbedAt('2026-12-01T10:17:00.000Z'), score: 2 }, edge: { ...scrubbedAt('2026-12-01T11:17:00.000Z'), score: 9 }, new: { ...kept, score: 6 } });
  });
});

describe('the sweeper on Workers: campaign waves between pauses', () => {
  it('releases a paused wave once its pause is over, and its contacts go out through Slack', async () => {
    const T0 = Date.parse('2026-12-01T10:00:00.000Z');
    const clock = testClock(T0 - DAY);
    const worker = sweeperWorker({}, clock, { recipes: [] });
    await worker.receive({ response_id: 'ten', score: 10, email: 'a@example.com' });
    await worker.receive({ response_id: 'nine', score: 9, email: 'b@example.com' });
    clock.set(T0);
    const res = await worker.admin('/api/campaigns', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'paced', action: 'slack.postMessage', params: { channel: '#advocates', text: '{{ response.respondent.email }} gave {{ response.score }}' }, filter: { score: { min: 9 } }, waves: { by: 'score' }, betweenWaves: { pause: '1h' } }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const texts = async () => posts(await api.take()).map((m) => `${m.channel} ${m.text}`);
    const sweepAt = async (at: number) => {
      clock.set(at);
      await worker.sweepNow();
      await worker.drain();
    };
    // Wave 1 (the 10s) at creation: its job's message was sent with it.
    await worker.drain();
    expect(await texts()).toEqual(['#advocates a@example.com gave 10']);
    await sweepAt(T0 + HOUR - 60_000);
    expect(await texts()).toEqual([]);
    // The pause over: the sweep releases wave 2 and sends its contact's message.
    await sweepAt(T0 + HOUR);
    expect(await texts()).toEqual(['#advocates b@example.com gave 9']);
    const status = (await (await worker.admin(`/api/campaigns/${id}`)).json()) as { waves: { releasedAt: string; releasedBy: string; sent: number }[]; next: unknown };
    expect(status.waves.map((w) => [w.releasedAt, w.releasedBy, w.sent])).toEqual([
      [new Date(T0).toISOString(), 'creation', 1],
      [new Date(T0 + HOUR).toISOString(), 'pause', 1],
    ]);
    expect(status.next).toBeNull();
  });
});

/** A store whose `method` fails as D1 does when a statement cannot run; everything else is the real store. */
function failing(store: Store, method: keyof Store): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === method) return () => Promise.reject(new Error('D1_ERROR: database is locked: SQLITE_BUSY'));
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A logger keeping its error lines. */
function errorLog() {
  const errors: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const log: Logger = { debug() {}, info() {}, warn() {}, error: (obj, msg) => void errors.push({ obj: obj as Record<string, unknown>, msg }), child: () => log };
  return { log, errors };
}

describe('the sweeper on Workers: each part fails alone', () => {
  // Monday 09:17: the digest's time (set to 09:17), retention's minute, and a detractor 25 h unanswered.
  const AT = Date.parse('2026-03-09T09:17:00.000Z');
  const PARTS = { escalate: 'overdueLoops', digest: 'digestVerbatims', retention: 'scrubPersonalData' } as const;

  it.each(Object.keys(PARTS) as (keyof typeof PARTS)[])('a failing %s is logged, the other parts do their work, and the next sweep makes it up', async (broken) => {
    const clock = testClock(AT - 700 * DAY);
    const { log, errors } = errorLog();
    const settings = { CLOSELOOP_LOOP_OVERDUE_AFTER: '24h', CLOSELOOP_RETENTION: '400d', CLOSELOOP_DIGEST_CHANNEL: '#cx', CLOSELOOP_DIGEST_SCHEDULE: '17 9 * * 1' };
    const recipes = [...SHIPPED_RECIPES, ...OVERDUE_RECIPE];
    const worker = sweeperWorker(settings, clock, {
      recipes,
      log,
      store: (d, options) => failing(new SqlStore(d, { ...options, now: clock.now }), PARTS[broken]),
    });
    await worker.receive({ response_id: 'old', score: 9, comment: 'Old praise from Ana', email: 'ana@example.com' });
    clock.set(AT - 25 * HOUR);
    const late = await worker.receive({ response_id: 'late', score: 2, comment: 'Slow exports', email: 'late@example.com' });
    // A response stored, its plan job never written (the isolate died): the plan part writes it.
    clock.set(AT - 10 * 60_000);
    const unplanned = await new SqlStore(driver).ingest({ response: NormalizedResponse.parse({ source: 'generic', sourceResponseId: 'unplanned', score: 9 }), rawBody: '{}', contentType: 'application/json' });

    clock.set(AT);
    await worker.sweepNow();
    expect(errors).toEqual([{ obj: { err: new Error('D1_ERROR: database is locked: SQLITE_BUSY'), part: broken }, msg: 'sweep part failed; the next sweep tries again' }]);
    const keys = await jobKeys();
    expect(keys).toContain(`plan:${unplanned.id}`);
    expect(keys.includes(`plan:${late}:loop.overdue`)).toBe(broken !== 'escalate');
    expect(keys.includes('digest:#cx:2026-03-02')).toBe(broken !== 'digest');
    expect((await responseRow('old'))!.scrubbed_at).toBe(broken === 'retention' ? null : new Date(AT).toISOString());

    // The next sweep (another isolate, its store sound) makes up what failed: the escalation and
    // the week's digest at once, retention at its next minute 17.
    const sound = sweeperWorker(settings, clock, { recipes, log });
    clock.set(AT + 60_000);
    await sound.sweepNow();
    const after = await jobKeys();
    expect([after.includes(`plan:${late}:loop.overdue`), after.includes('digest:#cx:2026-03-02')]).toEqual([true, true]);
    expect(after.filter((k) => k.startsWith('digest:') || k.endsWith(':loop.overdue'))).toHaveLength(2);
    clock.set(AT + HOUR);
    await sound.sweepNow();
    expect((await responseRow('old'))!.scrubbed_at).toBe(new Date(broken === 'retention' ? AT + HOUR : AT).toISOString());
    expect(errors).toHaveLength(1);
  });
});
