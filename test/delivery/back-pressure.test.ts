import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QueueStats } from '../../src/store/store.js';
import { recordingServer } from '../support/http-recorder.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

/**
 * Back-pressure: Zendesk is down for an hour while responses keep coming. Every webhook is
 * acknowledged (202) and stored; the ticket jobs wait with later and later run times, none is
 * dropped or dead; /healthz and /readyz show the queue growing and how old its oldest job is.
 * Then Zendesk comes back and every ticket is created exactly once.
 */
const ZD = 'https://zendesk-backpressure.test';
const ENV = { ZENDESK_EMAIL: 'agent@example.com', ZENDESK_API_TOKEN: 'zd-bp-token', ZENDESK_BASE_URL: ZD };
const T0 = Date.parse('2026-03-02T10:00:00.000Z');

let zendeskUp = false;
const tickets = new Map<string, number>();
const api = recordingServer(
  http.get(`${ZD}/api/v2/tickets.json`, ({ request }) => {
    if (!zendeskUp) return HttpResponse.json({ error: 'Unavailable' }, { status: 503, headers: { 'retry-after': '30' } });
    const externalId = new URL(request.url).searchParams.get('external_id')!;
    const found = tickets.has(externalId) ? [{ id: tickets.get(externalId), external_id: externalId }] : [];
    return HttpResponse.json({ tickets: found, meta: { has_more: false }, links: { next: null, prev: null } });
  }),
  http.post(`${ZD}/api/v2/tickets.json`, async ({ request }) => {
    if (!zendeskUp) return HttpResponse.json({ error: 'Unavailable' }, { status: 503 });
    const { ticket } = (await request.json()) as { ticket: { external_id: string } };
    const id = 10_000 + tickets.size;
    tickets.set(ticket.external_id, id);
    return HttpResponse.json({ ticket: { id, external_id: ticket.external_id } }, { status: 201 });
  }),
);
beforeAll(() => api.listen());
afterAll(() => api.close());

let hub: ReturnType<typeof makeTestHub> | undefined;
afterEach(async () => {
  await hub?.cleanup();
  hub = undefined;
});

interface Health {
  queue: QueueStats;
  incidents: { connector: string }[];
}

