import { delay, http, HttpResponse } from 'msw';

export const SALESFORCE = 'https://acme.my.salesforce.test';
export const SALESFORCE_TOKEN = '00Dxx0000001gPL!AQ4AQFakeToken';
export const SALESFORCE_ENV = { SALESFORCE_INSTANCE_URL: SALESFORCE, SALESFORCE_ACCESS_TOKEN: SALESFORCE_TOKEN };
export const API = `${SALESFORCE}/services/data/v62.0`;

/** Read a SOQL string literal back, the way Salesforce does (escape sequences per its SOQL reference). */
export function unescapeSoqlLiteral(literal: string): string {
  const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };
  if (!literal.startsWith("'") || !literal.endsWith("'")) throw new Error(`not a literal: ${literal}`);
  const body = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'") throw new Error(`unescaped quote in ${literal}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body[++i];
    if (next === undefined || !(next in map)) throw new Error(`bad escape in ${literal}`);
    out += map[next];
  }
  return out;
}

/** `SELECT a, b FROM Contact WHERE Email = '…' ORDER BY … LIMIT 1`, split as a test reads it. */
export function parseSoql(q: string) {
  const m = /^SELECT (.+) FROM (\w+) WHERE (\w+) = ('(?:[^'\\]|\\.)*')( .*)?$/s.exec(q);
  if (!m) throw new Error(`unexpected SOQL: ${q}`);
  return { fields: m[1]!.split(', '), object: m[2]!, field: m[3]!, value: unescapeSoqlLiteral(m[4]!), tail: (m[5] ?? '').trim() };
}

const attributes = (type: string, id: string) => ({ type, url: `/services/data/v62.0/sobjects/${type}/${id}` });

/** A tiny org: one Contact at one Account with its owner, Tasks, Contact updates. */
export function salesforceState() {
  return {
    contacts: [
      {
        Id: '003000000000001AAA',
        Email: 'ana@example.com',
        FirstName: 'Ana',
        LastName: 'Lima',
        Title: 'CTO',
        AccountId: '001000000000001AAA',
      },
    ] as Record<string, unknown>[],
    accounts: {
      '001000000000001AAA': {
        Id: '001000000000001AAA',
        Name: 'Acme Corp',
        Website: 'https://www.acme.example/',
        Type: 'Customer - Direct',
        AnnualRevenue: 250000,
        BillingCountry: 'Germany',
        Tier__c: 'enterprise',
        Plan__c: 'Scale',
        Industry: 'Software',
        OwnerId: '005000000000001AAA',
        Owner: { attributes: attributes('User', '005000000000001AAA'), Name: 'Olivia Owner', Email: 'olivia.owner@acme-vendor.example' },
      },
    } as Record<string, Record<string, unknown>>,
    tasks: [] as Record<string, unknown>[],
    updates: [] as { id: string; body: Record<string, unknown> }[],
    issuedTokens: [] as string[],
    /** Access tokens the org accepts. */
    validTokens: new Set([SALESFORCE_TOKEN]),
  };
}
export type SalesforceState = ReturnType<typeof salesforceState>;

const unauthorized = () => HttpResponse.json([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }], { status: 401 });

/** Keep the queried fields, nesting relationship paths (`Account.Owner.Name`) like the REST API does. */
function project(type: string, record: Record<string, unknown>, fields: string[], state: SalesforceState): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributes(type, String(record.Id)) };
  for (const f of fields) {
    const parts = f.split('.');
    let source: Record<string, unknown> | undefined = record;
    let target = out;
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1) {
        target[part] = source?.[part] ?? null;
        break;
      }
      // Relationship: Account (through AccountId) or a nested object such as Owner.
      const related: Record<string, unknown> | undefined =
        part === 'Account' ? state.accounts[String(source?.AccountId)] : (source?.[part] as Record<string, unknown> | undefined);
      if (!related) {
        target[part] = null;
        break;
      }
      const relatedType = part === 'Account' ? 'Account' : 'User';
      target[part] ??= { attributes: attributes(relatedType, String(related.Id ?? related.OwnerId ?? '')) };
      target = target[part] as Record<string, unknown>;
      source = related;
    }
  }
  return out;
}

export function salesforceHandlers(state: SalesforceState, api = API) {
  const authorized = (request: Request) => state.validTokens.has((request.headers.get('authorization') ?? '').replace(/^Bearer /, ''));
  return [
    http.get(`${api}/query`, ({ request }) => {
      if (!authorized(request)) return unauthorized();
      const soql = parseSoql(new URL(request.url).searchParams.get('q')!);
      let records: Record<string, unknown>[] = [];
      if (soql.object === 'Contact') records = state.contacts.filter((c) => c[soql.field] === soql.value).map((c) => project('Contact', c, soql.fields, state));
      if (soql.object === 'Account') records = Object.values(state.accounts).filter((a) => a[soql.field] === soql.value).map((a) => project('Account', a, soql.fields, state));
      if (soql.object === 'Task') records = state.tasks.filter((t) => t[soql.field] === soql.value).map((t) => project('Task', t, soql.fields, state));
      return HttpResponse.json({ totalSize: records.length, done: true, records });
    }),
    http.post(`${api}/sobjects/Task`, async ({ request }) => {
      if (!authorized(request)) return unauthorized();
      const body = (await request.json()) as Record<string, unknown>;
      const id = `00T0000000000${String(state.tasks.length + 1).padStart(2, '0')}AAA`;
      state.tasks.push({ Id: id, ...body });
      return HttpResponse.json({ id, success: true, errors: [] }, { status: 201 });
    }),
    http.patch(`${api}/sobjects/Contact/:id`, async ({ request, params }) => {
      if (!authorized(request)) return unauthorized();
      const contact = state.contacts.find((c) => c.Id === params.id);
      if (!contact) return HttpResponse.json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }], { status: 404 });
      const body = (await request.json()) as Record<string, unknown>;
      Object.assign(contact, body);
      state.updates.push({ id: String(params.id), body });
      return new HttpResponse(null, { status: 204 });
    }),
    http.get(`${api}/sobjects/Contact/describe`, ({ request }) => {
      if (!authorized(request)) return unauthorized();
      return HttpResponse.json({ name: 'Contact', fields: ['Id', 'Email', 'NPS_Score__c'].map((name) => ({ name })) });
    }),
    http.post(`${SALESFORCE}/services/oauth2/token`, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      if (form.get('client_id') !== 'cc-client-id' || form.get('client_secret') !== 'cc-client-secret') {
        return HttpResponse.json({ error: 'invalid_client', error_description: 'invalid client credentials' }, { status: 400 });
      }
      const token = `cc-token-${state.issuedTokens.length + 1}`;
      state.issuedTokens.push(token);
      state.validTokens.add(token);
      return HttpResponse.json({ access_token: token, instance_url: SALESFORCE, id: `${SALESFORCE}/id/00D000000000001/005000000000009`, token_type: 'Bearer', issued_at: '1767225600000', signature: 'x' });
    }),
  ];
}

/** Every Salesforce REST route answering one failure. */
export function salesforceFailing(status: number, body: object, headers: Record<string, string> = {}) {
  return http.all(`${SALESFORCE}/services/data/*`, () => HttpResponse.json(body, { status, headers }));
}

export const salesforceHanging = http.all(`${SALESFORCE}/services/data/*`, async () => {
  await delay('infinite');
  return HttpResponse.json({});
});
