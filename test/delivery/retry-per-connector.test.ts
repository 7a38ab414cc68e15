import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordingServer } from '../support/http-recorder.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

/**
 * Each connector's retry patience, end to end through the real SDKs: a Slack alert gives up
 * within hours while the detractor's Zendesk ticket keeps trying; a job past its max age
 * dead-letters saying so; a permanent answer is recorded with the vendor's reason and no secret.
 */
const ZD = 'https://zendesk-retry.test';
const SLACK = 'https://slack-retry.test/api';
const ZD_TOKEN = 'zd-token-7f3a91';
const SLACK_TOKEN = 'xoxb-1111-2222-retrytest';
const ENV = { ZENDESK_EMAIL: 'agent@example.com', ZENDESK_API_TOKEN: ZD_TOKEN, ZENDESK_BASE_URL: ZD, SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_API_URL: `${SLACK}/` };
const T0 = new Date('2026-03-02T10:00:00.000Z');

const zendeskDown = [
  http.get(`${ZD}/api/v2/tickets.json`, () => HttpResponse.json({ error: 'Unavailable' }, { status: 503 })),
  http.post(`${ZD}/api/v2/tickets.json`, () => HttpResponse.json({ error: 'Unavailable' }, { status: 503 })),
];
const slackDown = (retryAfter?: string) => http.post(`${SLACK}/*`, () => new HttpResponse('upstream down', { status: 503, headers: retryAfter ? { 'retry-after': retryAfter } : {} }));

const api = recordingServer();
beforeAll(() => api.listen());
afterEach(() => api.reset());
afterAll(() => api.close());

let hub: ReturnType<typeof makeTestHub> | undefined;
afterEach(async () => {
  await hub?.cleanup();
  hub = undefined;
});

function start(random: () => number) {
  const clock = { now: T0 };
  hub = makeTestHub({ env: ENV, now: () => clock.now, random });
  const h = hub;
  return {
    hub: h,
    clock,
    async detractor(id: string) {
      const res = await postWebhook(h, 'generic', { response_id: id, score: 2, comment: 'Exports keep failing', email: 'ana@example.com', name: 'Ana Lima' });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    },
    /** Move the clock in steps, running what became due at each. */
    async advance(totalMs: number, stepMs: number) {
      for (let t = 0; t < totalMs; t += stepMs) {
        clock.now = new Date(clock.now.getTime() + stepMs);
        await h.loop.drain();
      }
    },
    async jobs(responseId: string) {
      const jobs = await h.store.listJobs({ responseId, limit: 10 });
      const by = (action: string) => jobs.find((j) => j.action === action && (action !== 'slack.postMessage' || j.key.endsWith(':alert')))!;
      return { ticket: by('zendesk.createTicket'), alert: by('slack.postMessage') };
    },
  };
}

