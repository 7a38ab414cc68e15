import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { enricherFromEnv } from '../../src/enrichment/enricher-from-env.js';
import { DeliveryError } from '../../src/core/delivery-error.js';
import { recordingServer } from '../support/http-recorder.js';
import { enrichmentStore } from './support/enrichment-store.js';
import { HUBSPOT, HUBSPOT_ENV, HUBSPOT_TOKEN, hubspotFailing, hubspotHandlers, hubspotHanging, hubspotState, type HubSpotState } from './support/hubspot-fake.js';

let state: HubSpotState = hubspotState();
const api = recordingServer();
beforeAll(() => api.listen());
afterAll(() => api.close());

let env: ReturnType<typeof enrichmentStore>;
afterEach(async () => {
  api.reset();
  await env?.cleanup();
});

function setup(extraEnv: Record<string, string> = {}, log: Logger = silentLogger) {
  state = hubspotState();
  api.server.use(...hubspotHandlers(state));
  env = enrichmentStore();
  const enricher = enricherFromEnv({ ...HUBSPOT_ENV, ...extraEnv }, { store: env.store, log, now: env.now });
  return enricher;
}

const calls = () => api.requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`);

describe('HubSpot enrichment through @hubspot/api-client', () => {
  it('finds the contact by email, its primary company and the owner, with the default mapping', async () => {
    const enricher = setup({ HUBSPOT_COMPANY_PROPERTIES: 'industry', HUBSPOT_CONTACT_PROPERTIES: 'jobtitle' });
    const result = await enricher.enrich('ana@example.com');

    expect(calls()).toEqual([
      'POST /crm/v3/objects/contacts/search',
      'GET /crm/v4/objects/contacts/501/associations/companies?limit=100',
      'GET /crm/v3/objects/companies/9001?properties=name&properties=domain&properties=lifecyclestage&properties=hubspot_owner_id&properties=plan&properties=tier&properties=annualrevenue&properties=country&properties=industry',
      'GET /crm/v3/owners/77?idProperty=id&archived=false',
    ]);
    for (const r of api.requests) {
      expect(r.url.origin).toBe(HUBSPOT);
      expect(r.headers.get('authorization')).toBe(`Bearer ${HUBSPOT_TOKEN}`);
    }
    expect(api.requests[0]!.body).toEqual({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'ana@example.com' }] }],
      properties: ['email', 'firstname', 'lastname', 'jobtitle'],
      limit: 1,
    });
    expect(result).toEqual({
      contact: { id: '501', email: 'ana@example.com', firstName: 'Ana', lastName: 'Lima', custom: { jobtitle: 'CTO' } },
      account: {
        id: '9001',
        name: 'Acme Corp',
        domain: 'acme.example',
        plan: 'Scale',
        tier: 'enterprise',
        arr: 250000,
        owner: { id: '77', name: 'Olivia Owner', email: 'olivia.owner@acme-vendor.example' },
        region: 'Germany',
        lifecycle: 'customer',
        custom: { industry: 'SOFTWARE' },
        crm: 'hubspot',
      },
    });
  });

  it('maps configured properties: tier, plan, ARR and region from other company properties', async () => {
    const enricher = setup({ HUBSPOT_TIER_PROPERTY: 'industry', HUBSPOT_PLAN_PROPERTY: 'lifecyclestage', HUBSPOT_REGION_PROPERTY: 'domain' });
    const { account } = await enricher.enrich('ana@example.com');
    expect(api.requests[2]!.url.searchParams.getAll('properties')).toEqual(['name', 'domain', 'lifecyclestage', 'hubspot_owner_id', 'industry', 'annualrevenue']);
    expect([account.tier, account.plan, account.region]).toEqual(['SOFTWARE', 'customer', 'acme.example']);
  });

  it('an unknown respondent gets an empty account after one search; no email makes no call', async () => {
    const enricher = setup();
    const unknown = await enricher.enrich('nobody@example.com');
    expect(calls()).toEqual(['POST /crm/v3/objects/contacts/search']);
    expect(unknown.account).toMatchObject({ id: null, name: null, tier: null, owner: { id: null, name: null, email: null }, crm: null });
    expect(unknown.contact.id).toBeNull();
    api.requests.length = 0;
    expect((await enricher.enrich(null)).account.id).toBeNull();
    expect(api.requests).toHaveLength(0);
  });

  it('a second response from the same email within the TTL makes no HubSpot call; after the TTL it asks again', async () => {
    const enricher = setup({ CLOSELOOP_ENRICHMENT_TTL: '2h' });
    const first = await enricher.enrich('ana@example.com');
    expect(api.requests).toHaveLength(4);

    env.advance(60 * 60_000); // 1 h later: cached
    state.companies['9001']!.tier = 'business';
    expect(await enricher.enrich('ANA@example.com ')).toEqual(first);
    expect(api.requests).toHaveLength(4);

    env.advance(61 * 60_000); // 2 h 1 min after the lookup: expired
    const fresh = await enricher.enrich('ana@example.com');
    expect(fresh.account.tier).toBe('business');
    expect(calls().slice(4)).toEqual([
      'POST /crm/v3/objects/contacts/search',
      'GET /crm/v4/objects/contacts/501/associations/companies?limit=100',
      'GET /crm/v3/objects/companies/9001?properties=name&properties=domain&properties=lifecyclestage&properties=hubspot_owner_id&properties=plan&properties=tier&properties=annualrevenue&properties=country',
      'GET /crm/v3/owners/77?idProperty=id&archived=false',
    ]);
  });

  it('another contact of a cached company costs the search and associations only (company and owner cached)', async () => {
    const enricher = setup();
    state.contacts.push({ id: '502', properties: { email: 'bo@example.com', firstname: 'Bo', lastname: null, jobtitle: null } });
    state.associations['502'] = [{ toObjectId: 9001, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' }] }];
    await enricher.enrich('ana@example.com');
    api.requests.length = 0;
    const bo = await enricher.enrich('bo@example.com');
    expect(calls()).toEqual(['POST /crm/v3/objects/contacts/search', 'GET /crm/v4/objects/contacts/502/associations/companies?limit=100']);
    expect(bo.account.name).toBe('Acme Corp');
    expect(bo.contact).toEqual({ id: '502', email: 'bo@example.com', firstName: 'Bo', lastName: null, custom: {} });
  });

  it('an owner HubSpot no longer has (404) leaves the owner name empty, the rest of the account intact', async () => {
    const enricher = setup();
    delete state.owners['77'];
    const { account } = await enricher.enrich('ana@example.com');
    expect(account.owner).toEqual({ id: '77', name: null, email: null });
    expect(account.tier).toBe('enterprise');
  });

  it('rejects a bad property name at start-up, naming the variable', () => {
    expect(() => setup({ HUBSPOT_TIER_PROPERTY: 'tier; drop' })).toThrow(/HUBSPOT_TIER_PROPERTY must be a HubSpot internal property name/);
  });
});

describe('HubSpot enrichment failures: recipes wait, never run without the account', () => {
  const cases: [string, () => void, { status: number | undefined; retryAfterMs?: number; message: RegExp }][] = [
    ['503', () => api.server.use(hubspotFailing(503)), { status: 503, message: /HubSpot answered HTTP 503/ }],
    ['429 with Retry-After', () => api.server.use(hubspotFailing(429, { 'Retry-After': '7' })), { status: 429, retryAfterMs: 7000, message: /HTTP 429/ }],
    ['a network failure', () => api.server.use(http.all(`${HUBSPOT}/*`, () => HttpResponse.error())), { status: undefined, message: /HubSpot could not be reached/ }],
    ['a timeout', () => api.server.use(hubspotHanging), { status: undefined, message: /did not answer contact search within 200 ms/ }],
  ];
  for (const [name, fail, expected] of cases) {
    it(`${name} → a retryable error, nothing cached`, async () => {
      const enricher = setup({ CLOSELOOP_HTTP_TIMEOUT_MS: '200' });
      api.server.resetHandlers();
      fail();
      const error = await enricher.enrich('ana@example.com').then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DeliveryError);
      const e = error as DeliveryError;
      expect(e.retryable).toBe(true);
      expect(e.status).toBe(expected.status);
      expect(e.retryAfterMs).toBe(expected.retryAfterMs);
      expect(e.message).toMatch(expected.message);
      // Once HubSpot answers again, the lookup runs in full (the failure was not cached).
      // (resetHandlers() with handlers would replace the file's initial ones for every later test)
      api.server.resetHandlers();
      api.server.use(...hubspotHandlers(state));
      expect((await enricher.enrich('ana@example.com')).account.tier).toBe('enterprise');
      expect(calls().slice(-4).map((c) => c.split('?')[0])).toEqual([
        'POST /crm/v3/objects/contacts/search',
        'GET /crm/v4/objects/contacts/501/associations/companies',
        'GET /crm/v3/objects/companies/9001',
        'GET /crm/v3/owners/77',
      ]);
    });
  }

  it('401 → still retryable for the plan job, with a loud error log naming HUBSPOT_ACCESS_TOKEN', async () => {
    const logged: { obj: object; msg?: string }[] = [];
    const log: Logger = { ...silentLogger, error: (obj, msg) => logged.push({ obj, msg }), child: () => log };
    const enricher = setup({}, log);
    api.server.use(hubspotFailing(401));
    const e = (await enricher.enrich('ana@example.com').catch((x: unknown) => x)) as DeliveryError;
    expect(e.retryable).toBe(true);
    expect(e.status).toBe(401);
    expect(e.message).toMatch(/HubSpot refused the token \(HTTP 401\): check HUBSPOT_ACCESS_TOKEN/);
    expect(e.message).not.toContain(HUBSPOT_TOKEN);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.obj).toMatchObject({ crm: 'hubspot', status: 401, fix: 'HUBSPOT_ACCESS_TOKEN (and its scopes)' });
    expect(JSON.stringify(logged)).not.toContain(HUBSPOT_TOKEN);
  });
});
