import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/core/job.js';
import { recordingServer } from '../support/http-recorder.js';
import { makeTestHub, postWebhook } from '../support/hub.js';
import { COMMENTS, fixtureJson } from './source-suite.js';

const ZD = 'https://zendesk.test';
const SLACK = 'https://slack.test/api';
const LIVE = {
  ZENDESK_EMAIL: 'agent@example.com',
  ZENDESK_API_TOKEN: 'zd-token-123',
  ZENDESK_BASE_URL: ZD,
  SLACK_BOT_TOKEN: 'xoxb-test-123',
  SLACK_API_URL: `${SLACK}/`,
  CLOSELOOP_HTTP_TIMEOUT_MS: '300',
};
const ZD_AUTH = `Basic ${Buffer.from('agent@example.com/token:zd-token-123').toString('base64')}`;

/** A tiny Zendesk (tickets with their comments) and a tiny Slack (messages with their threads). */
interface Ticket {
  id: number;
  external_id: string;
  comments: { id: number; body: string; public: boolean }[];
}
let tickets: Ticket[] = [];
let messages: { channel: string; ts: string; thread_ts?: string; metadata?: { event_payload?: { key?: string } } }[] = [];
let seq = 0;
const ticketId = (param: unknown) => Number(String(param).replace(/\.json$/, ''));
const form = async (request: Request) => Object.fromEntries(new URLSearchParams(await request.text()));

const zendesk = [
  http.get(`${ZD}/api/v2/tickets.json`, ({ request }) => {
    const externalId = new URL(request.url).searchParams.get('external_id');
    return HttpResponse.json({ tickets: tickets.filter((t) => t.external_id === externalId), meta: { has_more: false }, links: { next: null } });
  }),
  http.post(`${ZD}/api/v2/tickets.json`, async ({ request }) => {
    const { ticket } = (await request.json()) as { ticket: { external_id: string; comment: { body: string; public: boolean } } };
    const created: Ticket = { id: 501 + tickets.length, external_id: ticket.external_id, comments: [{ id: ++seq, ...ticket.comment }] };
    tickets.push(created);
    return HttpResponse.json({ ticket: { id: created.id, external_id: created.external_id } }, { status: 201 });
  }),
  http.put(`${ZD}/api/v2/tickets/:id`, async ({ request, params }) => {
    const t = tickets.find((x) => x.id === ticketId(params.id));
    if (!t) return HttpResponse.json({ error: 'RecordNotFound' }, { status: 404 });
    const { ticket } = (await request.json()) as { ticket: { comment: { body: string; public: boolean } } };
    t.comments.push({ id: ++seq, ...ticket.comment });
    return HttpResponse.json({ ticket: { id: t.id }, audit: { id: seq } });
  }),
  http.get(`${ZD}/api/v2/tickets/:id/comments.json`, ({ params }) => {
    const t = tickets.find((x) => x.id === ticketId(params.id));
    return HttpResponse.json({ comments: t?.comments ?? [], next_page: null, count: t?.comments.length ?? 0 });
  }),
];
const slack = [
  http.post(`${SLACK}/chat.postMessage`, async ({ request }) => {
    const body = await form(request);
    const message = {
      channel: 'C0CXALERTS',
      ts: `1791876000.${String(++seq).padStart(6, '0')}`,
      ...(body.thread_ts ? { thread_ts: body.thread_ts } : {}),
      ...(body.metadata ? { metadata: JSON.parse(body.metadata) } : {}),
    };
    messages.push(message);
    return HttpResponse.json({ ok: true, channel: message.channel, ts: message.ts });
  }),
  http.post(`${SLACK}/conversations.replies`, async ({ request }) => {
    const body = await form(request);
    return HttpResponse.json({ ok: true, messages: messages.filter((m) => m.thread_ts === body.ts || m.ts === body.ts), has_more: false });
  }),
];
const api = recordingServer(...zendesk, ...slack);
beforeAll(() => api.listen());
afterEach(() => {
  api.reset();
  tickets = [];
  messages = [];
  seq = 0;
});
afterAll(() => api.close());

