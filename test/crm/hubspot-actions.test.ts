import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobMarker } from '../../src/core/job-marker.js';
import { actionHub, T0 } from '../connectors/action-hub.js';
import { recordingServer } from '../support/http-recorder.js';
import { HUBSPOT, HUBSPOT_ENV, HUBSPOT_TOKEN, hubspotFailing, hubspotHandlers, hubspotHanging, hubspotState, type HubSpotState } from './support/hubspot-fake.js';

let state: HubSpotState;
const api = recordingServer();
beforeAll(() => api.listen());
afterAll(() => api.close());
let hub: ReturnType<typeof actionHub> | undefined;
afterEach(async () => {
  // Clean up first, so that a failed check cannot leave requests or a hub to the next test.
  const requests = [...api.requests];
  api.reset();
  await hub?.cleanup();
  hub = undefined;
  for (const r of requests) {
    expect(r.url.origin).toBe(HUBSPOT);
    expect(r.headers.get('authorization')).toBe(`Bearer ${HUBSPOT_TOKEN}`);
  }
});

// Enrichment off: these tests look at the actions' own calls.
const ENV = { ...HUBSPOT_ENV, CLOSELOOP_CRM: 'none' };
function start(action: string, params: Record<string, unknown>) {
  state = hubspotState();
  api.server.use(...hubspotHandlers(state));
  hub = actionHub({ action, params, env: ENV });
  return hub;
}
const calls = () => api.requests.map((r) => `${r.method} ${r.url.pathname}`);

const UPDATE = {
  email: '{{ response.respondent.email }}',
  score: '{{ response.score }}',
  category: '{{ response.category }}',
  comment: '{{ response.comment }}',
  answeredAt: '2026-03-01T08:30:00+01:00',
};

describe('hubspot.updateContact', () => {
  it('creates the NPS group and properties once, finds the contact by email, PATCHes the four properties', async () => {
    const h = start('hubspot.updateContact', UPDATE);
    const job = await h.respond();
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '501', contactId: '501' });
    expect(calls()).toEqual([
      'GET /crm/v3/properties/contacts',
      'GET /crm/v3/properties/contacts/groups',
      'POST /crm/v3/properties/contacts/groups',
      'POST /crm/v3/properties/contacts/batch/create',
      'POST /crm/v3/objects/contacts/search',
      'PATCH /crm/v3/objects/contacts/501',
    ]);
    expect(api.requests[0]!.url.search).toBe('?archived=false');
    expect(api.requests[2]!.body).toEqual({ name: 'closeloop_nps', label: 'NPS (closeloop)', displayOrder: -1 });
    const created = (api.requests[3]!.body as { inputs: { name: string; type: string; fieldType: string; groupName: string }[] }).inputs;
    expect(created.map((p) => [p.name, p.type, p.fieldType, p.groupName])).toEqual([
      ['closeloop_nps_score', 'number', 'number', 'closeloop_nps'],
      ['closeloop_nps_category', 'enumeration', 'select', 'closeloop_nps'],
      ['closeloop_nps_comment', 'string', 'textarea', 'closeloop_nps'],
      ['closeloop_nps_date', 'datetime', 'date', 'closeloop_nps'],
    ]);
    expect(api.requests[5]!.body).toEqual({
      properties: {
        closeloop_nps_score: '3',
        closeloop_nps_category: 'detractor',
        closeloop_nps_comment: 'Too slow',
        closeloop_nps_date: '2026-03-01T07:30:00.000Z',
      },
    });
    expect(state.contacts[0]!.properties.closeloop_nps_score).toBe('3');

    // The next response: the properties are known for this process, so no property calls — the
    // contact search and its PATCH only.
    api.requests.length = 0;
    expect((await h.respond({ response_id: 'r-9', score: 10, comment: 'Love it' })).status).toBe('succeeded');
    expect(calls()).toEqual(['POST /crm/v3/objects/contacts/search', 'PATCH /crm/v3/objects/contacts/501']);
    expect(state.contacts[0]!.properties.closeloop_nps_category).toBe('promoter');
  });

  it('an unknown email is a permanent 404, recorded on the job', async () => {
    const h = start('hubspot.updateContact', { ...UPDATE, email: 'nobody@example.com' });
    state.contactProperties.push('closeloop_nps_score', 'closeloop_nps_category', 'closeloop_nps_comment', 'closeloop_nps_date');
    const job = await h.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toBe('HubSpot has no contact with email nobody@example.com');
    expect(calls()).toEqual(['GET /crm/v3/properties/contacts', 'POST /crm/v3/objects/contacts/search']);
  });
});

