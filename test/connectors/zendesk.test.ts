import { delay, http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordingServer, type RecordedRequest } from '../support/http-recorder.js';
import { expectRequestMatchesSpec, loadSpec } from '../support/openapi.js';
import { actionHub, T0 } from './action-hub.js';
import { SPECS } from '../support/shared.js';

const BASE = 'https://zendesk-proxy.test';
const ENV = { ZENDESK_EMAIL: 'agent@example.com', ZENDESK_API_TOKEN: 'zd-token-123', ZENDESK_BASE_URL: BASE };
const AUTH = `Basic ${Buffer.from('agent@example.com/token:zd-token-123').toString('base64')}`;
const spec = loadSpec(`${SPECS}/zendesk/support-oas.yaml`, { pathSuffix: '.json' });

/** A tiny Zendesk: tickets by id, listable by external_id. */
let tickets: { id: number; external_id: string; subject: string }[] = [];
let nextId = 501;
const listTickets = http.get(`${BASE}/api/v2/tickets.json`, ({ request }) => {
  const externalId = new URL(request.url).searchParams.get('external_id');
  const found = tickets.filter((t) => t.external_id === externalId);
  return HttpResponse.json({ tickets: found, meta: { has_more: false }, links: { next: null, prev: null } });
});
const createTicket = http.post(`${BASE}/api/v2/tickets.json`, async ({ request }) => {
  const { ticket } = (await request.json()) as { ticket: { external_id: string; subject: string } };
  const created = { id: nextId++, external_id: ticket.external_id, subject: ticket.subject };
  tickets.push(created);
  return HttpResponse.json({ ticket: created }, { status: 201 });
});
const failCreate = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  http.post(`${BASE}/api/v2/tickets.json`, () => HttpResponse.json(body, { status, headers }));

const api = recordingServer(listTickets, createTicket);
beforeAll(() => api.listen());
afterEach(() => {
  api.reset();
  tickets = [];
  nextId = 501;
});
afterAll(() => api.close());

const PARAMS = {
  requesterEmail: '{{ response.respondent.email }}',
  requesterName: '{{ response.respondent.name }}',
  subject: 'NPS {{ response.score }}/10',
  body: 'Verbatim: {{ response.comment }}',
  tags: ['nps', 'detractor'],
  priority: 'high',
  type: 'problem',
  groupId: '360001',
  assigneeEmail: 'owner@example.com',
  customFields: [{ id: 900001, value: 'enterprise' }],
};

let hub: ReturnType<typeof actionHub>;
afterEach(async () => hub?.cleanup());
const zendeskHub = () => (hub = actionHub({ action: 'zendesk.createTicket', params: PARAMS, env: ENV }));

function expectAllMatchSpec(requests: RecordedRequest[]) {
  for (const r of requests) expectRequestMatchesSpec(spec, r);
}

