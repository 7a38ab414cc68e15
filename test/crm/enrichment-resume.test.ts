import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { enricherFromEnv } from '../../src/enrichment/enricher-from-env.js';
import { recordingServer } from '../support/http-recorder.js';
import { enrichmentStore } from './support/enrichment-store.js';
import { HUBSPOT, HUBSPOT_ENV, hubspotHandlers, hubspotState } from './support/hubspot-fake.js';

/**
 * A plan's enrichment makes four HubSpot calls (search, associations, company, owner) and fails if
 * any one does. A retry resumes from the steps that already succeeded instead of starting over,
 * so a CRM failing one call in two costs a few retries, not an attempt budget.
 */
const api = recordingServer();
beforeAll(() => api.listen());
afterAll(() => api.close());
let env: ReturnType<typeof enrichmentStore>;
afterEach(async () => {
  api.reset();
  await env?.cleanup();
});

const unavailable = () => HttpResponse.json({ status: 'error', message: 'Service Unavailable', category: 'UNAVAILABLE' }, { status: 503 });
const calls = () => api.requests.map((r) => `${r.method} ${r.url.pathname}`);

describe('HubSpot enrichment retried after a failed step', () => {
  it('each retry repeats only the failed step and what follows it', async () => {
    api.server.use(...hubspotHandlers(hubspotState()));
    env = enrichmentStore();
    const enricher = enricherFromEnv(HUBSPOT_ENV, { store: env.store, log: silentLogger, now: env.now });
    const steps = [
      http.get(`${HUBSPOT}/crm/v4/objects/contacts/:id/associations/companies`, unavailable, { once: true }),
      http.get(`${HUBSPOT}/crm/v3/objects/companies/:id`, unavailable, { once: true }),
      http.get(`${HUBSPOT}/crm/v3/owners/:id`, unavailable, { once: true }),
    ];
    // Three attempts, each failing one step further along.
    for (const failing of steps) {
      api.server.use(failing);
      await expect(enricher.enrich('ana@example.com')).rejects.toMatchObject({ retryable: true, status: 503 });
    }
    const enrichment = await enricher.enrich('ana@example.com');
    expect(enrichment.account).toMatchObject({ id: '9001', name: 'Acme Corp', tier: 'enterprise', owner: { id: '77', name: 'Olivia Owner' } });
    expect(enrichment.contact).toMatchObject({ id: '501', email: 'ana@example.com' });
    expect(calls()).toEqual([
      'POST /crm/v3/objects/contacts/search',
      'GET /crm/v4/objects/contacts/501/associations/companies', // 503
      'GET /crm/v4/objects/contacts/501/associations/companies',
      'GET /crm/v3/objects/companies/9001', // 503
      'GET /crm/v3/objects/companies/9001',
      'GET /crm/v3/owners/77', // 503
      'GET /crm/v3/owners/77',
    ]);
  });
});