const TASK = {
  subject: 'Detractor {{ response.score }}/10: call back',
  body: '{{ response.comment }}',
  ownerId: '77',
  contactId: '501',
  companyId: '9001',
};

describe('hubspot.createTask', () => {
  it('searches for its marker, then creates the task for the owner, associated with contact and company', async () => {
    const h = start('hubspot.createTask', TASK);
    const job = await h.respond();
    expect(job.status).toBe('succeeded');
    const marker = await jobMarker(job.key);
    expect(marker).toMatch(/^\[cl-[0-9a-f]{12}\]$/);
    expect(calls()).toEqual(['POST /crm/v3/objects/tasks/search', 'POST /crm/v3/objects/tasks']);
    expect(api.requests[0]!.body).toEqual({
      filterGroups: [{ filters: [{ propertyName: 'hs_task_subject', operator: 'EQ', value: `Detractor 3/10: call back ${marker}` }] }],
      properties: ['hs_task_subject'],
      limit: 1,
    });
    expect(api.requests[1]!.body).toEqual({
      properties: {
        hs_task_subject: `Detractor 3/10: call back ${marker}`,
        hs_task_body: `Too slow\n\ncloseloop job ${job.key}`,
        hs_task_status: 'NOT_STARTED',
        hs_task_priority: 'HIGH',
        hs_timestamp: new Date(T0.getTime() + 24 * 3600_000).toISOString(),
        hubspot_owner_id: '77',
      },
      associations: [
        { to: { id: '501' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 }] },
        { to: { id: '9001' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 192 }] },
      ],
    });
    expect(job.result).toEqual({ remoteId: '7001', taskId: '7001', existing: false });
    expect(state.tasks).toHaveLength(1);
  });

  it('a retry after a lost answer finds the task by its marker and creates no second one', async () => {
    const h = start('hubspot.createTask', TASK);
    // The first create reaches HubSpot, but the answer is lost (502 after the task exists).
    let first = true;
    api.server.use(
      http.post(`${HUBSPOT}/crm/v3/objects/tasks`, async ({ request }) => {
        if (!first) return;
        first = false;
        const { properties } = (await request.json()) as { properties: Record<string, string> };
        state.tasks.push({ id: '7001', properties, associations: [] });
        return HttpResponse.json({ status: 'error', message: 'bad gateway' }, { status: 502 });
      }),
    );
    let job = await h.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toMatch(/HubSpot answered HTTP 502/);
    job = await h.later(60 * 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '7001', taskId: '7001', existing: true });
    expect(state.tasks).toHaveLength(1);
    expect(calls()).toEqual(['POST /crm/v3/objects/tasks/search', 'POST /crm/v3/objects/tasks', 'POST /crm/v3/objects/tasks/search']);
  });
});

describe('HubSpot failures, classified and recorded on the job', () => {
  const cases: [string, () => void, { status: string; remote: number | null; error: RegExp }][] = [
    ['401', () => api.server.use(hubspotFailing(401)), { status: 'dead', remote: 401, error: /HubSpot refused the token \(HTTP 401\): check HUBSPOT_ACCESS_TOKEN/ }],
    ['403', () => api.server.use(hubspotFailing(403)), { status: 'dead', remote: 403, error: /HUBSPOT_ACCESS_TOKEN lacks a scope/ }],
    ['404', () => api.server.use(hubspotFailing(404)), { status: 'dead', remote: 404, error: /HubSpot answered HTTP 404/ }],
    ['422', () => api.server.use(hubspotFailing(422)), { status: 'dead', remote: 422, error: /HubSpot answered HTTP 422/ }],
    ['429', () => api.server.use(hubspotFailing(429, { 'Retry-After': '120' })), { status: 'queued', remote: 429, error: /HTTP 429/ }],
    ['500', () => api.server.use(hubspotFailing(500)), { status: 'queued', remote: 500, error: /HTTP 500/ }],
    ['timeout', () => api.server.use(hubspotHanging), { status: 'queued', remote: null, error: /HubSpot did not answer task search within 300 ms/ }],
  ];
  for (const [name, fail, expected] of cases) {
    it(`${name} → ${expected.status}`, async () => {
      const h = start('hubspot.createTask', TASK);
      fail();
      const job = await h.respond();
      expect(job.status).toBe(expected.status);
      expect(job.lastError).toMatch(expected.error);
      expect(job.lastError).not.toContain(HUBSPOT_TOKEN);
      expect((await h.attempts(job)).map((a) => [a.outcome, a.remoteStatus])).toEqual([[expected.status === 'dead' ? 'dead' : 'retry', expected.remote]]);
      if (name === '429') expect(Date.parse(job.runAt) - T0.getTime()).toBeGreaterThanOrEqual(120_000);
    });
  }
});
