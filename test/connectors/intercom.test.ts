import { delay, http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordingServer, type RecordedRequest } from '../support/http-recorder.js';
import { expectRequestMatchesSpec, loadSpec } from '../support/openapi.js';
import { actionHub, T0 } from './action-hub.js';
import { SPECS } from '../support/shared.js';

const BASE = 'https://intercom-proxy.test';
const ENV = { INTERCOM_ACCESS_TOKEN: 'ic-token-123', INTERCOM_BASE_URL: BASE };
const spec = loadSpec(`${SPECS}/intercom/2.15/api.intercom.io.yaml`);

/** A tiny Intercom workspace. */
interface State {
  contacts: { id: string; email: string; role: string; name?: string }[];
  tags: { id: string; name: string }[];
  contactTags: Set<string>;
  notes: { id: string; contactId: string; body: string }[];
  events: unknown[];
  seq: number;
}
let state: State;
const reset = () => (state = { contacts: [], tags: [], contactTags: new Set(), notes: [], events: [], seq: 0 });
reset();
const newId = () => `6650${String(++state.seq).padStart(20, '0')}`;
const contactJson = (c: State['contacts'][number]) => ({ type: 'contact', id: c.id, email: c.email, role: c.role, name: c.name ?? null });

const handlers = [
  http.post(`${BASE}/contacts/search`, async ({ request }) => {
    const { query } = (await request.json()) as { query: { value: string } };
    const found = state.contacts.filter((c) => c.email === query.value).map(contactJson);
    return HttpResponse.json({ type: 'list', data: found, total_count: found.length, pages: { type: 'pages', page: 1, per_page: 1, total_pages: found.length ? 1 : 0 } });
  }),
  http.post(`${BASE}/contacts`, async ({ request }) => {
    const body = (await request.json()) as { email: string; role: string; name?: string };
    const contact = { id: newId(), email: body.email, role: body.role, name: body.name };
    state.contacts.push(contact);
    return HttpResponse.json(contactJson(contact));
  }),
  http.post(`${BASE}/events`, async ({ request }) => {
    state.events.push(await request.json());
    return new HttpResponse(null, { status: 202 });
  }),
  http.post(`${BASE}/tags`, async ({ request }) => {
    const { name } = (await request.json()) as { name: string };
    let tag = state.tags.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (!tag) state.tags.push((tag = { id: String(7000 + state.tags.length), name }));
    return HttpResponse.json({ type: 'tag', ...tag });
  }),
  http.get(`${BASE}/tags`, () => HttpResponse.json({ type: 'list', data: state.tags.map((t) => ({ type: 'tag', ...t })) })),
  http.post(`${BASE}/contacts/:contactId/tags`, async ({ request, params }) => {
    const { id } = (await request.json()) as { id: string };
    state.contactTags.add(`${params.contactId}/${id}`);
    return HttpResponse.json({ type: 'tag', ...state.tags.find((t) => t.id === id) });
  }),
  http.delete(`${BASE}/contacts/:contactId/tags/:tagId`, ({ params }) => {
    const key = `${params.contactId}/${params.tagId}`;
    if (!state.contactTags.delete(key)) return HttpResponse.json({ type: 'error.list', errors: [{ code: 'not_found', message: 'Tag not found' }] }, { status: 404 });
    return HttpResponse.json({ type: 'tag', ...state.tags.find((t) => t.id === params.tagId) });
  }),
  http.get(`${BASE}/contacts/:contactId/notes`, ({ params }) => {
    const notes = state.notes.filter((n) => n.contactId === params.contactId).reverse();
    return HttpResponse.json({
      type: 'list',
      data: notes.map((n) => ({ type: 'note', id: n.id, created_at: 1, contact: { type: 'contact', id: n.contactId }, author: null, body: n.body })),
      total_count: notes.length,
      pages: { type: 'pages', page: 1, per_page: 50, total_pages: 1 },
    });
  }),
  http.post(`${BASE}/contacts/:contactId/notes`, async ({ request, params }) => {
    const { body } = (await request.json()) as { body: string };
    const note = { id: String(9000 + state.notes.length), contactId: String(params.contactId), body };
    state.notes.push(note);
    return HttpResponse.json({ type: 'note', id: note.id, created_at: 1, contact: { type: 'contact', id: note.contactId }, body });
  }),
];

