import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hubspot } from '../../connectors/hubspot/index.js';
import { salesforce } from '../../connectors/salesforce/index.js';
import { recordingServer } from '../support/http-recorder.js';
import { HUBSPOT, HUBSPOT_ENV, HUBSPOT_TOKEN, hubspotFailing } from './support/hubspot-fake.js';
import { salesforceHandlers, salesforceState, SALESFORCE_ENV, SALESFORCE_TOKEN } from './support/salesforce-fake.js';
import { expectInPostmanCollection, loadPostmanCollection } from './support/salesforce-postman.js';

const api = recordingServer();
beforeAll(() => api.listen());
afterAll(() => api.close());
afterEach(() => api.reset());

describe('closeloop check --connectors: one harmless call per CRM', () => {
  it('HubSpot: reads one contact; a 401 names HUBSPOT_ACCESS_TOKEN', async () => {
    api.server.use(http.get(`${HUBSPOT}/crm/v3/objects/contacts`, () => HttpResponse.json({ results: [] })));
    const client = hubspot.createClient(HUBSPOT_ENV);
    expect(await hubspot.verify!(client)).toBe('token accepted, can read contacts (crm.objects.contacts.read)');
    const [r] = api.requests;
    expect(`${r!.method} ${r!.url.pathname}${r!.url.search}`).toBe('GET /crm/v3/objects/contacts?limit=1&properties=email');
    expect(r!.headers.get('authorization')).toBe(`Bearer ${HUBSPOT_TOKEN}`);

    api.server.use(hubspotFailing(401));
    const error = await hubspot.verify!(client).catch((e: unknown) => hubspot.classify(e));
    expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/check HUBSPOT_ACCESS_TOKEN/) });
  });

  it('Salesforce: describes Contact (a request of the Postman collection) and names missing NPS fields', async () => {
    api.server.use(...salesforceHandlers(salesforceState()));
    const result = await salesforce.verify!(salesforce.createClient(SALESFORCE_ENV));
    expect(result).toBe('API v62.0, Contact readable; Contact lacks NPS_Category__c, NPS_Comment__c, NPS_Date__c (needed by salesforce.updateContact with default fields)');
    const [r] = api.requests;
    expect(`${r!.method} ${r!.url.pathname}`).toBe('GET /services/data/v62.0/sobjects/Contact/describe');
    expect(r!.headers.get('authorization')).toBe(`Bearer ${SALESFORCE_TOKEN}`);
    expectInPostmanCollection(loadPostmanCollection(), r!);
  });
});