describe('back-pressure: a connector down for an hour', () => {
  it('ingest keeps acknowledging, jobs wait with growing run times, then everything is delivered once', { timeout: 60_000 }, async () => {
    const clock = { now: new Date(T0) };
    hub = makeTestHub({ env: ENV, now: () => clock.now, random: () => 0.5 });
    const h = hub;
    const health = async (path = '/healthz') => {
      const res = await h.app.request(path);
      expect(res.status).toBe(200);
      return (await res.json()) as Health;
    };

    // An hour of outage: 5 detractors a minute, the runner doing its rounds in between.
    let posted = 0;
    const runAtsSeen: number[] = [];
    for (let minute = 0; minute < 60; minute++) {
      clock.now = new Date(T0 + minute * 60_000);
      for (let k = 0; k < 5; k++) {
        const res = await postWebhook(h, 'generic', { response_id: `bp-${posted}`, score: posted % 7, comment: 'Slow exports', email: `bp${posted}@example.com` });
        expect(res.status).toBe(202);
        posted++;
      }
      await h.loop.drain();
      if (minute % 15 === 14) {
        const row = h.store.db.prepare(`SELECT MAX(run_at) AS latest FROM jobs WHERE action = 'zendesk.createTicket'`).get() as { latest: string };
        runAtsSeen.push(Date.parse(row.latest));
      }
    }
    expect(posted).toBe(300);
    expect((h.store.db.prepare('SELECT COUNT(*) AS n FROM responses').get() as { n: number }).n).toBe(300);

    // Nothing dropped, nothing dead: every ticket job waits for its next attempt, later and later.
    const ticketJobs = await h.store.listJobs({ action: 'zendesk.createTicket', limit: 1000 });
    expect(ticketJobs).toHaveLength(300);
    expect(new Set(ticketJobs.map((j) => j.status))).toEqual(new Set(['queued']));
    expect(runAtsSeen).toEqual([...runAtsSeen].sort((a, b) => a - b));
    expect(runAtsSeen.every((t, i) => t > T0 + (i + 1) * 15 * 60_000 - 60_000)).toBe(true);
    const oldest = [...ticketJobs].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))[0]!;
    expect(oldest.createdAt).toBe(new Date(T0).toISOString());
    expect(oldest.attempts).toBeGreaterThan(8);
    expect(Date.parse(oldest.runAt)).toBeGreaterThan(clock.now.getTime());
    // Every failed attempt honoured Retry-After: 30 s (never sooner than 30 s after the last).
    const attempts = await h.store.listAttempts(oldest.id);
    expect(attempts).toHaveLength(oldest.attempts);
    for (let i = 1; i < attempts.length; i++) expect(Date.parse(attempts[i]!.startedAt) - Date.parse(attempts[i - 1]!.startedAt)).toBeGreaterThanOrEqual(30_000);

    // The health endpoints tell the story: 300 tickets queued, the oldest an hour old, Zendesk in trouble.
    const during = await health();
    expect(during.queue.byStatus.queued).toBe(300);
    expect(during.queue.byStatus.dead).toBe(0);
    expect(during.queue.oldestPendingSeconds).toBe(59 * 60);
    expect(during.incidents.map((i) => i.connector)).toEqual(['zendesk']);
    const ready = await h.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as Health).queue.byStatus.queued).toBe(300);

    // Zendesk is back: within the next hour every ticket is created exactly once.
    zendeskUp = true;
    for (let minute = 60; minute < 120 && (await health()).queue.byStatus.queued > 0; minute++) {
      clock.now = new Date(T0 + minute * 60_000);
      await h.loop.drain();
    }
    const after = await health();
    expect(after.queue.byStatus).toMatchObject({ queued: 0, running: 0, dead: 0 });
    expect(after.queue.oldestPendingSeconds).toBeNull();
    expect(after.incidents).toEqual([]);
    const delivered = await h.store.listJobs({ action: 'zendesk.createTicket', limit: 1000 });
    expect(delivered.filter((j) => j.status !== 'succeeded')).toEqual([]);
    expect(tickets.size).toBe(300);
    const creates = api.requests.filter((r) => r.method === 'POST' && r.url.pathname === '/api/v2/tickets.json');
    const succeededCreates = delivered.map((j) => creates.filter((c) => (c.body as { ticket: { external_id: string } }).ticket.external_id === j.key).length);
    // Each key was POSTed once after the recovery (the outage's POSTs never got past the look-up).
    expect(new Set(succeededCreates)).toEqual(new Set([1]));
    for (const j of delivered) expect((j.result as { ticketId: number }).ticketId).toBe(tickets.get(j.key));
  });
});

describe('health endpoints', () => {
  it('/healthz and /readyz report jobs by status, responses not planned yet, how late the oldest due job is and how old the oldest waiting one is', async () => {
    const clock = { now: new Date(T0) };
    hub = makeTestHub({ env: {}, now: () => clock.now });
    // Two responses stored, their plan jobs not written yet (the runner's next claim writes them).
    await postWebhook(hub, 'generic', { response_id: 'h-1', score: 9, email: 'a@example.com' });
    clock.now = new Date(T0 + 90_000);
    await postWebhook(hub, 'generic', { response_id: 'h-2', score: 3, email: 'b@example.com' });
    clock.now = new Date(T0 + 120_000);
    for (const path of ['/healthz', '/readyz']) {
      const res = await hub.app.request(path);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        ...(path === '/healthz' ? { ok: true } : { ready: true }),
        queue: { byStatus: { queued: 0, running: 0, succeeded: 0, sandboxed: 0, dead: 0, cancelled: 0 }, unplanned: 2, oldestWaitingSeconds: 120, oldestPendingSeconds: 120 },
        incidents: [],
      });
    }
    // A claim of one writes and takes the older plan job; the newer response still waits unplanned.
    await hub.store.claimJobs({ now: clock.now.toISOString(), limit: 1, leaseUntil: new Date(T0 + 150_000).toISOString() });
    expect((await (await hub.app.request('/healthz')).json()).queue).toEqual({
      byStatus: { queued: 0, running: 1, succeeded: 0, sandboxed: 0, dead: 0, cancelled: 0 },
      unplanned: 1,
      oldestWaitingSeconds: 30,
      oldestPendingSeconds: 120,
    });
  });

  it('the database unusable: /readyz answers 503 with the reason, /healthz stays 200 (the process still serves)', async () => {
    hub = makeTestHub({ env: {} });
    hub.store.db.close();
    const ready = await hub.app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, error: 'database unavailable: The database connection is not open', queue: null, incidents: [] });
    const live = await hub.app.request('/healthz');
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ ok: true, queue: null, incidents: [], error: 'database unavailable: The database connection is not open' });
    hub = undefined; // closed already
  });
});
