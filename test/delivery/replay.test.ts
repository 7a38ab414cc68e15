import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import type { Job } from '../../src/core/job.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { recordingServer } from '../support/http-recorder.js';
import { adminRequest, makeTestHub, postWebhook } from '../support/hub.js';

/**
 * Permanent errors (401, 422) dead-letter at once with a readable reason; once the cause is
 * fixed, a replay (API by id, API by filter, CLI) delivers exactly once and keeps the history.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const ZENDESK = 'https://zendesk-replay.test';
const SLACK = 'https://slack-replay.test/api';
const GOOD = { ZENDESK_EMAIL: 'agent@example.com', ZENDESK_API_TOKEN: 'zd-good-token', ZENDESK_BASE_URL: ZENDESK, SLACK_BOT_TOKEN: 'xoxb-good', SLACK_API_URL: `${SLACK}/` };
const basic = (token: string) => `Basic ${Buffer.from(`agent@example.com/token:${token}`).toString('base64')}`;

/** A Zendesk that checks the credentials and can refuse tickets (422); a Slack that checks the token. */
let tickets: { id: number; external_id: string }[] = [];
let rejectTickets = false;
let slackMessages: { channel: string; key: string | undefined }[] = [];
const api = recordingServer(
  http.get(`${ZENDESK}/api/v2/tickets.json`, ({ request }) => {
    if (request.headers.get('authorization') !== basic('zd-good-token')) return HttpResponse.json({ error: "Couldn't authenticate you" }, { status: 401 });
    const externalId = new URL(request.url).searchParams.get('external_id');
    return HttpResponse.json({ tickets: tickets.filter((t) => t.external_id === externalId), meta: { has_more: false }, links: { next: null, prev: null } });
  }),
  http.post(`${ZENDESK}/api/v2/tickets.json`, async ({ request }) => {
    if (request.headers.get('authorization') !== basic('zd-good-token')) return HttpResponse.json({ error: "Couldn't authenticate you" }, { status: 401 });
    if (rejectTickets) {
      return HttpResponse.json({ error: 'RecordInvalid', description: 'Record validation errors', details: { requester: [{ description: 'Requester: Email is suspended' }] } }, { status: 422 });
    }
    const { ticket } = (await request.json()) as { ticket: { external_id: string } };
    const created = { id: 7001 + tickets.length, external_id: ticket.external_id };
    tickets.push(created);
    return HttpResponse.json({ ticket: created }, { status: 201 });
  }),
  // A replayed Slack job first looks for its message in the channel's history (by the job key in the metadata).
  http.post(`${SLACK}/conversations.list`, () => HttpResponse.json({ ok: true, channels: [{ id: 'C0ALERTS01', name: 'cx-alerts' }], response_metadata: { next_cursor: '' } })),
  http.post(`${SLACK}/conversations.history`, () =>
    HttpResponse.json({
      ok: true,
      messages: slackMessages.map((m, i) => ({ type: 'message', ts: `1772442000.${String(i + 1).padStart(6, '0')}`, metadata: { event_type: 'closeloop_job', event_payload: { key: m.key } } })).reverse(),
      has_more: false,
      response_metadata: { next_cursor: '' },
    }),
  ),
  http.post(`${SLACK}/chat.postMessage`, async ({ request }) => {
    if (request.headers.get('authorization') !== 'Bearer xoxb-good') return HttpResponse.json({ ok: false, error: 'invalid_auth' });
    const form = new URLSearchParams(await request.text());
    const metadata = JSON.parse(form.get('metadata') ?? '{}') as { event_payload?: { key?: string } };
    slackMessages.push({ channel: form.get('channel')!, key: metadata.event_payload?.key });
    return HttpResponse.json({ ok: true, channel: 'C0ALERTS01', ts: `1772442000.${String(slackMessages.length).padStart(6, '0')}` });
  }),
);
beforeAll(() => api.listen());
afterAll(() => api.close());

const RECIPE = [
  'name: detractor-desk',
  'when: response.score <= 6',
  'actions:',
  '  - id: ticket',
  '    action: zendesk.createTicket',
  '    params: { requesterEmail: "{{ response.respondent.email }}", subject: "NPS {{ response.score }}", body: "{{ response.comment }}" }',
  '  - id: alert',
  '    action: slack.postMessage',
  '    params: { channel: "#cx-alerts", text: "Detractor {{ response.respondent.email }}" }',
].join('\n');
const recipes = parseRecipes([{ file: 'detractor-desk.yaml', text: RECIPE }], new Set(actionRegistry().keys()));