let hub: ReturnType<typeof makeTestHub>;
let clock: number;
afterEach(async () => hub?.cleanup());
function start(env: Record<string, string> = LIVE) {
  clock = Date.parse('2026-10-13T10:00:00.000Z');
  hub = makeTestHub({ env, now: () => new Date(clock) });
  return hub;
}
async function later(minutes = 60) {
  clock += minutes * 60_000;
  await hub.loop.drain();
}
async function post(source: string, body: unknown) {
  const res = await postWebhook(hub, source, JSON.stringify(body));
  return { status: res.status, json: (await res.json()) as any };
}

/** Delighted's two events for one detractor: `created` on the score, `updated` when the comment arrives. */
function delighted(event: 'created' | 'updated', comment: string | null) {
  const body = fixtureJson('delighted', 'detractor-long-unicode-comment.json');
  body.event_type = `survey_response.${event}`;
  body.event_id = `${event}-0001`;
  body.event_data.comment = comment;
  return body;
}

const calls = () => api.requests.map((r) => `${r.method} ${r.url.pathname}`);
const posts = (path: string) => api.requests.filter((r) => r.method === 'POST' && r.url.pathname === path);
const jobsOf = (id: string) => hub.store.listJobs({ responseId: id, limit: 100 });
/** Jobs by key without the response id: `plan`, `plan:v2`, `detractor-ticket:ticket`, `detractor-ticket:ticket:v2`. */
const byKey = async (id: string) => Object.fromEntries((await jobsOf(id)).map((j) => [j.key.replace(`${id}:`, '').replace(`:${id}`, ''), j])) as Record<string, Job>;

