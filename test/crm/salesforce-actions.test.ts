import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobMarker } from '../../src/core/job-marker.js';
import { actionHub, T0 } from '../connectors/action-hub.js';
import { recordingServer } from '../support/http-recorder.js';
import { API, parseSoql, salesforceFailing, salesforceHandlers, salesforceHanging, salesforceState, SALESFORCE, SALESFORCE_ENV, SALESFORCE_TOKEN, type SalesforceState } from './support/salesforce-fake.js';
import { expectInPostmanCollection, loadPostmanCollection } from './support/salesforce-postman.js';

const postman = loadPostmanCollection();
let state: SalesforceState;
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
    expect(r.url.origin).toBe(SALESFORCE);
    expect(r.headers.get('authorization')).toBe(`Bearer ${SALESFORCE_TOKEN}`);
    expectInPostmanCollection(postman, r);
  }
});

const ENV = { ...SALESFORCE_ENV, CLOSELOOP_CRM: 'none' };
function start(action: string, params: Record<string, unknown>) {
  state = salesforceState();
  api.server.use(...salesforceHandlers(state));
  hub = actionHub({ action, params, env: ENV });
  return hub;
}
const calls = () => api.requests.map((r) => `${r.method} ${r.url.pathname}`);

const TASK = {
  subject: 'Detractor {{ response.score }}/10: call back',
  description: '{{ response.comment }}',
  contactId: '003000000000001AAA',
  accountId: '001000000000001AAA',
  ownerId: '005000000000001AAA',
};

describe('salesforce.createTask', () => {
  it('looks its marker up by SOQL, then creates the Task on the Contact and Account for the owner', async () => {
    const h = start('salesforce.createTask', TASK);
    const job = await h.respond();
    expect(job.status).toBe('succeeded');
    const marker = await jobMarker(job.key);
    expect(calls()).toEqual(['GET /services/data/v62.0/query', 'POST /services/data/v62.0/sobjects/Task']);
    expect(api.requests[0]!.url.searchParams.get('q')).toBe(`SELECT Id FROM Task WHERE Subject = 'Detractor 3/10: call back ${marker}' LIMIT 1`);
    expect(api.requests[1]!.headers.get('content-type')).toMatch(/^application\/json/);
    expect(api.requests[1]!.body).toEqual({
      Subject: `Detractor 3/10: call back ${marker}`,
      Description: `Too slow\n\ncloseloop job ${job.key}`,
      Priority: 'High',
      Status: 'Not Started',
      ActivityDate: new Date(T0.getTime() + 24 * 3600_000).toISOString().slice(0, 10),
      WhoId: '003000000000001AAA',
      WhatId: '001000000000001AAA',
      OwnerId: '005000000000001AAA',
    });
    expect(job.result).toEqual({ remoteId: '00T000000000001AAA', taskId: '00T000000000001AAA', existing: false });
  });

  it('a retry after a lost answer finds the Task and creates no second one', async () => {
    const h = start('salesforce.createTask', TASK);
    let first = true;
    api.server.use(
      http.post(`${API}/sobjects/Task`, async ({ request }) => {
        if (!first) return;
        first = false;
        state.tasks.push({ Id: '00T000000000009AAA', ...((await request.json()) as object) });
        return HttpResponse.json([{ errorCode: 'SERVER_UNAVAILABLE', message: 'try later' }], { status: 503 });
      }),
    );
    let job = await h.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toBe('Salesforce answered HTTP 503 SERVER_UNAVAILABLE: try later');
    job = await h.later(60 * 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '00T000000000009AAA', taskId: '00T000000000009AAA', existing: true });
    expect(state.tasks).toHaveLength(1);
    expect(calls()).toEqual(['GET /services/data/v62.0/query', 'POST /services/data/v62.0/sobjects/Task', 'GET /services/data/v62.0/query']);
  });
});

