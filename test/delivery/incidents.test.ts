import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { IncidentTracker, type AttemptSignal, type IncidentNotice } from '../../src/jobs/incidents.js';
import { recordingServer } from '../support/http-recorder.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

/**
 * Operator alerts: once when a connector starts failing or a job dead-letters, once when it
 * recovers — never once per job. The incident logic is a pure unit driven by a clock here; then
 * the hub end to end, with the alert posted to CLOSELOOP_ALERT_CHANNEL through the Slack connector.
 */
const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

function feed(tracker: IncidentTracker, connector: string, signals: AttemptSignal[], startSecond = 0, everySeconds = 10) {
  const notices: IncidentNotice[] = [];
  signals.forEach((s, i) => {
    const n = tracker.record(connector, s, at(startSecond + i * everySeconds), s === 'succeeded' ? null : `failure ${i}`);
    if (n) notices.push(n);
  });
  return notices;
}

describe('incident tracker (pure, clock-driven)', () => {
  it('opens after 5 failures in a row, counts the rest silently, and closes after 3 successes in a row', () => {
    const tracker = new IncidentTracker();
    const notices = feed(tracker, 'zendesk', ['retry', 'retry', 'retry', 'retry', 'retry', 'retry', 'retry', 'dead', 'retry', 'succeeded', 'succeeded', 'retry', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(notices).toEqual([
      {
        kind: 'opened',
        incident: { connector: 'zendesk', openedAt: at(40).toISOString(), reason: '5 attempts in a row failed', failures: 1, deadLettered: 0, lastError: 'failure 4' },
      },
      {
        kind: 'recovered',
        incident: { connector: 'zendesk', openedAt: at(40).toISOString(), reason: '5 attempts in a row failed', failures: 6, deadLettered: 1, lastError: 'failure 11', recoveredAt: at(140).toISOString() },
      },
    ]);
    expect(tracker.openIncidents()).toEqual([]);
  });

  it('four failures in a row, then a success: no incident', () => {
    const tracker = new IncidentTracker();
    expect(feed(tracker, 'slack', ['retry', 'retry', 'retry', 'retry', 'succeeded', 'retry', 'retry', 'retry', 'retry', 'succeeded'])).toEqual([]);
  });

  it('a dead-lettered job opens an incident at once (a 401 or 422 fails once per job)', () => {
    const tracker = new IncidentTracker();
    const [opened, ...rest] = feed(tracker, 'zendesk', ['succeeded', 'dead', 'dead', 'dead']);
    expect(opened).toMatchObject({ kind: 'opened', incident: { reason: 'a job was dead-lettered', deadLettered: 1 } });
    expect(rest).toEqual([]);
    expect(tracker.openIncidents()).toMatchObject([{ connector: 'zendesk', deadLettered: 3, failures: 3 }]);
  });

  it('a failure rate of half or more over 5 minutes opens one even without 5 in a row', () => {
    const tracker = new IncidentTracker();
    // fail, fail, ok, repeated: never 5 in a row, two thirds failing.
    const pattern: AttemptSignal[] = Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? 'succeeded' : 'retry'));
    const notices = feed(tracker, 'intercom', pattern, 0, 5);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.incident.reason).toBe('14 of the last 20 attempts failed (within 5 min)');
    expect(notices[0]!.incident.openedAt).toBe(at(95).toISOString());
  });

  it('the window forgets old attempts: the same failures spread over an hour open nothing', () => {
    const tracker = new IncidentTracker();
    const pattern: AttemptSignal[] = Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? 'succeeded' : 'retry'));
    expect(feed(tracker, 'intercom', pattern, 0, 120)).toEqual([]);
  });

  it('connectors are tracked apart, and a new incident after recovery is announced again', () => {
    const tracker = new IncidentTracker();
    expect(feed(tracker, 'slack', ['dead'], 0)).toHaveLength(1);
    expect(feed(tracker, 'zendesk', ['succeeded', 'succeeded', 'succeeded'], 10)).toEqual([]);
    expect(feed(tracker, 'slack', ['succeeded', 'succeeded', 'succeeded'], 50).map((n) => n.kind)).toEqual(['recovered']);
    expect(feed(tracker, 'slack', ['dead'], 200).map((n) => [n.kind, n.incident.openedAt])).toEqual([['opened', at(200).toISOString()]]);
  });

  it('a tracker restored from a snapshot carries on where the saved one was (the Workers IncidentsObject keeps it in storage)', () => {
    const signals: AttemptSignal[] = ['retry', 'retry', 'retry', 'retry', 'retry', 'retry', 'succeeded', 'succeeded', 'succeeded'];
    const whole = feed(new IncidentTracker(), 'zendesk', signals);
    const first = new IncidentTracker();
    const before = feed(first, 'zendesk', signals.slice(0, 3));
    // Through JSON, as storage would keep it; the saved tracker is not changed by the restored one.
    const restored = new IncidentTracker(undefined, JSON.parse(JSON.stringify(first.snapshot())));
    const after = feed(restored, 'zendesk', signals.slice(3), 30);
    const facts = (notices: IncidentNotice[]) => notices.map(({ kind, incident: { lastError: _, ...incident } }) => ({ kind, incident }));
    expect(facts([...before, ...after])).toEqual(facts(whole));
    expect(whole.map((n) => n.kind)).toEqual(['opened', 'recovered']);
    expect(feed(first, 'zendesk', ['retry'], 30)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
const ZD = 'https://zendesk-incidents.test';
const SLACK = 'https://slack-incidents.test/api';
const ENV = {
  ZENDESK_EMAIL: 'agent@example.com',
  ZENDESK_API_TOKEN: 'zd-incidents-1',
  ZENDESK_BASE_URL: ZD,
  SLACK_BOT_TOKEN: 'xoxb-incidents',
  SLACK_API_URL: `${SLACK}/`,
  CLOSELOOP_ALERT_CHANNEL: '#closeloop-ops',
};

let zendeskUp = false;
let nextTicket = 7001;
let nextTs = 1;
const api = recordingServer(
  http.get(`${ZD}/api/v2/tickets.json`, () =>
    zendeskUp ? HttpResponse.json({ tickets: [], meta: { has_more: false }, links: { next: null, prev: null } }) : HttpResponse.json({ error: 'Unavailable', description: 'Maintenance' }, { status: 503 }),
  ),
  http.post(`${ZD}/api/v2/tickets.json`, () => HttpResponse.json({ ticket: { id: nextTicket++ } }, { status: 201 })),
  http.post(`${SLACK}/chat.postMessage`, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    return HttpResponse.json({ ok: true, channel: form.get('channel'), ts: `1772445600.${String(nextTs++).padStart(6, '0')}` });
  }),
);
beforeAll(() => api.listen());
afterAll(() => api.close());

/** A logger that keeps every line. */
function recordingLogger() {
  const lines: { level: string; msg?: string; obj: object }[] = [];
  const make = (): Logger => ({
    debug: (obj, msg) => lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
    child: () => make(),
  });
  return { log: make(), lines };
}

let hub: ReturnType<typeof makeTestHub> | undefined;
afterEach(async () => {
  await hub?.cleanup();
  hub = undefined;
  api.reset();
});

describe('operator alerts end to end', () => {
  it('Zendesk down for 20 tickets: one error line and one Slack alert; back up: one recovery line and one Slack message', async () => {
    zendeskUp = false;
    const clock = { now: new Date(T0) };
    const { log, lines } = recordingLogger();
    hub = makeTestHub({ env: ENV, log, now: () => clock.now, random: () => 0.5, recipes: undefined });
    for (let i = 0; i < 20; i++) {
      const res = await postWebhook(hub, 'generic', { response_id: `d-${i}`, score: 1, email: `p${i}@example.com`, name: `P ${i}` });
      expect(res.status).toBe(202);
    }
    // Each ticket fails a few times over 10 minutes.
    for (let m = 0; m <= 10; m++) {
      clock.now = new Date(T0 + m * 60_000);
      await hub.loop.drain();
    }
    const ticketAttempts = (hub.store.db.prepare(`SELECT COUNT(*) AS n FROM job_attempts a JOIN jobs j ON j.id = a.job_id WHERE j.action = 'zendesk.createTicket'`).get() as { n: number }).n;
    expect(ticketAttempts).toBeGreaterThan(60);

    const incidentLines = () => lines.filter((l) => l.level === 'error' && (l.obj as { incident?: unknown }).incident);
    expect(incidentLines().map((l) => l.msg)).toEqual(['Zendesk is failing: 5 attempts in a row failed (Zendesk answered HTTP 503: Unavailable — Maintenance)']);
    const alerts = () => api.requests.filter((r) => r.url.pathname.endsWith('/chat.postMessage') && (r.body as { channel: string }).channel === '#closeloop-ops');
    expect(alerts()).toHaveLength(1);
    const opened = alerts()[0]!;
    expect(opened.headers.get('authorization')).toBe('Bearer xoxb-incidents');
    expect((opened.body as { text: string }).text).toBe('closeloop: Zendesk is failing — 5 attempts in a row failed');
    const blocks = JSON.parse((opened.body as { blocks: string }).blocks) as { type: string; fields?: { text: string }[] }[];
    expect(blocks[1]!.fields!.map((f) => f.text)).toEqual([`Since\n${new Date(T0).toISOString()}`, 'Dead-lettered jobs\n0', 'Last error\nZendesk answered HTTP 503: Unavailable — Maintenance']);
    // The detractors' own Slack alerts went to #cx-alerts meanwhile: Slack works.
    expect(api.requests.filter((r) => (r.body as { channel?: string }).channel === '#cx-alerts')).toHaveLength(20);

    // Zendesk is back.
    zendeskUp = true;
    for (let m = 11; m <= 40; m++) {
      clock.now = new Date(T0 + m * 60_000);
      await hub.loop.drain();
    }
    const tickets = await hub.store.listJobs({ action: 'zendesk.createTicket', limit: 100 });
    expect(tickets.map((j) => j.status)).toEqual(Array(20).fill('succeeded'));
    expect(incidentLines().map((l) => l.msg)).toEqual([
      'Zendesk is failing: 5 attempts in a row failed (Zendesk answered HTTP 503: Unavailable — Maintenance)',
      expect.stringMatching(/^Zendesk recovered after \d+ min: \d+ failed attempts, 0 dead-lettered job\(s\)$/),
    ]);
    expect(alerts()).toHaveLength(2);
    expect((alerts()[1]!.body as { text: string }).text).toMatch(/^closeloop: Zendesk recovered after \d+ min$/);
    // The alerts are ordinary durable jobs, keyed by incident: a second announcement cannot be planned.
    const alertJobs = (await hub.store.listJobs({ action: 'slack.postMessage', limit: 100 })).filter((j) => j.key.startsWith('alert:'));
    expect(alertJobs.map((j) => [j.key, j.status]).sort()).toEqual([
      [`alert:zendesk:${new Date(T0).toISOString()}:opened`, 'succeeded'],
      [`alert:zendesk:${new Date(T0).toISOString()}:recovered`, 'succeeded'],
    ]);
  });

  it('without CLOSELOOP_ALERT_CHANNEL, incidents are logged only; a dead-letter is announced once for many jobs', async () => {
    const clock = { now: new Date(T0) };
    const { log, lines } = recordingLogger();
    api.server.use(http.get(`${ZD}/api/v2/tickets.json`, () => HttpResponse.json({ error: "Couldn't authenticate you" }, { status: 401 })));
    hub = makeTestHub({ env: { ...ENV, CLOSELOOP_ALERT_CHANNEL: '' }, log, now: () => clock.now });
    for (let i = 0; i < 5; i++) await postWebhook(hub, 'generic', { response_id: `u-${i}`, score: 0, email: `u${i}@example.com` });
    await hub.loop.drain();
    const dead = await hub.store.listJobs({ status: 'dead', limit: 10 });
    expect(dead).toHaveLength(5);
    const incidentLines = lines.filter((l) => (l.obj as { incident?: unknown }).incident);
    expect(incidentLines.map((l) => [l.level, l.msg])).toEqual([
      ['error', expect.stringMatching(/^Zendesk is failing: a job was dead-lettered \(Zendesk refused the credentials \(HTTP 401\)/)],
    ]);
    expect(api.requests.filter((r) => (r.body as { channel?: string }).channel === '#closeloop-ops')).toHaveLength(0);
    // /healthz shows the open incident.
    const health = (await (await hub.app.request('/healthz')).json()) as { incidents: unknown[] };
    expect(health.incidents).toEqual([{ connector: 'zendesk', since: new Date(T0).toISOString(), reason: 'a job was dead-lettered', failures: 5, deadLettered: 5 }]);
  });
});
