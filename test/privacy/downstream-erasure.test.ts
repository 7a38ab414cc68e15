import { delay, http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordingServer, type RecordedRequest } from '../support/http-recorder.js';
import { expectRequestMatchesSpec, loadSpec } from '../support/openapi.js';
import { SPECS } from '../support/shared.js';
import { makeTestHub, postWebhook } from '../support/hub.js';
import { processJob, type JobDeps } from '../../src/jobs/process-job.js';

const ZD = 'https://zendesk.test';
const SLACK = 'https://slack.test/api';
const TOKEN = 'admin-token-0123456789';
const LIVE = {
  ZENDESK_EMAIL: 'agent@example.com',
  ZENDESK_API_TOKEN: 'zd-token-123',
  ZENDESK_BASE_URL: ZD,
  SLACK_BOT_TOKEN: 'xoxb-test-123',
  SLACK_API_URL: `${SLACK}/`,
  CLOSELOOP_HTTP_TIMEOUT_MS: '300',
  CLOSELOOP_ADMIN_TOKEN: TOKEN,
};
const ZD_AUTH = `Basic ${Buffer.from('agent@example.com/token:zd-token-123').toString('base64')}`;
const zendeskSpec = loadSpec(`${SPECS}/zendesk/support-oas.yaml`, {
  pathSuffix: '.json',
  // "Specify the string to redact in an object with a `text` property" (the operation's description; no requestBody declared).
  bodiesFromDescription: { RedactStringInComment: { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1 } } } },
});
const slackSpec = loadSpec(`${SPECS}/slack/slack_web_openapi_v2.json`, { postForGet: true, headersFromSecurity: ['token'], undocumentedParameters: ['metadata', 'include_all_metadata'] });

/** A tiny Zendesk (tickets with comments, redaction as Zendesk does it) and a tiny Slack (messages by channel). */
interface Ticket {
  id: number;
  external_id: string;
  comments: { id: number; body: string; public: boolean }[];
}
let tickets: Ticket[] = [];
let messages: { channel: string; ts: string; thread_ts?: string; text: string }[] = [];
let seq = 0;
let commentSeq = 0;
const CHANNELS: Record<string, string> = { '#cx-alerts': 'C0CXALERTS', '#nps-feedback': 'C0FEEDBACK' };
const idOf = (param: unknown) => Number(String(param).replace(/\.json$/, ''));
const form = async (request: Request) => Object.fromEntries(new URLSearchParams(await request.text()));