describe('zendesk.createTicket through node-zendesk', () => {
  it('looks the job key up as external_id, then creates the ticket with every field', async () => {
    zendeskHub();
    const job = await hub.respond();

    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '501', ticketId: 501, existing: false });
    expect(api.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['GET /api/v2/tickets.json', 'POST /api/v2/tickets.json']);
    const [lookup, create] = api.requests as [RecordedRequest, RecordedRequest];
    expect(Object.fromEntries(lookup.url.searchParams)).toEqual({ external_id: job.key, 'page[size]': '100' });
    expect(lookup.headers.get('authorization')).toBe(AUTH);
    expect(create.headers.get('authorization')).toBe(AUTH);
    expect(create.url.search).toBe('');
    expect(create.body).toEqual({
      ticket: {
        subject: 'NPS 3/10',
        comment: { body: 'Verbatim: Too slow', public: false },
        requester: { email: 'ana@example.com', name: 'Ana Lima' },
        tags: ['nps', 'detractor'],
        external_id: job.key,
        priority: 'high',
        type: 'problem',
        group_id: 360001,
        assignee_email: 'owner@example.com',
        custom_fields: [{ id: 900001, value: 'enterprise' }],
      },
    });
    expectAllMatchSpec(api.requests);
  });

  it('records the ticket that already carries the job key instead of creating a second', async () => {
    zendeskHub();
    // The key is `<response id>:<recipe>:<action id>` and the response id is only known after
    // ingest, so the lookup handler answers with a ticket carrying whatever key it is asked for.
    api.server.use(
      http.get(`${BASE}/api/v2/tickets.json`, ({ request }) => {
        const externalId = new URL(request.url).searchParams.get('external_id')!;
        return HttpResponse.json({ tickets: [{ id: 42, external_id: externalId, subject: 'from an earlier attempt' }], meta: { has_more: false }, links: { next: null } });
      }),
    );
    const job = await hub.respond();
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '42', ticketId: 42, existing: true });
    expect(api.requests.map((r) => r.method)).toEqual(['GET']);
    expectAllMatchSpec(api.requests);
  });

  it('401: dead at once, the reason names ZENDESK_EMAIL and ZENDESK_API_TOKEN', async () => {
    zendeskHub();
    api.server.use(http.get(`${BASE}/api/v2/tickets.json`, () => HttpResponse.json({ error: "Couldn't authenticate you" }, { status: 401 })));
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toMatch(/HTTP 401.*ZENDESK_EMAIL and ZENDESK_API_TOKEN/);
    expect((await hub.attempts(job)).map((a) => [a.outcome, a.remoteStatus])).toEqual([['dead', 401]]);
    expectAllMatchSpec(api.requests);
  });

  it('403: dead at once, naming the credentials', async () => {
    zendeskHub();
    api.server.use(failCreate(403, { error: 'Forbidden', description: 'You do not have access to this page.' }));
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toMatch(/HTTP 403.*ZENDESK_API_TOKEN/);
  });

  it('404: dead at once (wrong subdomain or base URL)', async () => {
    zendeskHub();
    api.server.use(http.get(`${BASE}/api/v2/tickets.json`, () => HttpResponse.json({ error: 'InvalidEndpoint', description: 'Not found' }, { status: 404 })));
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toMatch(/HTTP 404.*ZENDESK_SUBDOMAIN \/ ZENDESK_BASE_URL/);
    expect((await hub.attempts(job))[0]!.remoteStatus).toBe(404);
  });

  it("422: dead at once with Zendesk's own reason", async () => {
    zendeskHub();
    api.server.use(
      failCreate(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { requester: [{ description: 'Requester: Email is invalid' }] } }),
    );
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toBe('Zendesk answered HTTP 422: RecordInvalid — Record validation errors — requester: Requester: Email is invalid');
    expectAllMatchSpec(api.requests);
  });

  it('429 with Retry-After (node-zendesk would resolve it): retried no sooner than asked, then delivered', async () => {
    zendeskHub();
    api.server.use(failCreate(429, { error: 'TooManyRequests' }, { 'retry-after': '120' }));
    let job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toMatch(/HTTP 429/);
    expect(job.runAt).toBe(new Date(T0.getTime() + 120_000).toISOString());
    expect(tickets).toEqual([]);

    api.server.resetHandlers();
    job = await hub.later(119_000, job);
    expect(job.status).toBe('queued'); // not due yet
    job = await hub.later(1_000, job);
    expect(job.status).toBe('succeeded');
    expect(tickets.map((t) => t.external_id)).toEqual([job.key]);
    expect((await hub.attempts(job)).map((a) => [a.outcome, a.remoteStatus])).toEqual([
      ['retry', 429],
      ['succeeded', null],
    ]);
  });

  it('503 with Retry-After: retryable with that delay', async () => {
    zendeskHub();
    api.server.use(failCreate(503, { error: 'Unavailable' }, { 'retry-after': '30' }));
    const job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.runAt).toBe(new Date(T0.getTime() + 30_000).toISOString());
    expect((await hub.attempts(job))[0]!.remoteStatus).toBe(503);
  });

  it.each([500, 502, 504])('%i: retryable (node-zendesk would resolve a 502/504 as success)', async (status) => {
    zendeskHub();
    api.server.use(failCreate(status, { error: 'oops' }));
    const job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toMatch(new RegExp(`HTTP ${status}`));
    expect((await hub.attempts(job))[0]!.remoteStatus).toBe(status);
    expect(new Date(job.runAt).getTime()).toBeGreaterThanOrEqual(T0.getTime());
  });

  it('a connection reset: retryable', async () => {
    zendeskHub();
    api.server.use(http.post(`${BASE}/api/v2/tickets.json`, () => HttpResponse.error()));
    const job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toMatch(/Zendesk could not be reached/);
  });

  it('effect-once: a create that timed out after Zendesk made the ticket is found by external_id on retry, not made twice', async () => {
    zendeskHub();
    // Zendesk creates the ticket, but its answer comes after our timeout (300 ms in tests).
    api.server.use(
      http.post(
        `${BASE}/api/v2/tickets.json`,
        async ({ request }) => {
          const { ticket } = (await request.json()) as { ticket: { external_id: string; subject: string } };
          tickets.push({ id: nextId++, external_id: ticket.external_id, subject: ticket.subject });
          await delay(2_000);
          return HttpResponse.json({ ticket: {} }, { status: 201 });
        },
        { once: true },
      ),
    );
    let job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toBe('Zendesk did not answer within 300 ms');
    expect(tickets).toHaveLength(1);

    job = await hub.later(15 * 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '501', ticketId: 501, existing: true });
    expect(tickets).toHaveLength(1);
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
    expectAllMatchSpec(api.requests);
  });
});
