import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { soqlString } from '../../connectors/salesforce/soql.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { enricherFromEnv } from '../../src/enrichment/enricher-from-env.js';
import { DeliveryError } from '../../src/core/delivery-error.js';
import { recordingServer } from '../support/http-recorder.js';
import { enrichmentStore } from './support/enrichment-store.js';
import { salesforceHandlers, salesforceState, SALESFORCE, SALESFORCE_ENV, SALESFORCE_TOKEN, parseSoql, unescapeSoqlLiteral, type SalesforceState } from './support/salesforce-fake.js';
import { expectInPostmanCollection, loadPostmanCollection } from './support/salesforce-postman.js';

const postman = loadPostmanCollection();
let state: SalesforceState = salesforceState();
const api = recordingServer();
beforeAll(() => api.listen());
afterAll(() => api.close());

let env: ReturnType<typeof enrichmentStore>;
afterEach(async () => {
  // Every REST call any test made is a request of Salesforce's official Postman collection
  // (checked after the clean-up, so that a failed check cannot leave state to the next test).
  const requests = api.requests.filter((r) => r.url.pathname.startsWith('/services/data/'));
  api.reset();
  await env?.cleanup();
  for (const r of requests) expectInPostmanCollection(postman, r);
});

function setup(extraEnv: Record<string, string> = {}, log: Logger = silentLogger) {
  state = salesforceState();
  api.server.use(...salesforceHandlers(state, `${SALESFORCE}/services/data/v${extraEnv.SALESFORCE_API_VERSION ?? '62.0'}`));
  env = enrichmentStore();
  return enricherFromEnv({ ...SALESFORCE_ENV, ...extraEnv }, { store: env.store, log, now: env.now });
}

const CONTACT_FIELDS =
  'Id, Email, FirstName, LastName, AccountId, Account.Id, Account.Name, Account.Website, Account.Type, Account.OwnerId, Account.Owner.Name, Account.Owner.Email, Account.AnnualRevenue, Account.BillingCountry';