describe('salesforce.updateContact', () => {
  const UPDATE = {
    email: '{{ response.respondent.email }}',
    score: '{{ response.score }}',
    category: '{{ response.category }}',
    comment: '{{ response.comment }}',
    answeredAt: '2026-03-01T07:30:00Z',
  };

  it('finds the Contact by email (escaped literal) and PATCHes the NPS fields', async () => {
    const h = start('salesforce.updateContact', UPDATE);
    const job = await h.respond();
    expect(job.status).toBe('succeeded');
    expect(calls()).toEqual(['GET /services/data/v62.0/query', 'PATCH /services/data/v62.0/sobjects/Contact/003000000000001AAA']);
    expect(parseSoql(api.requests[0]!.url.searchParams.get('q')!)).toEqual({
      fields: ['Id'],
      object: 'Contact',
      field: 'Email',
      value: 'ana@example.com',
      tail: 'ORDER BY LastModifiedDate DESC LIMIT 1',
    });
    expect(api.requests[1]!.body).toEqual({ NPS_Score__c: 3, NPS_Category__c: 'detractor', NPS_Comment__c: 'Too slow', NPS_Date__c: '2026-03-01T07:30:00.000Z' });
    expect(state.updates).toEqual([{ id: '003000000000001AAA', body: api.requests[1]!.body }]);
  });

  it('your own field names, and the contact id given: one PATCH', async () => {
    const h = start('salesforce.updateContact', { ...UPDATE, email: '', contactId: '003000000000001AAA', fields: { score: 'Last_NPS__c', date: 'NPS_At__c' } });
    const job = await h.respond();
    expect(job.status).toBe('succeeded');
    expect(calls()).toEqual(['PATCH /services/data/v62.0/sobjects/Contact/003000000000001AAA']);
    expect(api.requests[0]!.body).toEqual({ Last_NPS__c: 3, NPS_Category__c: 'detractor', NPS_Comment__c: 'Too slow', NPS_At__c: '2026-03-01T07:30:00.000Z' });
  });
});

describe('Salesforce failures, classified and recorded on the job', () => {
  const restError = (errorCode: string, message: string) => [{ errorCode, message }];
  const cases: [string, () => void, { status: string; remote: number | null; error: RegExp }][] = [
    ['401', () => api.server.use(salesforceFailing(401, restError('INVALID_SESSION_ID', 'Session expired or invalid'))), { status: 'dead', remote: 401, error: /Salesforce refused the access token \(HTTP 401 INVALID_SESSION_ID: Session expired or invalid\): check SALESFORCE_ACCESS_TOKEN/ }],
    ['400', () => api.server.use(salesforceFailing(400, restError('INVALID_FIELD', "No such column 'Tier__c' on entity 'Account'"))), { status: 'dead', remote: 400, error: /HTTP 400 INVALID_FIELD: No such column/ }],
    ['404', () => api.server.use(salesforceFailing(404, restError('NOT_FOUND', 'The requested resource does not exist'))), { status: 'dead', remote: 404, error: /HTTP 404 NOT_FOUND/ }],
    ['422', () => api.server.use(salesforceFailing(422, restError('FIELD_CUSTOM_VALIDATION_EXCEPTION', 'nope'))), { status: 'dead', remote: 422, error: /HTTP 422/ }],
    ['403 daily API limit', () => api.server.use(salesforceFailing(403, restError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'))), { status: 'queued', remote: 403, error: /REQUEST_LIMIT_EXCEEDED/ }],
    ['429', () => api.server.use(salesforceFailing(429, restError('REQUEST_LIMIT_EXCEEDED', 'slow down'), { 'Retry-After': '90' })), { status: 'queued', remote: 429, error: /HTTP 429/ }],
    ['503 (a GET: jsforce would retry it 5× by itself)', () => api.server.use(salesforceFailing(503, restError('SERVER_UNAVAILABLE', 'down'))), { status: 'queued', remote: 503, error: /HTTP 503/ }],
    ['timeout', () => api.server.use(salesforceHanging), { status: 'queued', remote: null, error: /Salesforce could not be reached/ }],
  ];
  for (const [name, fail, expected] of cases) {
    it(`${name} → ${expected.status}`, async () => {
      const h = start('salesforce.createTask', TASK);
      fail();
      const job = await h.respond();
      expect(job.status).toBe(expected.status);
      expect(job.lastError).toMatch(expected.error);
      expect(job.lastError).not.toContain(SALESFORCE_TOKEN);
      expect((await h.attempts(job)).map((a) => [a.outcome, a.remoteStatus])).toEqual([[expected.status === 'dead' ? 'dead' : 'retry', expected.remote]]);
      // One request per attempt: jsforce's own retries are off.
      expect(api.requests).toHaveLength(1);
      if (name === '429') expect(Date.parse(job.runAt) - T0.getTime()).toBeGreaterThanOrEqual(90_000);
    });
  }
});