const api = recordingServer(...handlers);
beforeAll(() => api.listen());
afterEach(() => {
  api.reset();
  reset();
});
afterAll(() => api.close());

let hub: ReturnType<typeof actionHub>;
afterEach(async () => hub?.cleanup());
const intercomHub = (action: string, params: Record<string, unknown>) => (hub = actionHub({ action, params, env: ENV }));

const seen = () => api.requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`);
function expectIntercomRequests(requests: RecordedRequest[]) {
  for (const r of requests) {
    expect(r.headers.get('authorization')).toBe('Bearer ic-token-123');
    expect(r.headers.get('intercom-version')).toBe('2.15');
    expectRequestMatchesSpec(spec, r);
  }
}
const searchBody = { query: { field: 'email', operator: '=', value: 'ana@example.com' }, pagination: { per_page: 1 } };
const EVENT = { email: '{{ response.respondent.email }}', eventName: 'nps-promoter', metadata: { score: '{{ response.score }}', verbatim: '{{ response.comment }}' }, name: '{{ response.respondent.name }}' };

describe('intercom.trackEvent through intercom-client', () => {
  it('creates the missing contact, then submits the event on its id with created_at from the job', async () => {
    intercomHub('intercom.trackEvent', EVENT);
    const job = await hub.respond({ score: 10, comment: 'Love it' });
    expect(job.status).toBe('succeeded');
    const contactId = state.contacts[0]!.id;
    const createdAt = Math.floor(Date.parse(job.createdAt) / 1000);
    expect(createdAt).toBe(T0.getTime() / 1000);
    expect(job.result).toEqual({ remoteId: contactId, contactId, contactCreated: true, eventName: 'nps-promoter', createdAt });
    expect(seen()).toEqual(['POST /contacts/search', 'POST /contacts', 'POST /events']);
    const [search, create, event] = api.requests as [RecordedRequest, RecordedRequest, RecordedRequest];
    expect(search.body).toEqual(searchBody);
    expect(create.body).toEqual({ email: 'ana@example.com', role: 'user', name: 'Ana Lima' });
    expect(event.body).toEqual({ event_name: 'nps-promoter', created_at: createdAt, id: contactId, metadata: { score: '10', verbatim: 'Love it' } });
    expectIntercomRequests(api.requests);
  });

  it('uses the existing contact found by email', async () => {
    intercomHub('intercom.trackEvent', EVENT);
    state.contacts.push({ id: 'abc123', email: 'ana@example.com', role: 'lead' });
    const job = await hub.respond({ score: 9 });
    expect(job.status).toBe('succeeded');
    expect(seen()).toEqual(['POST /contacts/search', 'POST /events']);
    expect((state.events[0] as { id: string }).id).toBe('abc123');
    expectIntercomRequests(api.requests);
  });

  it('a contact the search index does not show yet (409 on create) is used by the id Intercom names', async () => {
    intercomHub('intercom.trackEvent', EVENT);
    api.server.use(
      http.post(`${BASE}/contacts`, () =>
        HttpResponse.json({ type: 'error.list', errors: [{ code: 'conflict', message: 'A contact matching those details already exists with id=6650aa0000000000000000ff' }] }, { status: 409 }),
      ),
    );
    const job = await hub.respond({ score: 9 });
    expect(job.status).toBe('succeeded');
    expect(seen()).toEqual(['POST /contacts/search', 'POST /contacts', 'POST /events']);
    expect((state.events[0] as { id: string }).id).toBe('6650aa0000000000000000ff');
    expect(job.result).toMatchObject({ contactId: '6650aa0000000000000000ff', contactCreated: false });
  });

  it('effect-once: a retry after a 500 sends the identical event (same created_at), which Intercom dedupes', async () => {
    intercomHub('intercom.trackEvent', EVENT);
    state.contacts.push({ id: 'abc123', email: 'ana@example.com', role: 'user' });
    api.server.use(http.post(`${BASE}/events`, () => HttpResponse.json({ type: 'error.list', errors: [{ code: 'server_error', message: 'oops' }] }, { status: 500 }), { once: true }));
    let job = await hub.respond({ score: 10 });
    expect(job.status).toBe('queued');
    expect(job.lastError).toBe('Intercom answered HTTP 500: server_error — oops');
    job = await hub.later(15 * 60_000, job);
    expect(job.status).toBe('succeeded');
    const events = api.requests.filter((r) => r.url.pathname === '/events');
    expect(events).toHaveLength(2);
    expect(events[1]!.body).toEqual(events[0]!.body);
    expectIntercomRequests(api.requests);
  });

  it('401: dead at once, naming INTERCOM_ACCESS_TOKEN', async () => {
    intercomHub('intercom.trackEvent', EVENT);
    api.server.use(
      http.post(`${BASE}/contacts/search`, () => HttpResponse.json({ type: 'error.list', errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] }, { status: 401 })),
    );
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toBe(
      "Intercom refused the token (HTTP 401: unauthorized — Access Token Invalid): check INTERCOM_ACCESS_TOKEN and the app's permissions (read and write users, tags, events)",
    );
    expect((await hub.attempts(job)).map((a) => [a.outcome, a.remoteStatus])).toEqual([['dead', 401]]);
    expect(seen()).toEqual(['POST /contacts/search']); // tried once: the SDK's own retries are off
  });

  it.each([
    [404, 'not_found', 'User Not Found'],
    [422, 'parameter_invalid', 'Event name is too long'],
  ])('%i: dead at once with the reason', async (status, code, message) => {
    intercomHub('intercom.trackEvent', EVENT);
    state.contacts.push({ id: 'abc123', email: 'ana@example.com', role: 'user' });
    api.server.use(http.post(`${BASE}/events`, () => HttpResponse.json({ type: 'error.list', errors: [{ code, message }] }, { status })));
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toBe(`Intercom answered HTTP ${status}: ${code} — ${message}`);
    expect((await hub.attempts(job))[0]!.remoteStatus).toBe(status);
  });

  it('429 with Retry-After: retried no sooner than asked (the SDK did not wait and retry by itself)', async () => {
    intercomHub('intercom.trackEvent', EVENT);
    api.server.use(
      http.post(`${BASE}/contacts/search`, () => HttpResponse.json({ type: 'error.list', errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit' }] }, { status: 429, headers: { 'retry-after': '45' } }), { once: true }),
    );
    let job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.runAt).toBe(new Date(T0.getTime() + 45_000).toISOString());
    expect((await hub.attempts(job))[0]!.remoteStatus).toBe(429);
    expect(seen()).toEqual(['POST /contacts/search']);
    job = await hub.later(45_000, job);
    expect(job.status).toBe('succeeded');
    expect(state.events).toHaveLength(1);
  });

  it.each([500, 503])('%i: retryable', async (status) => {
    intercomHub('intercom.trackEvent', EVENT);
    api.server.use(http.post(`${BASE}/contacts/search`, () => HttpResponse.json({ type: 'error.list', errors: [] }, { status })));
    const job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toBe(`Intercom answered HTTP ${status}`);
    expect(seen()).toEqual(['POST /contacts/search']);
  });

  it('a timeout: retryable', async () => {
    intercomHub('intercom.trackEvent', EVENT);
    api.server.use(
      http.post(`${BASE}/contacts/search`, async () => {
        await delay(2_000);
        return HttpResponse.json({});
      }),
    );
    const job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toBe('Intercom did not answer in time: Timeout exceeded when calling POST /contacts/search.');
  });
});

describe('intercom.tagContact / untagContact', () => {
  const TAG = { email: '{{ response.respondent.email }}', tag: 'nps-detractor' };

  it('finds or creates the tag by name and attaches it; a second run changes nothing', async () => {
    intercomHub('intercom.tagContact', TAG);
    state.contacts.push({ id: 'abc123', email: 'ana@example.com', role: 'user' });
    const job = await hub.respond();
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '7000', contactId: 'abc123', tagId: '7000' });
    expect(seen()).toEqual(['POST /contacts/search', 'POST /tags', 'POST /contacts/abc123/tags']);
    expect(api.requests[1]!.body).toEqual({ name: 'nps-detractor' });
    expect(api.requests[2]!.body).toEqual({ id: '7000' });
    expectIntercomRequests(api.requests);

    const again = await hub.respond({ response_id: 'r-again' });
    expect(again.status).toBe('succeeded');
    expect(state.tags).toEqual([{ id: '7000', name: 'nps-detractor' }]);
    expect([...state.contactTags]).toEqual(['abc123/7000']);
  });

  it('untag removes the tag; an absent tag, tag link or contact counts as done and creates nothing', async () => {
    intercomHub('intercom.untagContact', TAG);
    state.contacts.push({ id: 'abc123', email: 'ana@example.com', role: 'user' });
    state.tags.push({ id: '7000', name: 'NPS-Detractor' });
    state.contactTags.add('abc123/7000');

    const first = await hub.respond();
    expect(first.status).toBe('succeeded');
    expect(first.result).toEqual({ remoteId: '7000', contactId: 'abc123', tagId: '7000', removed: true });
    expect(seen()).toEqual(['POST /contacts/search', 'GET /tags', 'DELETE /contacts/abc123/tags/7000']);
    expectIntercomRequests(api.requests);

    const second = await hub.respond();
    expect(second.status).toBe('succeeded');
    expect(second.result).toMatchObject({ removed: false, reason: 'tag not on the contact' });

    state.contacts = [];
    const third = await hub.respond();
    expect(third.result).toEqual({ remoteId: null, removed: false, reason: 'no contact with this email' });
    expect(state.contacts).toEqual([]);
  });
});

describe('intercom.addNote', () => {
  const NOTE = { email: '{{ response.respondent.email }}', body: 'NPS {{ response.score }}: {{ response.comment }}', adminId: '814860' };

  it('writes an escaped HTML note ending with the job marker', async () => {
    intercomHub('intercom.addNote', NOTE);
    state.contacts.push({ id: 'abc123', email: 'ana@example.com', role: 'user' });
    const job = await hub.respond({ comment: '<b>slow</b> & buggy' });
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '9000', contactId: 'abc123', noteId: '9000', existing: false });
    expect(seen()).toEqual(['POST /contacts/search', 'GET /contacts/abc123/notes', 'POST /contacts/abc123/notes']);
    expect(api.requests[2]!.body).toEqual({
      body: `<p>NPS 3: &lt;b&gt;slow&lt;/b&gt; &amp; buggy</p><p><small>closeloop:${job.key}</small></p>`,
      admin_id: '814860',
    });
    expectIntercomRequests(api.requests.filter((r) => r.method === 'POST'));
    // Intercom's 2.15 description types contact_id as integer on POST notes only; path parameter types are not checked (see openapi.ts).
  });

  it('effect-once: a retry after a lost answer finds its note by the marker and writes no second one', async () => {
    intercomHub('intercom.addNote', NOTE);
    state.contacts.push({ id: 'abc123', email: 'ana@example.com', role: 'user' });
    api.server.use(
      http.post(
        `${BASE}/contacts/:contactId/notes`,
        async ({ request, params }) => {
          const { body } = (await request.json()) as { body: string };
          state.notes.push({ id: '9000', contactId: String(params.contactId), body });
          return HttpResponse.error(); // written, but the answer never arrives
        },
        { once: true },
      ),
    );
    let job = await hub.respond();
    expect(job.status).toBe('queued');
    job = await hub.later(15 * 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '9000', contactId: 'abc123', noteId: '9000', existing: true });
    expect(state.notes).toHaveLength(1);
    expect(api.requests.filter((r) => r.method === 'POST' && r.url.pathname.endsWith('/notes'))).toHaveLength(1);
  });
});