describe('updates: a late comment reaches what was already created', () => {
  it('Delighted created → updated for a detractor: one ticket with the comment added, one Slack alert with a thread reply', async () => {
    start();
    const first = await post('delighted', delighted('created', null));
    expect(first).toEqual({ status: 202, json: { id: expect.any(String), duplicate: false } });
    const id = first.json.id as string;
    await hub.loop.drain();

    // Version 1 (no comment): the ticket and the alert; no verbatim yet.
    expect(calls().sort()).toEqual(['GET /api/v2/tickets.json', 'POST /api/chat.postMessage', 'POST /api/v2/tickets.json']);
    const alert = messages[0]!;
    expect(alert.thread_ts).toBeUndefined();
    const created = posts('/api/v2/tickets.json')[0]!.body as any;
    expect(created.ticket.comment.body).toContain('(no comment)');
    api.requests.length = 0;

    const second = await post('delighted', delighted('updated', COMMENTS.detractor));
    expect(second).toEqual({ status: 202, json: { id, duplicate: false, updated: true } });
    await hub.loop.drain();

    // Version 2: the verbatim recipe fires for the first time; the ticket gets a comment; the alert a reply.
    expect(calls().sort()).toEqual(['POST /api/chat.postMessage', 'POST /api/chat.postMessage', 'PUT /api/v2/tickets/501.json']);
    const put = api.requests.find((r) => r.method === 'PUT')!;
    expect(put.headers.get('authorization')).toBe(ZD_AUTH);
    expect(put.body).toEqual({
      ticket: { comment: { body: `The respondent added a comment (delighted, version 2).\n\nVerbatim:\n${COMMENTS.detractor}`, public: false } },
    });
    const slackPosts = posts('/api/chat.postMessage').map((r) => r.body as Record<string, string>);
    const reply = slackPosts.find((b) => b.thread_ts)!;
    expect(reply).toMatchObject({ channel: alert.channel, thread_ts: alert.ts, text: 'The respondent added a comment (delighted, version 2).' });
    expect(JSON.stringify(JSON.parse(reply.blocks!))).toContain(JSON.stringify(COMMENTS.detractor));
    for (const r of posts('/api/chat.postMessage')) expect(r.headers.get('authorization')).toBe('Bearer xoxb-test-123');
    const verbatim = slackPosts.find((b) => !b.thread_ts)!;
    expect(verbatim.channel).toBe('#nps-feedback');

    // Exactly one ticket (with its comment), one alert with one reply, one verbatim.
    expect(tickets).toHaveLength(1);
    expect(tickets[0]!.comments).toHaveLength(2);
    expect(messages.filter((m) => !m.thread_ts)).toHaveLength(2);
    expect(messages.filter((m) => m.thread_ts === alert.ts)).toHaveLength(1);

    const jobs = await byKey(id);
    expect(Object.keys(jobs).sort()).toEqual([
      'detractor-ticket:alert',
      'detractor-ticket:alert:v2',
      'detractor-ticket:ticket',
      'detractor-ticket:ticket:v2',
      'plan',
      'plan:v2',
      'verbatims-to-slack:verbatim',
    ]);
    expect(jobs['detractor-ticket:ticket:v2']).toMatchObject({ action: 'zendesk.addComment', status: 'succeeded', parentJobId: jobs['detractor-ticket:ticket']!.id, responseVersion: 2 });
    expect(jobs['detractor-ticket:alert:v2']).toMatchObject({ action: 'slack.replyInThread', status: 'succeeded', result: { threadTs: alert.ts } });

    // The newest version is stored, with its raw body.
    const stored = (await hub.store.getResponse(id))!;
    expect(stored).toMatchObject({ version: 2, score: 2, comment: COMMENTS.detractor, extra: { event: 'updated' } });
    expect(JSON.parse((await hub.store.getRawBody(id))!.body).event_type).toBe('survey_response.updated');
    expect((await hub.store.getResponseVersion(id, 1))!.comment).toBeNull();

    // An identical resend changes nothing: no version, no job, no request.
    api.requests.length = 0;
    const again = await post('delighted', delighted('updated', COMMENTS.detractor));
    expect(again.json).toEqual({ id, duplicate: true });
    await later();
    expect(api.requests).toEqual([]);
    expect((await hub.store.getResponse(id))!.version).toBe(2);
    expect(Object.keys(await byKey(id))).toHaveLength(7);
  });

  it('created and updated both arrive before the runner: the stale plan is skipped, one ticket already carries the comment', async () => {
    start();
    const { json } = await post('delighted', delighted('created', null));
    await post('delighted', delighted('updated', COMMENTS.detractor));
    await hub.loop.drain();
    expect(calls().sort()).toEqual(['GET /api/v2/tickets.json', 'POST /api/chat.postMessage', 'POST /api/chat.postMessage', 'POST /api/v2/tickets.json']);
    expect((posts('/api/v2/tickets.json')[0]!.body as any).ticket.comment.body).toContain(COMMENTS.detractor);
    const jobs = await byKey(json.id);
    // The plan of version 1 ran after version 2 was stored: it stood aside for plan:v2.
    expect(jobs.plan).toMatchObject({ status: 'succeeded' });
    expect(jobs['detractor-ticket:ticket']).toMatchObject({ responseVersion: 2 });
    expect(Object.values(jobs).filter((j) => j.parentJobId)).toEqual([]);
  });

  it('the ticket is still being retried when the comment arrives: the comment waits for it, then lands on that ticket', async () => {
    start();
    api.server.use(http.post(`${ZD}/api/v2/tickets.json`, () => HttpResponse.json({ error: 'busy' }, { status: 503 }), { once: true }));
    const { json } = await post('delighted', delighted('created', null));
    await hub.loop.drain();
    expect(tickets).toHaveLength(0);
    await post('delighted', delighted('updated', COMMENTS.detractor));
    await hub.loop.drain();
    const waiting = (await byKey(json.id))['detractor-ticket:ticket:v2']!;
    expect(waiting).toMatchObject({ status: 'queued', lastError: expect.stringContaining('waiting for parent job') });
    expect(api.requests.filter((r) => r.method === 'PUT')).toEqual([]);

    for (let i = 0; i < 6 && tickets[0]?.comments.length !== 2; i++) await later();
    expect(tickets).toHaveLength(1);
    expect(tickets[0]!.comments.map((c) => c.body)).toEqual([expect.stringContaining('(no comment)'), expect.stringContaining(COMMENTS.detractor)]);
    const jobs = await byKey(json.id);
    expect(jobs['detractor-ticket:ticket']!.status).toBe('succeeded');
    expect(jobs['detractor-ticket:ticket:v2']!.status).toBe('succeeded');
    expect(api.requests.filter((r) => r.method === 'PUT').map((r) => r.url.pathname)).toEqual(['/api/v2/tickets/501.json']);
  });

  it('the comment outlasts a ticket retried 20 times: a follow-up may wait through every attempt of its parent, then has its own', async () => {
    start();
    let failures = 0;
    api.server.use(http.post(`${ZD}/api/v2/tickets.json`, () => (++failures <= 20 ? HttpResponse.json({ error: 'busy' }, { status: 503 }) : undefined)));
    const { json } = await post('delighted', delighted('created', null));
    await hub.loop.drain();
    await post('delighted', delighted('updated', COMMENTS.detractor));
    await hub.loop.drain();
    const waiting = (await byKey(json.id))['detractor-ticket:ticket:v2']!;
    // The cap on vendor failures of the ticket it waits for, then its own (docs/security.md "Patience during outages").
    expect(waiting.maxAttempts).toBe(200);

    for (let i = 0; i < 30 && tickets[0]?.comments.length !== 2; i++) await later(30);
    expect(failures).toBe(21);
    const jobs = await byKey(json.id);
    expect(jobs['detractor-ticket:ticket']).toMatchObject({ status: 'succeeded', attempts: 21 });
    expect(jobs['detractor-ticket:ticket:v2']).toMatchObject({ status: 'succeeded' });
    expect(jobs['detractor-ticket:ticket:v2']!.attempts).toBeGreaterThan(16);
    expect(tickets[0]!.comments.map((c) => c.body)).toEqual([expect.stringContaining('(no comment)'), expect.stringContaining(COMMENTS.detractor)]);
    expect(api.requests.filter((r) => r.method === 'PUT').map((r) => r.url.pathname)).toEqual(['/api/v2/tickets/501.json']);
  });

  it('a retried comment whose first PUT was applied is not added twice', async () => {
    start();
    const { json } = await post('delighted', delighted('created', null));
    await hub.loop.drain();
    // Zendesk applies the comment, then the answer is lost.
    api.server.use(
      http.put(`${ZD}/api/v2/tickets/:id`, async ({ request, params }) => {
        const { ticket } = (await request.json()) as { ticket: { comment: { body: string; public: boolean } } };
        tickets.find((t) => t.id === ticketId(params.id))!.comments.push({ id: ++seq, ...ticket.comment });
        return HttpResponse.error();
      }, { once: true }),
    );
    await post('delighted', delighted('updated', COMMENTS.detractor));
    await hub.loop.drain();
    expect((await byKey(json.id))['detractor-ticket:ticket:v2']!.status).toBe('queued');
    await later();
    const followUp = (await byKey(json.id))['detractor-ticket:ticket:v2']!;
    expect(followUp).toMatchObject({ status: 'succeeded', result: { existing: true } });
    expect(tickets[0]!.comments).toHaveLength(2);
    expect(api.requests.filter((r) => r.url.pathname === '/api/v2/tickets/501/comments.json')).toHaveLength(1);
  });

  it('in sandbox mode the follow-ups are sandboxed like any action, with the request they would send', async () => {
    start({});
    const { json } = await post('delighted', delighted('created', null));
    await hub.loop.drain();
    await post('delighted', delighted('updated', COMMENTS.detractor));
    await hub.loop.drain();
    const jobs = await byKey(json.id);
    expect(jobs['detractor-ticket:ticket:v2']).toMatchObject({
      status: 'sandboxed',
      result: { sandbox: true, request: { method: 'PUT', path: '/api/v2/tickets/<ticket of the parent job>', body: { ticket: { comment: { public: false } } } } },
    });
    expect(jobs['detractor-ticket:alert:v2']).toMatchObject({
      status: 'sandboxed',
      result: { request: { method: 'POST', path: '/chat.postMessage', body: { thread_ts: '<ts of the parent message>', text: 'The respondent added a comment (delighted, version 2).' } } },
    });
    expect(api.requests).toEqual([]);
  });
});