const zendesk = [
  http.get(`${ZD}/api/v2/tickets.json`, ({ request }) => {
    const externalId = new URL(request.url).searchParams.get('external_id');
    return HttpResponse.json({ tickets: tickets.filter((t) => t.external_id === externalId), meta: { has_more: false }, links: { next: null } });
  }),
  http.post(`${ZD}/api/v2/tickets.json`, async ({ request }) => {
    const { ticket } = (await request.json()) as { ticket: { external_id: string; comment: { body: string; public: boolean } } };
    const created: Ticket = { id: 501 + tickets.length, external_id: ticket.external_id, comments: [{ id: 9000 + ++commentSeq, ...ticket.comment }] };
    tickets.push(created);
    return HttpResponse.json({ ticket: { id: created.id, external_id: created.external_id } }, { status: 201 });
  }),
  http.put(`${ZD}/api/v2/tickets/:id`, async ({ request, params }) => {
    const t = tickets.find((x) => x.id === idOf(params.id));
    if (!t) return HttpResponse.json({ error: 'RecordNotFound' }, { status: 404 });
    const { ticket } = (await request.json()) as { ticket: { comment: { body: string; public: boolean } } };
    t.comments.push({ id: 9000 + ++commentSeq, ...ticket.comment });
    return HttpResponse.json({ ticket: { id: t.id }, audit: { id: commentSeq } });
  }),
  http.get(`${ZD}/api/v2/tickets/:id/comments.json`, ({ params }) => {
    const t = tickets.find((x) => x.id === idOf(params.id));
    return HttpResponse.json({ comments: t?.comments ?? [], next_page: null, count: t?.comments.length ?? 0 });
  }),
  // Redact String in Comment: each character of the string becomes ▇; a string not in the comment is a 422.
  http.put(`${ZD}/api/v2/tickets/:id/comments/:comment/redact.json`, async ({ request, params }) => {
    const comment = tickets.find((x) => x.id === idOf(params.id))?.comments.find((c) => c.id === Number(params.comment));
    const { text } = (await request.json()) as { text: string };
    if (!comment || !comment.body.includes(text)) return HttpResponse.json({ error: 'RecordInvalid' }, { status: 422 });
    comment.body = comment.body.replace(text, '\u2587'.repeat(text.length));
    return HttpResponse.json({ comment: { id: comment.id, body: comment.body } });
  }),
];
const slack = [
  http.post(`${SLACK}/chat.postMessage`, async ({ request }) => {
    const body = await form(request);
    const message = { channel: body.thread_ts ? body.channel! : CHANNELS[body.channel!] ?? body.channel!, ts: `1791876000.${String(++seq).padStart(6, '0')}`, text: body.text!, ...(body.thread_ts ? { thread_ts: body.thread_ts } : {}) };
    messages.push(message);
    return HttpResponse.json({ ok: true, channel: message.channel, ts: message.ts });
  }),
  http.post(`${SLACK}/chat.delete`, async ({ request }) => {
    const body = await form(request);
    const i = messages.findIndex((m) => m.channel === body.channel && m.ts === body.ts);
    if (i === -1) return HttpResponse.json({ ok: false, error: 'message_not_found' });
    messages.splice(i, 1);
    return HttpResponse.json({ ok: true, channel: body.channel, ts: body.ts });
  }),
];
const IC = 'https://intercom.test';
const intercom = [
  http.post(`${IC}/contacts/search`, () => HttpResponse.json({ type: 'list', data: [], total_count: 0, pages: { type: 'pages', page: 1, per_page: 1, total_pages: 0 } })),
  http.post(`${IC}/contacts`, async ({ request }) => {
    const body = (await request.json()) as { email: string; role: string };
    return HttpResponse.json({ type: 'contact', id: '665000000000000000000001', email: body.email, role: body.role });
  }),
  http.post(`${IC}/events`, () => new HttpResponse(null, { status: 202 })),
];
const api = recordingServer(...zendesk, ...slack, ...intercom);
beforeAll(() => api.listen());
afterEach(() => {
  api.reset();
  tickets = [];
  messages = [];
  seq = 0;
  commentSeq = 0;
});
afterAll(() => api.close());