describe('retry patience per connector', () => {
  it('both vendors down for 3 hours: the Slack alert keeps trying until it is 2 h old, then gives up; the Zendesk ticket is still waiting its turn', async () => {
    api.server.use(...zendeskDown, slackDown());
    const t = start(() => 0.5);
    const id = await t.detractor('r-outage');
    await t.hub.loop.drain();
    await t.advance(3 * 3_600_000, 60_000);

    const { ticket, alert } = await t.jobs(id);
    expect(alert.status).toBe('dead');
    expect(alert.maxAttempts).toBe(100);
    expect(alert.lastError).toBe(`Slack answered HTTP 503 (gave up after ${alert.attempts} vendor failures: the job is 2 h old (max age 2 h))`);
    // Age decided, not a count of attempts: its last attempt was made at its max age.
    const alertAttempts = await t.hub.store.listAttempts(alert.id);
    expect(alertAttempts.at(-1)!.startedAt).toBe('2026-03-02T12:00:00.000Z');

    expect(ticket.status).toBe('queued');
    expect(ticket.maxAttempts).toBe(100);
    expect(Date.parse(ticket.runAt)).toBeGreaterThan(t.clock.now.getTime());
    // Every attempt is on record with the remote status.
    const attempts = await t.hub.store.listAttempts(ticket.id);
    expect(attempts.length).toBe(ticket.attempts);
    expect(new Set(attempts.map((a) => [a.outcome, a.remoteStatus, a.error].join(' ')))).toEqual(new Set(['retry 503 Zendesk answered HTTP 503: Unavailable']));
    // With the jitter at half the ceiling the waits are exactly half of 5 s, 10 s, … capped at 30 min.
    const gaps = attempts.slice(1).map((a, i) => Date.parse(a.startedAt) - Date.parse(attempts[i]!.startedAt));
    expect(gaps.slice(0, 9)).toEqual([2_500, 5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000].map((ms) => Math.ceil(ms / 60_000) * 60_000));

    // Zendesk comes back: the ticket is created once.
    api.server.resetHandlers();
    const before = api.requests.length;
    api.server.use(
      http.get(`${ZD}/api/v2/tickets.json`, () => HttpResponse.json({ tickets: [], meta: { has_more: false }, links: { next: null, prev: null } })),
      http.post(`${ZD}/api/v2/tickets.json`, () => HttpResponse.json({ ticket: { id: 9001, external_id: ticket.key } }, { status: 201, headers: { location: `${ZD}/api/v2/tickets/9001.json` } }), { once: true }),
      http.post(`${ZD}/api/v2/tickets.json`, () => HttpResponse.json({ error: 'second create' }, { status: 500 })),
    );
    await t.advance(40 * 60_000, 60_000);
    const after = (await t.hub.store.getJob(ticket.id))!;
    expect(after.status).toBe('succeeded');
    expect((after.result as { ticketId: number }).ticketId).toBe(9001);
    const recovered = api.requests.slice(before).filter((r) => r.url.hostname === 'zendesk-retry.test');
    expect(recovered.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual([
      `GET /api/v2/tickets.json?external_id=${encodeURIComponent(ticket.key)}&page%5Bsize%5D=100`,
      'POST /api/v2/tickets.json',
    ]);
    expect((recovered[1]!.body as { ticket: { external_id: string } }).ticket.external_id).toBe(ticket.key);
  });

  it("a job past its max age dead-letters with the ages in words, even with attempts left (Retry-After: 1 h)", async () => {
    api.server.use(...zendeskDown, slackDown('3600'));
    const t = start(() => 0);
    const id = await t.detractor('r-too-old');
    await t.hub.loop.drain();
    await t.advance(3 * 3_600_000, 5 * 60_000);
    const { alert } = await t.jobs(id);
    // Attempts at 0, 1 h (Retry-After), 2 h (Retry-After, pulled in to the max age): then it is 2 h old.
    expect(alert.status).toBe('dead');
    expect(alert.attempts).toBe(3);
    expect(alert.lastError).toBe('Slack answered HTTP 503 (gave up after 3 vendor failures: the job is 2 h old (max age 2 h))');
    const attempts = await t.hub.store.listAttempts(alert.id);
    expect(attempts.map((a) => [a.startedAt, a.outcome])).toEqual([
      ['2026-03-02T10:00:00.000Z', 'retry'],
      ['2026-03-02T11:00:00.000Z', 'retry'],
      ['2026-03-02T12:00:00.000Z', 'dead'],
    ]);
  });

  it('a replayed job gets a fresh time budget as well as fresh attempts', async () => {
    api.server.use(...zendeskDown, slackDown('3600'));
    const t = start(() => 0);
    const id = await t.detractor('r-replayed');
    await t.hub.loop.drain();
    await t.advance(3 * 3_600_000, 5 * 60_000);
    let { alert } = await t.jobs(id);
    expect(alert.status).toBe('dead');
    expect(await t.hub.store.replayJobs([alert.id], t.clock.now.toISOString())).toBe(1);
    await t.hub.loop.drain();
    alert = (await t.hub.store.getJob(alert.id))!;
    expect(alert.replayedAt).toBe(t.clock.now.toISOString());
    // Still failing, but it is young again: retried in an hour, not dead.
    expect(alert.status).toBe('queued');
    expect(alert.runAt).toBe(new Date(t.clock.now.getTime() + 3_600_000).toISOString());
  });
});

describe('failures recorded with the vendor answer, secrets redacted', () => {
  it("a 401 whose body echoes the token dead-letters at once; the vendor's words are kept, the token is nowhere in the database", async () => {
    api.server.use(
      http.get(`${ZD}/api/v2/tickets.json`, () =>
        HttpResponse.json({ error: "Couldn't authenticate you", description: `Token ${ZD_TOKEN} is not valid (Authorization: Basic ${Buffer.from(`agent@example.com/token:${ZD_TOKEN}`).toString('base64')})` }, { status: 401 }),
      ),
      http.post(`${SLACK}/chat.postMessage`, () => HttpResponse.json({ ok: false, error: 'invalid_auth', warning: `token ${SLACK_TOKEN}` })),
    );
    const t = start(() => 0.5);
    const id = await t.detractor('r-401');
    await t.hub.loop.drain();
    const { ticket, alert } = await t.jobs(id);
    expect(ticket.status).toBe('dead');
    expect(ticket.attempts).toBe(1);
    expect(ticket.lastError).toBe(
      "Zendesk refused the credentials (HTTP 401): check ZENDESK_EMAIL and ZENDESK_API_TOKEN (an agent's email and an active API token): Couldn't authenticate you — Token [redacted] is not valid (Authorization: Basic [redacted])",
    );
    expect((await t.hub.store.listAttempts(ticket.id)).map((a) => [a.outcome, a.remoteStatus])).toEqual([['dead', 401]]);
    expect(alert.status).toBe('dead');
    expect(alert.lastError).toBe('Slack refused the token (invalid_auth): check SLACK_BOT_TOKEN and its scopes (chat:write)');

    // The auth header that left carried the token; nothing stored does.
    expect(api.requests.find((r) => r.url.hostname === 'zendesk-retry.test')!.headers.get('authorization')).toBe(`Basic ${Buffer.from(`agent@example.com/token:${ZD_TOKEN}`).toString('base64')}`);
    const db = t.hub.store.db;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['responses', 'jobs', 'job_attempts', 'recipe_runs', 'enrichment_cache', 'response_versions']));
    const everything = JSON.stringify(tables.map((name) => db.prepare(`SELECT * FROM "${name}"`).all()));
    expect(everything).not.toContain(ZD_TOKEN);
    expect(everything).not.toContain(SLACK_TOKEN);
    expect(everything).not.toContain(Buffer.from(`agent@example.com/token:${ZD_TOKEN}`).toString('base64'));
  });
});