describe('updates: recipes fire once per response', () => {
  it('generic source: a passive that turns detractor fires the ticket once (v2); the verbatim gets a reply; an identical resend is a duplicate', async () => {
    start({});
    const body = { response_id: 'r-42', score: 8, comment: 'Decent', email: 'ana@example.com' };
    const first = await post('generic', body);
    await hub.loop.drain();
    const id = first.json.id as string;
    expect(Object.keys(await byKey(id)).filter((k) => !k.startsWith('plan'))).toEqual(['verbatims-to-slack:verbatim']);

    const second = await post('generic', { ...body, score: 3 });
    expect(second.json).toEqual({ id, duplicate: false, updated: true });
    await hub.loop.drain();
    const jobs = await byKey(id);
    expect(Object.keys(jobs).filter((k) => !k.startsWith('plan')).sort()).toEqual([
      'detractor-ticket:alert',
      'detractor-ticket:ticket',
      'verbatims-to-slack:verbatim',
      'verbatims-to-slack:verbatim:v2',
    ]);
    expect(jobs['detractor-ticket:ticket']).toMatchObject({ responseVersion: 2, status: 'sandboxed' });
    expect(jobs['verbatims-to-slack:verbatim:v2']!.params).toMatchObject({ text: 'The respondent changed the score from 8 to 3/10 (generic, version 2).', quote: '' });

    expect((await post('generic', { ...body, score: 3 })).json).toEqual({ id, duplicate: true });
    await hub.loop.drain();
    expect(Object.keys(await byKey(id))).toHaveLength(Object.keys(jobs).length);
  });

  it('a change that neither adds a comment nor changes the score is stored as a version and sends nothing', async () => {
    start({});
    const body = { response_id: 'r-43', score: 3, comment: 'Slow', email: 'ana@example.com', name: 'Ana' };
    const { json } = await post('generic', body);
    await hub.loop.drain();
    const before = Object.keys(await byKey(json.id)).length;
    expect((await post('generic', { ...body, name: 'Ana Lima' })).json).toEqual({ id: json.id, duplicate: false, updated: true });
    await hub.loop.drain();
    expect(Object.keys(await byKey(json.id))).toHaveLength(before + 1); // only plan:v2
    expect(await hub.store.getResponse(json.id)).toMatchObject({ version: 2, respondent: { name: 'Ana Lima' } });
  });

  it('AskNicely `count` and Wootric `updated` resends are updates of the same response', async () => {
    start({});
    const ask = fixtureJson('asknicely', 'passive.json');
    const a1 = await post('asknicely', { ...ask, question: { ...ask.question, comment: '' } });
    const a2 = await post('asknicely', { ...ask, count: 2 });
    expect(a2.json).toEqual({ id: a1.json.id, duplicate: false, updated: true });
    expect(await hub.store.getResponse(a1.json.id)).toMatchObject({ version: 2, comment: COMMENTS.passive });

    const woo = fixtureJson('wootric', 'passive.json');
    const w1 = await post('wootric', { ...woo, response: { ...woo.response, text: null } });
    const w2 = await post('wootric', { ...woo, event_name: 'updated' });
    expect(w2.json).toEqual({ id: w1.json.id, duplicate: false, updated: true });
    expect((await post('wootric', { ...woo, event_name: 'updated' })).json).toEqual({ id: w1.json.id, duplicate: true });
  });
});