let hub: ReturnType<typeof makeTestHub>;
let clock: number;
afterEach(async () => hub?.cleanup());
function start(env: Record<string, string> = {}) {
  clock = Date.parse('2026-10-13T10:00:00.000Z');
  hub = makeTestHub({ env: { ...LIVE, ...env }, now: () => new Date(clock) });
  return hub;
}
async function later(minutes = 60) {
  clock += minutes * 60_000;
  await hub.loop.drain();
}
async function forget(email: string, query = '') {
  const res = await hub.app.request(`/api/respondents/${encodeURIComponent(email)}${query}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}
const calls = (requests: RecordedRequest[] = api.requests) => requests.map((r) => `${r.method} ${r.url.pathname}`);
function expectMatchesSpecs(requests: RecordedRequest[]) {
  for (const r of requests) {
    if (r.url.origin === ZD) {
      expect(r.headers.get('authorization')).toBe(ZD_AUTH);
      expectRequestMatchesSpec(zendeskSpec, r);
    } else {
      expect(r.headers.get('authorization')).toBe('Bearer xoxb-test-123');
      expectRequestMatchesSpec(slackSpec, r);
    }
  }
}

/** Ana's detractor answer (a ticket, an alert, a verbatim), then her late comment (a ticket comment, two thread replies). */
async function anaWithTicketAndMessages() {
  start();
  const ana = { email: 'ana@example.com', name: 'Ana Lima' };
  expect((await postWebhook(hub, 'generic', { response_id: 'r-1', score: 3, comment: 'Too slow for our team', ...ana })).status).toBe(202);
  await hub.loop.drain();
  expect((await postWebhook(hub, 'generic', { response_id: 'r-1', score: 3, comment: 'Still slow after the update', ...ana })).status).toBe(202);
  await hub.loop.drain();
  expect(tickets.map((t) => t.comments.map((c) => c.id))).toEqual([[9001, 9002]]);
  // Which ts Slack gave which message depends on the order the runner sent them: read it from Slack.
  const find = (channel: string, thread: boolean) => messages.find((m) => m.channel === channel && !!m.thread_ts === thread)!;
  const alert = find('C0CXALERTS', false);
  const verbatim = find('C0FEEDBACK', false);
  const alertReply = find('C0CXALERTS', true);
  const verbatimReply = find('C0FEEDBACK', true);
  expect(messages).toHaveLength(4);
  expect([alertReply.thread_ts, verbatimReply.thread_ts]).toEqual([alert.ts, verbatim.ts]);
  api.requests.length = 0;
  return { alert, verbatim, alertReply, verbatimReply };
}

/** A list in one order whatever the order it came in. */
const canonical = (list: unknown[]) => list.map((x) => JSON.stringify(x)).sort();

const REDACT_JOB = 'erase:zendesk.redactTicketComments:{"ticketId":501}';
const deleteJob = (channel: string, ts: string) => `erase:slack.deleteMessage:{"channel":"${channel}","ts":"${ts}"}`;

describe('forget --downstream: erasing at the vendors through the job queue', () => {
  it('lists exactly what the hub created for the person, then deletes each message once and redacts each comment once', async () => {
    const { alert, verbatim, alertReply, verbatimReply } = await anaWithTicketAndMessages();
    const answer = await forget('ana@example.com', '?downstream=true');
    expect(answer.erased.responses).toBe(1);
    const message = (m: { channel: string; ts: string }) => ({ remoteId: m.ts, channel: m.channel, ts: m.ts });
    const deleting = (m: { channel: string; ts: string }) => ({ erasure: 'queued', erasureAction: 'slack.deleteMessage', job: deleteJob(m.channel, m.ts) });
    const redacting = { erasure: 'queued', erasureAction: 'zendesk.redactTicketComments', job: REDACT_JOB };
    // Exactly these six, in the order the jobs were made (the follow-ups' order is the planner's).
    expect(canonical(answer.downstream)).toEqual(canonical([
      { action: 'zendesk.createTicket', remote: { remoteId: '501', ticketId: 501 }, ...redacting },
      { action: 'slack.postMessage', remote: message(alert), ...deleting(alert) },
      { action: 'slack.postMessage', remote: message(verbatim), ...deleting(verbatim) },
      { action: 'zendesk.addComment', remote: { remoteId: '501', ticketId: 501 }, ...redacting },
      { action: 'slack.replyInThread', remote: { ...message(alertReply), threadTs: alert.ts }, ...deleting(alertReply) },
      { action: 'slack.replyInThread', remote: { ...message(verbatimReply), threadTs: verbatim.ts }, ...deleting(verbatimReply) },
    ]));
    expect(answer.downstream.slice(0, 3).map((d: { action: string }) => d.action)).toEqual(['zendesk.createTicket', 'slack.postMessage', 'slack.postMessage']);
    // Nothing leaves on the request path: the jobs do it.
    expect(api.requests).toEqual([]);
    await hub.loop.drain();

    expect(calls().sort()).toEqual([
      'GET /api/v2/tickets/501/comments.json',
      'POST /api/chat.delete',
      'POST /api/chat.delete',
      'POST /api/chat.delete',
      'POST /api/chat.delete',
      'PUT /api/v2/tickets/501/comments/9001/redact.json',
      'PUT /api/v2/tickets/501/comments/9002/redact.json',
    ]);
    const deletes = api.requests.filter((r) => r.url.pathname === '/api/chat.delete').map((r) => r.body);
    expect(deletes).toHaveLength(4);
    expect(deletes).toEqual(expect.arrayContaining([alert, verbatim, alertReply, verbatimReply].map((m) => ({ channel: m.channel, ts: m.ts }))));
    const redactions = api.requests.filter((r) => r.url.pathname.endsWith('/redact.json')).map((r) => r.body as { text: string });
    expect(redactions[0]!.text).toContain('Too slow for our team');
    expect(redactions[1]!.text).toContain('Still slow after the update');
    expectMatchesSpecs(api.requests);
    expect(messages).toEqual([]);
    for (const c of tickets[0]!.comments) expect(c.body).toMatch(/^[\u2587\s]+$/);
    const done = await hub.store.listJobs({ responseId: 'erasure', limit: 10 });
    expect(done.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    // The erasure jobs carry remote ids only: nothing about Ana.
    expect(JSON.stringify(done)).not.toMatch(/ana@example\.com|Ana Lima|Too slow|Still slow/);

    // Asked again: nothing left locally, the same objects listed, no job queued twice, no call made.
    api.requests.length = 0;
    const again = await forget('ana@example.com', '?downstream=true');
    expect(again.erased).toEqual({ responses: 0, versions: 0, jobs: 0, attempts: 0, cacheEntries: 0, throttleMarks: 0 });
    expect(again.downstream.map((d: { erasure: string }) => d.erasure)).toEqual(Array(6).fill('already-queued'));
    expect(again.downstream.map((d: { remote: unknown }) => d.remote)).toEqual(answer.downstream.map((d: { remote: unknown }) => d.remote));
    await later();
    expect(api.requests).toEqual([]);
    expect(await hub.store.listJobs({ responseId: 'erasure', limit: 10 })).toHaveLength(5);
  });

  it('without --downstream the objects are listed as erasable and nothing is queued; a later --downstream still finds them', async () => {
    await anaWithTicketAndMessages();
    const answer = await forget('ana@example.com');
    expect(answer.downstream.map((d: { action: string; erasure: string }) => `${d.action} ${d.erasure}`).sort()).toEqual([
      'slack.postMessage erasable',
      'slack.postMessage erasable',
      'slack.replyInThread erasable',
      'slack.replyInThread erasable',
      'zendesk.addComment erasable',
      'zendesk.createTicket erasable',
    ]);
    await hub.loop.drain();
    expect(api.requests).toEqual([]);
    const later = await forget('ana@example.com', '?downstream=true');
    expect(later.downstream.map((d: { erasure: string }) => d.erasure)).toEqual(Array(6).fill('queued'));
    await hub.loop.drain();
    expect(api.requests.filter((r) => r.url.pathname === '/api/chat.delete')).toHaveLength(4);
    expect(api.requests.filter((r) => r.url.pathname.endsWith('/redact.json'))).toHaveLength(2);
  });

  it('a retry after a failure mid-way redacts only what is left, and a lost chat.delete answer ends as already gone: each object erased once', async () => {
    const { alert } = await anaWithTicketAndMessages();
    // The second redaction fails once (503); the first chat.delete of the alert deletes, then its answer is lost.
    let failedRedaction = false;
    let lostAnswer = false;
    api.server.use(
      http.put(`${ZD}/api/v2/tickets/501/comments/9002/redact.json`, () => {
        if (failedRedaction) return undefined;
        failedRedaction = true;
        return HttpResponse.json({ error: 'ServiceUnavailable' }, { status: 503 });
      }),
      http.post(`${SLACK}/chat.delete`, async ({ request }) => {
        const body = await form(request.clone());
        if (lostAnswer || body.ts !== alert.ts) return undefined;
        lostAnswer = true;
        messages = messages.filter((m) => m.ts !== body.ts);
        await delay(1_000); // past CLOSELOOP_HTTP_TIMEOUT_MS: the hub never hears the answer
        return HttpResponse.json({ ok: true, channel: body.channel, ts: body.ts });
      }),
    );
    await forget('ana@example.com', '?downstream=true');
    await hub.loop.drain();
    await later();
    const redacts = api.requests.filter((r) => r.url.pathname.endsWith('/redact.json')).map((r) => r.url.pathname);
    // 9001 once; 9002 failed once, then once more on the retry (9001, already ▇, is left alone).
    expect(redacts).toEqual(['/api/v2/tickets/501/comments/9001/redact.json', '/api/v2/tickets/501/comments/9002/redact.json', '/api/v2/tickets/501/comments/9002/redact.json']);
    expect(tickets[0]!.comments.every((c) => /^[\u2587\s]+$/.test(c.body))).toBe(true);
    const alertJob = (await hub.store.listJobs({ responseId: 'erasure', limit: 10 })).find((j) => j.key === deleteJob(alert.channel, alert.ts))!;
    expect(alertJob.status).toBe('succeeded');
    expect(alertJob.result).toEqual({ remoteId: alert.ts, channel: alert.channel, ts: alert.ts, alreadyGone: true });
    expect(api.requests.filter((r) => r.url.pathname === '/api/chat.delete' && (r.body as { ts: string }).ts === alert.ts)).toHaveLength(2);
    expect(messages).toEqual([]);
    expectMatchesSpecs(api.requests);
  });

  it('a job running when its respondent is erased: reported in flight, and its answer re-creates nothing', async () => {
    start();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    api.server.use(
      http.post(`${SLACK}/chat.postMessage`, async () => {
        await gate;
        return HttpResponse.json({ ok: true, channel: 'C0CXALERTS', ts: '1791876000.000099' });
      }),
      // A ticket is not wanted here: only the Slack alert's job is held.
      http.get(`${ZD}/api/v2/tickets.json`, async () => {
        await gate;
        return HttpResponse.json({ tickets: [], meta: { has_more: false }, links: { next: null } });
      }),
    );
    expect((await postWebhook(hub, 'generic', { response_id: 'r-1', score: 3, comment: 'Too slow for our team', email: 'ana@example.com', name: 'Ana Lima' })).status).toBe(202);
    hub.loop.start();
    // Wait until the action jobs are running (their calls held at the gate).
    for (let i = 0; i < 200 && (await hub.store.queueStats(new Date(clock).toISOString())).byStatus.running < 3; i++) await delay(10);
    const answer = await forget('ana@example.com');
    expect(answer.inFlight.map((j: { action: string }) => j.action).sort()).toEqual(['slack.postMessage', 'slack.postMessage', 'zendesk.createTicket']);
    release();
    await hub.loop.stop();
    const everything = hub.store.db.prepare(`SELECT (SELECT COUNT(*) FROM responses) + (SELECT COUNT(*) FROM jobs) + (SELECT COUNT(*) FROM job_attempts) + (SELECT COUNT(*) FROM recipe_runs) AS n`).get();
    expect(everything).toEqual({ n: 0 });
  });

  it('an Intercom event is listed for the operator to erase by hand (no API deletes one): nothing is called', async () => {
    start({ INTERCOM_ACCESS_TOKEN: 'ic-token-123', INTERCOM_BASE_URL: IC });
    expect((await postWebhook(hub, 'generic', { response_id: 'r-5', score: 10, email: 'ana@example.com', name: 'Ana Lima' })).status).toBe(202);
    await hub.loop.drain();
    expect(calls()).toEqual(['POST /contacts/search', 'POST /contacts', 'POST /events']);
    api.requests.length = 0;
    const answer = await forget('ana@example.com', '?downstream=true');
    expect(answer.downstream).toEqual([
      {
        action: 'intercom.trackEvent',
        remote: { remoteId: '665000000000000000000001', contactId: '665000000000000000000001', eventName: 'nps-promoter', createdAt: Math.floor(clock / 1000) },
        erasure: 'manual',
      },
    ]);
    await hub.loop.drain();
    expect(api.requests).toEqual([]);
    expect(await hub.store.listJobs({ limit: 10 })).toEqual([]);
  });

  it('jobs claimed before the erasure but not sent yet: nothing is sent, nothing is written back', async () => {
    start();
    expect((await postWebhook(hub, 'generic', { response_id: 'r-1', score: 3, comment: 'Too slow for our team', email: 'ana@example.com', name: 'Ana Lima' })).status).toBe(202);
    // The runner's own steps, one at a time: plan, then claim the three actions.
    const deps = (hub.loop as unknown as { deps: JobDeps }).deps;
    const claim = () => hub.store.claimJobs({ now: new Date(clock).toISOString(), limit: 10, leaseUntil: new Date(clock + 60_000).toISOString() });
    const [plan] = await claim();
    expect(await processJob(plan!, deps)).toEqual({ outcome: 'succeeded' });
    const actions = await claim();
    expect(actions.map((j) => j.action).sort()).toEqual(['slack.postMessage', 'slack.postMessage', 'zendesk.createTicket']);
    const answer = await forget('ana@example.com');
    expect(answer.inFlight).toHaveLength(3);
    for (const job of actions) expect(await processJob(job, deps)).toEqual({ outcome: 'dead', error: 'job erased before it was sent' });
    expect(api.requests).toEqual([]);
    expect(hub.store.db.prepare(`SELECT (SELECT COUNT(*) FROM responses) + (SELECT COUNT(*) FROM jobs) + (SELECT COUNT(*) FROM job_attempts) AS n`).get()).toEqual({ n: 0 });
  });
});