let dir: string;
let hubs: ReturnType<typeof makeTestHub>[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'closeloop-replay-'));
  tickets = [];
  rejectTickets = false;
  slackMessages = [];
  api.requests.length = 0;
});
afterEach(async () => {
  for (const h of hubs) await h.cleanup();
  hubs = [];
  rmSync(dir, { recursive: true, force: true });
});

/** A hub on this test's database file (a restart after fixing the environment is a second call). */
function hubWith(env: Record<string, string>) {
  const hub = makeTestHub({ env: { ...env, CLOSELOOP_DB: join(dir, 'hub.db') }, recipes });
  hubs.push(hub);
  return hub;
}

async function detractors(hub: ReturnType<typeof makeTestHub>, n: number, from = 0) {
  for (let i = from; i < from + n; i++) {
    const res = await postWebhook(hub, 'generic', { response_id: `d-${i}`, score: 2, comment: `Slow ${i}`, email: `d${i}@example.com` });
    expect(res.status).toBe(202);
  }
  await hub.loop.drain();
}

const actionJobs = async (hub: ReturnType<typeof makeTestHub>) => (await hub.store.listJobs({ limit: 1000 })).filter((j) => j.type === 'action');
const byAction = (jobs: Job[], action: string) => jobs.filter((j) => j.action === action);