describe('Salesforce enrichment through jsforce', () => {
  it('one SOQL query for the Contact, its Account and owner, on API v62.0 with the bearer token', async () => {
    const enricher = setup();
    const result = await enricher.enrich('ana@example.com');

    expect(api.requests).toHaveLength(1);
    const [r] = api.requests;
    expect(r!.method).toBe('GET');
    expect(r!.url.origin + r!.url.pathname).toBe(`${SALESFORCE}/services/data/v62.0/query`);
    expect([...r!.url.searchParams.keys()]).toEqual(['q']);
    expect(r!.url.searchParams.get('q')).toBe(`SELECT ${CONTACT_FIELDS} FROM Contact WHERE Email = 'ana@example.com' ORDER BY LastModifiedDate DESC LIMIT 1`);
    expect(r!.headers.get('authorization')).toBe(`Bearer ${SALESFORCE_TOKEN}`);
    expect(result).toEqual({
      contact: { id: '003000000000001AAA', email: 'ana@example.com', firstName: 'Ana', lastName: 'Lima', custom: {} },
      account: {
        id: '001000000000001AAA',
        name: 'Acme Corp',
        domain: 'acme.example',
        plan: null,
        tier: null,
        arr: 250000,
        owner: { id: '005000000000001AAA', name: 'Olivia Owner', email: 'olivia.owner@acme-vendor.example' },
        region: 'Germany',
        lifecycle: 'Customer - Direct',
        custom: {},
        crm: 'salesforce',
      },
    });
  });

  it('configured fields: tier and plan from custom Account fields, extras in custom, another API version', async () => {
    const enricher = setup({
      SALESFORCE_API_VERSION: '60.0',
      SALESFORCE_TIER_FIELD: 'Tier__c',
      SALESFORCE_PLAN_FIELD: 'Plan__c',
      SALESFORCE_ACCOUNT_FIELDS: 'Industry',
      SALESFORCE_CONTACT_FIELDS: 'Title',
    });
    const { account, contact } = await enricher.enrich('ana@example.com');
    const r = api.requests[0]!;
    expect(r.url.pathname).toBe('/services/data/v60.0/query');
    expect(parseSoql(r.url.searchParams.get('q')!).fields).toEqual([
      'Id', 'Email', 'FirstName', 'LastName', 'AccountId', 'Title',
      'Account.Id', 'Account.Name', 'Account.Website', 'Account.Type', 'Account.OwnerId', 'Account.Owner.Name', 'Account.Owner.Email',
      'Account.AnnualRevenue', 'Account.BillingCountry', 'Account.Plan__c', 'Account.Tier__c', 'Account.Industry',
    ]);
    expect([account.tier, account.plan, account.custom, contact.custom]).toEqual(['enterprise', 'Scale', { Industry: 'Software' }, { Title: 'CTO' }]);
  });

  it('an email that tries to break out of the SOQL string stays one literal (jsforce 3.10.16 would let it out)', async () => {
    const enricher = setup();
    const hostile = "x\\' OR Email != '";
    state.contacts.push({ ...state.contacts[0]!, Id: '003000000000002AAA', Email: hostile });
    const { contact } = await enricher.enrich(hostile);
    const q = api.requests[0]!.url.searchParams.get('q')!;
    expect(q).toContain(`WHERE Email = 'x\\\\\\' OR Email != \\'' ORDER BY`);
    expect(parseSoql(q).value).toBe(hostile);
    expect(contact.id).toBe('003000000000002AAA');
  });

  it('an unknown respondent: empty account; cached like a known one until the TTL', async () => {
    const enricher = setup({ CLOSELOOP_ENRICHMENT_TTL: '30m' });
    expect((await enricher.enrich('nobody@example.com')).account.id).toBeNull();
    expect((await enricher.enrich('nobody@example.com')).account.id).toBeNull();
    expect(api.requests).toHaveLength(1);
    env.advance(31 * 60_000);
    await enricher.enrich('nobody@example.com');
    expect(api.requests).toHaveLength(2);
  });

  it('OAuth client credentials: a token from SALESFORCE_LOGIN_URL first, a new one once when Salesforce answers 401', async () => {
    const enricher = setup({ SALESFORCE_ACCESS_TOKEN: '', SALESFORCE_CLIENT_ID: 'cc-client-id', SALESFORCE_CLIENT_SECRET: 'cc-client-secret' });
    await enricher.enrich('ana@example.com');
    expect(api.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['POST /services/oauth2/token', 'GET /services/data/v62.0/query']);
    const token = api.requests[0]!;
    expect(token.url.origin).toBe(SALESFORCE);
    expect(token.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(token.body).toEqual({ grant_type: 'client_credentials', client_id: 'cc-client-id', client_secret: 'cc-client-secret' });
    expect(api.requests[1]!.headers.get('authorization')).toBe('Bearer cc-token-1');

    state.validTokens.delete('cc-token-1'); // the session expired
    await enricher.enrich('bo@example.com');
    expect(api.requests.slice(2).map((r) => `${r.method} ${r.url.pathname} ${r.headers.get('authorization') ?? ''}`.trim())).toEqual([
      'GET /services/data/v62.0/query Bearer cc-token-1',
      'POST /services/oauth2/token',
      'GET /services/data/v62.0/query Bearer cc-token-2',
    ]);
  });

  it('wrong client credentials: the plan keeps retrying, the log names SALESFORCE_CLIENT_ID/SECRET', async () => {
    const logged: object[] = [];
    const log: Logger = { ...silentLogger, error: (obj) => logged.push(obj), child: () => log };
    const enricher = setup({ SALESFORCE_ACCESS_TOKEN: '', SALESFORCE_CLIENT_ID: 'cc-client-id', SALESFORCE_CLIENT_SECRET: 'wrong' }, log);
    const e = (await enricher.enrich('ana@example.com').catch((x: unknown) => x)) as DeliveryError;
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e.retryable).toBe(true);
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/refused the client credentials \(HTTP 400 invalid_client: invalid client credentials\): check SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET/);
    expect(e.message).not.toContain('wrong');
    expect(logged).toHaveLength(1);
  });

  it('bad settings stop the hub at start-up, naming the variable', () => {
    expect(() => setup({ SALESFORCE_TIER_FIELD: "Tier__c FROM User WHERE Name = 'x'" })).toThrow(/SALESFORCE_TIER_FIELD must be a Salesforce field API name/);
    expect(() => setup({ SALESFORCE_API_VERSION: '62' })).toThrow(/SALESFORCE_API_VERSION must be an API version such as 62.0/);
  });
});

describe('soqlString', () => {
  it('any string comes back exactly from its literal, and never ends it early', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const literal = soqlString(s);
        expect(unescapeSoqlLiteral(literal)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
});
