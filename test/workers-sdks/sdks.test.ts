import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hubspot } from '../../connectors/hubspot/index.js';
import { salesforce } from '../../connectors/salesforce/index.js';
import { slack } from '../../connectors/slack/index.js';
import { jobMarker } from '../../src/core/job-marker.js';
import type { ConnectorDefinition } from '../../connectors/connector.js';
import { recordingServer } from '../workers/support.js';
import { actionJob, ctx } from './support.js';

// Each connector's real SDK call, run inside workerd (nodejs_compat) against msw fakes.
const api = recordingServer();
beforeAll(() => api.listen());
afterEach(() => api.reset());
afterAll(() => api.close());

const run = async (connector: ConnectorDefinition, name: string, env: Record<string, string>, raw: Record<string, unknown>) => {
  const action = connector.actions.find((a) => a.name === name)!;
  const params = action.params.parse(raw);
  const job = actionJob(`${connector.name}.${name}`, params);
  return { job, result: await action.run(connector.createClient(env), params, ctx(job)) };
};

describe('@slack/web-api in workerd (fetch option: redirect "manual", unbound fetch)', () => {
  const SLACK = 'https://slack.test/api';
  const ENV = { SLACK_BOT_TOKEN: 'xoxb-workers', SLACK_API_URL: `${SLACK}/` };

  it('slack.postMessage sends the Block Kit form with the bearer token', async () => {
    api.server.use(http.post(`${SLACK}/chat.postMessage`, () => HttpResponse.json({ ok: true, channel: 'C0NPS0001', ts: '1772445600.000100' })));
    const { result } = await run(slack, 'postMessage', ENV, { channel: 'C0NPS0001', text: 'Detractor 3/10', quote: 'Too slow' });
    expect(result).toMatchObject({ remoteId: '1772445600.000100' });
    const sent = await api.take();
    expect(sent).toHaveLength(1);
    const [req] = sent;
    expect(`${req!.method} ${req!.url.href}`).toBe(`POST ${SLACK}/chat.postMessage`);
    expect(req!.headers.get('authorization')).toBe('Bearer xoxb-workers');
    const body = req!.body as Record<string, string>;
    expect(body.channel).toBe('C0NPS0001');
    expect(body.text).toBe('Detractor 3/10');
    expect(JSON.parse(body.blocks!)).toEqual([
      { type: 'section', text: { type: 'plain_text', text: 'Detractor 3/10' } },
      { type: 'rich_text', elements: [{ type: 'rich_text_quote', elements: [{ type: 'text', text: 'Too slow' }] }] },
      // The Slack app's buttons (docs/slack-app.md), each carrying the response id.
      {
        type: 'actions',
        block_id: 'closeloop_actions',
        elements: [
          { type: 'button', action_id: 'closeloop_open_ticket', text: { type: 'plain_text', text: 'Open ticket' }, value: 'resp-1' },
          { type: 'button', action_id: 'closeloop_follow_up', text: { type: 'plain_text', text: "I'll follow up" }, value: 'resp-1', style: 'primary' },
          { type: 'button', action_id: 'closeloop_loop_closed', text: { type: 'plain_text', text: 'Loop closed' }, value: 'resp-1' },
          { type: 'button', action_id: 'closeloop_themes', text: { type: 'plain_text', text: 'Theme…' }, value: 'resp-1' },
        ],
      },
    ]);
    expect(JSON.parse(body.metadata!)).toEqual({ event_type: 'closeloop_job', event_payload: { key: 'resp-1:recipe:act' } });
  });

  it('a redirect is not followed: it fails as an HTTP error (permanent), not as an unreachable Slack', async () => {
    api.server.use(http.post(`${SLACK}/chat.postMessage`, () => new HttpResponse(null, { status: 302, headers: { location: 'https://elsewhere.test/' } })));
    const error = await run(slack, 'postMessage', ENV, { channel: 'C0NPS0001', text: 'hi' }).catch((e: unknown) => slack.classify(e));
    expect(error).toMatchObject({ message: 'Slack answered HTTP 302', retryable: false, status: 302 });
    const sent = await api.take();
    expect(sent.map((r) => r.url.host)).toEqual(['slack.test']);
  });
});