async function closeloop(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/closeloop.js', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', CLOSELOOP_DB: join(dir, 'hub.db') },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('permanent errors dead-letter at once; replay after the fix delivers once', () => {
  it('401 names the credential; after the token is fixed, POST /api/jobs/:id/replay delivers once and keeps the history', async () => {
    const broken = hubWith({ ...GOOD, ZENDESK_API_TOKEN: 'zd-revoked-token', SLACK_BOT_TOKEN: 'xoxb-revoked' });
    await detractors(broken, 1);
    const [ticketJob] = byAction(await actionJobs(broken), 'zendesk.createTicket');
    const [alertJob] = byAction(await actionJobs(broken), 'slack.postMessage');
    expect([ticketJob!.status, ticketJob!.attempts]).toEqual(['dead', 1]);
    expect(ticketJob!.lastError).toMatch(/^Zendesk refused the credentials \(HTTP 401\): check ZENDESK_EMAIL and ZENDESK_API_TOKEN/);
    expect([alertJob!.status, alertJob!.attempts, alertJob!.lastError]).toEqual(['dead', 1, 'Slack refused the token (invalid_auth): check SLACK_BOT_TOKEN and its scopes (chat:write)']);
    // One lookup with the revoked token, nothing created; one refused Slack post.
    expect(api.requests.map((r) => `${r.method} ${r.url.pathname} ${r.headers.get('authorization')}`).sort()).toEqual([
      `GET /api/v2/tickets.json ${basic('zd-revoked-token')}`,
      'POST /api/chat.postMessage Bearer xoxb-revoked',
    ]);
    await broken.close();

    // The operator sets the right tokens and restarts, then replays both jobs by id.
    const fixed = hubWith(GOOD);
    api.requests.length = 0;
    for (const job of [ticketJob!, alertJob!]) {
      const res = await adminRequest(fixed, `/api/jobs/${job.id}/replay`, { method: 'POST' });
      expect([res.status, await res.json()]).toEqual([200, { replayed: 1 }]);
    }
    await fixed.loop.drain();

    const ticket = (await fixed.store.getJob(ticketJob!.id))!;
    expect([ticket.status, ticket.attempts, ticket.lastError, ticket.result]).toEqual(['succeeded', 1, null, { remoteId: '7001', ticketId: 7001, existing: false }]);
    expect(tickets).toEqual([{ id: 7001, external_id: ticketJob!.key }]);
    expect(slackMessages).toEqual([{ channel: '#cx-alerts', key: alertJob!.key }]);
    expect(api.requests.filter((r) => r.url.host === 'slack-replay.test').map((r) => `${r.url.pathname} ${r.headers.get('authorization')}`)).toEqual([
      '/api/conversations.list Bearer xoxb-good',
      '/api/conversations.history Bearer xoxb-good',
      '/api/chat.postMessage Bearer xoxb-good',
    ]);
    const created = api.requests.find((r) => r.method === 'POST' && r.url.pathname === '/api/v2/tickets.json')!;
    expect(created.headers.get('authorization')).toBe(basic('zd-good-token'));
    expect((created.body as { ticket: { external_id: string; subject: string } }).ticket).toMatchObject({ external_id: ticketJob!.key, subject: 'NPS 2' });
    // The history keeps the dead attempt; the replay's attempt is numbered after it.
    expect((await fixed.store.listAttempts(ticketJob!.id)).map((a) => [a.attempt, a.outcome, a.remoteStatus])).toEqual([
      [1, 'dead', 401],
      [2, 'succeeded', null],
    ]);

    // Replaying again is refused (the job is not dead), and nothing is sent twice.
    const again = await adminRequest(fixed, `/api/jobs/${ticketJob!.id}/replay`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(tickets.length).toBe(1);
  });

  it("422 carries Zendesk's reason; after the cause is fixed, POST /api/jobs/replay by action delivers each once", async () => {
    rejectTickets = true;
    const hub = hubWith(GOOD);
    await detractors(hub, 3);
    const dead = byAction(await actionJobs(hub), 'zendesk.createTicket');
    expect(dead.map((j) => [j.status, j.attempts, j.lastError])).toEqual(
      dead.map(() => ['dead', 1, 'Zendesk answered HTTP 422: RecordInvalid — Record validation errors — requester: Requester: Email is suspended']),
    );
    expect(byAction(await actionJobs(hub), 'slack.postMessage').map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

    // `jobs --status dead` lists them with the reason.
    const listed = await closeloop(['jobs', '--status', 'dead']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines.length).toBe(4);
    for (const job of dead) {
      const line = lines.find((l) => l.startsWith(job.id))!;
      expect(line).toContain('zendesk.createTicket');
      expect(line).toContain(`dead since ${job.updatedAt}: Zendesk answered HTTP 422: RecordInvalid`);
    }
    expect(lines[3]).toBe('3 job(s)');

    rejectTickets = false; // the Zendesk admin un-suspended the requesters
    const wrongConnector = await adminRequest(hub, '/api/jobs/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'dead', connector: 'slack' }) });
    expect(await wrongConnector.json()).toEqual({ replayed: 0 });
    const res = await adminRequest(hub, '/api/jobs/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'dead', action: 'zendesk.createTicket', since: '1h' }),
    });
    expect([res.status, await res.json()]).toEqual([200, { replayed: 3 }]);
    await hub.loop.drain();

    const after = byAction(await actionJobs(hub), 'zendesk.createTicket');
    expect(after.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(tickets.map((t) => t.external_id).sort()).toEqual(dead.map((j) => j.key).sort());
  });

  it('a job that gave up after the vendor had already acted is replayed without a second ticket', async () => {
    // Zendesk creates the ticket but the answer is a 502 — on every attempt.
    api.server.use(
      http.post(`${ZENDESK}/api/v2/tickets.json`, async ({ request }) => {
        const { ticket } = (await request.json()) as { ticket: { external_id: string } };
        if (!tickets.some((t) => t.external_id === ticket.external_id)) tickets.push({ id: 9001, external_id: ticket.external_id });
        return HttpResponse.json({ error: 'Bad gateway' }, { status: 502 });
      }),
      http.get(`${ZENDESK}/api/v2/tickets.json`, () => HttpResponse.json({ tickets: [], meta: { has_more: false }, links: { next: null, prev: null } })),
    );
    const hub = hubWith({ ...GOOD, CLOSELOOP_MAX_ATTEMPTS: '1' });
    await detractors(hub, 1);
    const [job] = byAction(await actionJobs(hub), 'zendesk.createTicket');
    expect([job!.status, job!.lastError]).toEqual(['dead', 'Zendesk answered HTTP 502: Bad gateway (gave up after 1 vendor failure)']);
    expect(tickets.length).toBe(1);

    api.server.resetHandlers(); // Zendesk is healthy again; its lookup now sees the ticket
    api.requests.length = 0;
    const res = await adminRequest(hub, `/api/jobs/${job!.id}/replay`, { method: 'POST' });
    expect(res.status).toBe(200);
    await hub.loop.drain();
    const replayed = (await hub.store.getJob(job!.id))!;
    expect([replayed.status, replayed.result]).toEqual(['succeeded', { remoteId: '9001', ticketId: 9001, existing: true }]);
    expect(api.requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual([
      `GET /api/v2/tickets.json?external_id=${encodeURIComponent(job!.key)}&page%5Bsize%5D=100`,
    ]);
    expect(tickets.length).toBe(1);
  });

  it('closeloop replay --dead --connector zendesk --since 2h: replays only those that died in the last 2 h, with a progress line per 100', async () => {
    const broken = hubWith({ ...GOOD, ZENDESK_API_TOKEN: 'zd-revoked-token' });
    await detractors(broken, 125);
    const dead = byAction(await actionJobs(broken), 'zendesk.createTicket').filter((j) => j.status === 'dead');
    expect(dead.length).toBe(125);
    expect(byAction(await actionJobs(broken), 'slack.postMessage').every((j) => j.status === 'succeeded')).toBe(true);
    // Five of them died three hours ago: --since 2h must leave them dead.
    const old = dead.slice(0, 5).map((j) => j.id);
    const threeHoursAgo = new Date(Date.now() - 3 * 3600_000).toISOString();
    for (const id of old) broken.store.db.prepare('UPDATE jobs SET updated_at = ? WHERE id = ?').run(threeHoursAgo, id);
    await broken.close();

    const bad = await closeloop(['replay', '--dead', '--since', 'yesterday']);
    expect([bad.code, bad.stdout]).toEqual([1, '']);
    expect(bad.stderr).toBe('Invalid replay filter:\n  --since: must be an ISO 8601 time (2026-03-02T10:00:00Z) or a duration back from now (90m, 2h, 3d, 1w)\n');
    const neither = await closeloop(['replay']);
    expect([neither.code, neither.stderr]).toEqual([1, 'Give the ids of dead jobs, or --dead to replay every dead job (narrow with --connector, --action, --since)\n']);

    const out = await closeloop(['replay', '--dead', '--connector', 'zendesk', '--since', '2h']);
    expect([out.code, out.stderr]).toEqual([0, '']);
    expect(out.stdout).toBe('… 100/120\n… 120/120\nreplayed 120 job(s)\n');

    const fixed = hubWith(GOOD);
    await fixed.loop.drain();
    const jobs = byAction(await actionJobs(fixed), 'zendesk.createTicket');
    expect(jobs.filter((j) => j.status === 'dead').map((j) => j.id).sort()).toEqual([...old].sort());
    expect(jobs.filter((j) => j.status === 'succeeded').length).toBe(120);
    expect(tickets.length).toBe(120);
    expect(new Set(tickets.map((t) => t.external_id)).size).toBe(120);
    await fixed.close();

    // Without --since, the five older ones go too; then nothing is left to replay.
    expect((await closeloop(['replay', '--dead'])).stdout).toBe('replayed 5 job(s)\n');
    const none = await closeloop(['replay', '--dead']);
    expect(none.stdout).toBe('replayed 0 job(s) (no dead job matches)\n');
  });

  it('POST /api/jobs/replay of 120 dead jobs: 100 per transaction, each delivered once', async () => {
    const broken = hubWith({ ...GOOD, ZENDESK_API_TOKEN: 'zd-revoked-token' });
    await detractors(broken, 120);
    await broken.close();

    const fixed = hubWith(GOOD);
    const replayJobs = vi.spyOn(fixed.store, 'replayJobs');
    const res = await adminRequest(fixed, '/api/jobs/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'dead', connector: 'zendesk' }) });
    expect([res.status, await res.json()]).toEqual([200, { replayed: 120 }]);
    // Two transactions, so webhooks arriving meanwhile are committed between them.
    expect(replayJobs.mock.calls.map(([ids]) => ids.length)).toEqual([100, 20]);
    expect(new Set(replayJobs.mock.calls.flatMap(([ids]) => ids)).size).toBe(120);

    await fixed.loop.drain();
    expect(byAction(await actionJobs(fixed), 'zendesk.createTicket').every((j) => j.status === 'succeeded')).toBe(true);
    expect(new Set(tickets.map((t) => t.external_id)).size).toBe(120);
    expect(tickets.length).toBe(120);
  });

  it('POST /api/jobs/replay validates its body (422 naming the field)', async () => {
    const hub = hubWith(GOOD);
    const post = (body: string, type = 'application/json') => adminRequest(hub, '/api/jobs/replay', { method: 'POST', headers: { 'content-type': type }, body });
    const cases: [string, number, string][] = [
      ['{"status":"queued"}', 422, 'status'],
      ['{"status":"dead","since":"last tuesday"}', 422, 'since'],
      ['{"status":"dead","connector":"Zendesk%"}', 422, 'connector'],
      ['{"status":"dead","action":"createTicket"}', 422, 'action'],
      ['{"status":"dead","extra":1}', 422, '(root)'],
      ['{"status":', 400, '(body)'],
    ];
    for (const [body, status, field] of cases) {
      const res = await post(body);
      const json = (await res.json()) as { error: { issues: { field: string }[] } };
      expect([body, res.status, json.error.issues[0]?.field]).toEqual([body, status, field]);
    }
    const res = await post('{"status":"dead"}', 'text/plain');
    expect(res.status).toBe(415);
  });
});