describe('jsforce in workerd (its fetch-based transport)', () => {
  const SF = 'https://acme.my.salesforce.test';
  const API = `${SF}/services/data/v62.0`;
  const ENV = { SALESFORCE_INSTANCE_URL: SF, SALESFORCE_ACCESS_TOKEN: '00Dxx!workers' };

  it('salesforce.createTask looks its marker up by SOQL, then creates the Task', async () => {
    api.server.use(
      http.get(`${API}/query`, () => HttpResponse.json({ totalSize: 0, done: true, records: [] })),
      http.post(`${API}/sobjects/Task`, () => HttpResponse.json({ id: '00T000000000001AAA', success: true, errors: [] }, { status: 201 })),
    );
    const { job, result } = await run(salesforce, 'createTask', ENV, { subject: 'Call back', contactId: '003000000000001AAA', dueInDays: 2 });
    expect(result).toEqual({ remoteId: '00T000000000001AAA', taskId: '00T000000000001AAA', existing: false });
    const marker = await jobMarker(job.key);
    const sent = await api.take();
    const [query, create] = sent;
    expect(sent).toHaveLength(2);
    expect(`${query!.method} ${query!.url.pathname}`).toBe('GET /services/data/v62.0/query');
    expect(query!.url.searchParams.get('q')).toBe(`SELECT Id FROM Task WHERE Subject = 'Call back ${marker}' LIMIT 1`);
    expect(`${create!.method} ${create!.url.pathname}`).toBe('POST /services/data/v62.0/sobjects/Task');
    expect(create!.body).toEqual({
      Subject: `Call back ${marker}`,
      Description: `closeloop job ${job.key}`,
      Priority: 'High',
      Status: 'Not Started',
      ActivityDate: '2026-03-04',
      WhoId: '003000000000001AAA',
    });
    for (const r of sent) expect(r.headers.get('authorization')).toBe('Bearer 00Dxx!workers');
  });

  it('a 429 comes back with its status and Retry-After (once: jsforce retries are off)', async () => {
    api.server.use(http.get(`${API}/query`, () => HttpResponse.json([{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }], { status: 429, headers: { 'retry-after': '7' } })));
    const error = await run(salesforce, 'createTask', ENV, { subject: 'Call back' }).catch((e: unknown) => salesforce.classify(e));
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    const sent = await api.take();
    expect(sent).toHaveLength(1);
  });
});

describe('@hubspot/api-client in workerd (only the generated CRM modules used)', () => {
  const HS = 'https://hubspot.test';
  const ENV = { HUBSPOT_ACCESS_TOKEN: 'pat-workers', HUBSPOT_BASE_URL: HS };

  it('hubspot.createTask searches for its marker, then creates the task associated with the contact', async () => {
    api.server.use(
      http.post(`${HS}/crm/v3/objects/tasks/search`, () => HttpResponse.json({ total: 0, results: [] })),
      http.post(`${HS}/crm/v3/objects/tasks`, () =>
        HttpResponse.json({ id: '9001', properties: {}, createdAt: '2026-03-02T10:00:00.000Z', updatedAt: '2026-03-02T10:00:00.000Z', archived: false }, { status: 201 }),
      ),
    );
    const { job, result } = await run(hubspot, 'createTask', ENV, { subject: 'Call back', contactId: '501' });
    expect(result).toEqual({ remoteId: '9001', taskId: '9001', existing: false });
    const marker = await jobMarker(job.key);
    const sent = await api.take();
    const [search, create] = sent;
    expect(sent.map((r) => `${r.method} ${r.url.href}`)).toEqual([`POST ${HS}/crm/v3/objects/tasks/search`, `POST ${HS}/crm/v3/objects/tasks`]);
    expect(search!.body).toEqual({
      filterGroups: [{ filters: [{ propertyName: 'hs_task_subject', operator: 'EQ', value: `Call back ${marker}` }] }],
      properties: ['hs_task_subject'],
      limit: 1,
    });
    expect(create!.body).toEqual({
      properties: {
        hs_task_subject: `Call back ${marker}`,
        hs_task_body: `closeloop job ${job.key}`,
        hs_task_status: 'NOT_STARTED',
        hs_task_priority: 'HIGH',
        hs_timestamp: '2026-03-03T10:00:00.000Z',
      },
      associations: [{ to: { id: '501' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 }] }],
    });
    for (const r of sent) {
      expect(r.headers.get('authorization')).toBe('Bearer pat-workers');
      expect(r.headers.get('content-type')).toBe('application/json');
    }
  });

  it('a 429 is classified retryable with its Retry-After', async () => {
    api.server.use(http.post(`${HS}/crm/v3/objects/tasks/search`, () => HttpResponse.json({ status: 'error', message: 'Too many', category: 'RATE_LIMITS' }, { status: 429, headers: { 'retry-after': '3' } })));
    const error = await run(hubspot, 'createTask', ENV, { subject: 'Call back' }).catch((e: unknown) => hubspot.classify(e));
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 3000 });
  });
});
