import { delay, http, HttpResponse } from 'msw';

export const HUBSPOT = 'https://hubspot-proxy.test';
export const HUBSPOT_TOKEN = 'pat-eu1-test-token';
export const HUBSPOT_ENV = { HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN, HUBSPOT_BASE_URL: HUBSPOT };

const at = '2026-01-05T09:00:00.000Z';
const record = (id: string, properties: Record<string, string | null>) => ({ id, properties, createdAt: at, updatedAt: at, archived: false });

/** A tiny HubSpot portal: one contact at one company, its owner, contact properties, tasks. */
export function hubspotState() {
  return {
    contacts: [{ id: '501', properties: { email: 'ana@example.com', firstname: 'Ana', lastname: 'Lima', jobtitle: 'CTO' } as Record<string, string | null> }],
    /** contact id → associated companies (first: unlabeled, second: primary). */
    associations: {
      '501': [
        { toObjectId: 9100, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 279, label: null }] },
        {
          toObjectId: 9001,
          associationTypes: [
            { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
            { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
          ],
        },
      ],
    } as Record<string, unknown[]>,
    companies: {
      '9001': {
        name: 'Acme Corp',
        domain: 'acme.example',
        plan: 'Scale',
        tier: 'enterprise',
        annualrevenue: '250000',
        country: 'Germany',
        lifecyclestage: 'customer',
        hubspot_owner_id: '77',
        industry: 'SOFTWARE',
      },
      '9100': { name: 'Old Employer', domain: 'old.example', hubspot_owner_id: '' },
    } as Record<string, Record<string, string>>,
    owners: { '77': { id: '77', email: 'olivia.owner@acme-vendor.example', firstName: 'Olivia', lastName: 'Owner', userId: 1234 } } as Record<string, object>,
    contactProperties: ['email', 'firstname', 'lastname'] as string[],
    propertyGroups: ['contactinformation'] as string[],
    tasks: [] as { id: string; properties: Record<string, string>; associations: unknown }[],
    patched: [] as { id: string; properties: Record<string, string> }[],
  };
}
export type HubSpotState = ReturnType<typeof hubspotState>;

/** msw handlers answering like HubSpot's CRM v3/v4 APIs, from `state`. */
export function hubspotHandlers(state: HubSpotState) {
  return [
    http.post(`${HUBSPOT}/crm/v3/objects/contacts/search`, async ({ request }) => {
      const body = (await request.json()) as { filterGroups: { filters: { propertyName: string; value: string }[] }[] };
      const email = body.filterGroups[0]!.filters[0]!.value;
      const found = state.contacts.filter((c) => c.properties.email === email).map((c) => record(c.id, c.properties));
      return HttpResponse.json({ total: found.length, results: found });
    }),
    http.get(`${HUBSPOT}/crm/v4/objects/contacts/:id/associations/companies`, ({ params }) =>
      HttpResponse.json({ results: state.associations[params.id as string] ?? [] }),
    ),
    http.get(`${HUBSPOT}/crm/v3/objects/companies/:id`, ({ params, request }) => {
      const company = state.companies[params.id as string];
      if (!company) return HttpResponse.json({ status: 'error', message: 'Object not found', category: 'OBJECT_NOT_FOUND' }, { status: 404 });
      // The SDK sends `properties` repeated (`?properties=name&properties=domain`); HubSpot also takes a comma list.
      const wanted = new URL(request.url).searchParams.getAll('properties').flatMap((p) => p.split(','));
      return HttpResponse.json(record(params.id as string, Object.fromEntries(wanted.filter((p) => p in company).map((p) => [p, company[p]!]))));
    }),
    http.get(`${HUBSPOT}/crm/v3/owners/:id`, ({ params }) => {
      const owner = state.owners[params.id as string];
      if (!owner) return HttpResponse.json({ status: 'error', message: 'owner not found', category: 'OBJECT_NOT_FOUND' }, { status: 404 });
      return HttpResponse.json({ ...owner, createdAt: at, updatedAt: at, archived: false });
    }),
    http.get(`${HUBSPOT}/crm/v3/properties/contacts`, () =>
      HttpResponse.json({
        results: state.contactProperties.map((name) => ({ name, label: name, type: 'string', fieldType: 'text', groupName: 'contactinformation', description: '', options: [] })),
      }),
    ),
    http.get(`${HUBSPOT}/crm/v3/properties/contacts/groups`, () =>
      HttpResponse.json({ results: state.propertyGroups.map((name) => ({ name, label: name, displayOrder: 0, archived: false })) }),
    ),
    http.post(`${HUBSPOT}/crm/v3/properties/contacts/groups`, async ({ request }) => {
      const group = (await request.json()) as { name: string; label: string };
      state.propertyGroups.push(group.name);
      return HttpResponse.json({ ...group, displayOrder: -1, archived: false }, { status: 201 });
    }),
    http.post(`${HUBSPOT}/crm/v3/properties/contacts/batch/create`, async ({ request }) => {
      const { inputs } = (await request.json()) as { inputs: { name: string; label: string; type: string; fieldType: string; groupName: string }[] };
      state.contactProperties.push(...inputs.map((p) => p.name));
      return HttpResponse.json({ status: 'COMPLETE', results: inputs.map((p) => ({ ...p, description: '', options: [] })), startedAt: at, completedAt: at }, { status: 201 });
    }),
    http.patch(`${HUBSPOT}/crm/v3/objects/contacts/:id`, async ({ params, request }) => {
      const { properties } = (await request.json()) as { properties: Record<string, string> };
      const contact = state.contacts.find((c) => c.id === params.id);
      if (!contact) return HttpResponse.json({ status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' }, { status: 404 });
      Object.assign(contact.properties, properties);
      state.patched.push({ id: contact.id, properties });
      return HttpResponse.json(record(contact.id, contact.properties));
    }),
    http.post(`${HUBSPOT}/crm/v3/objects/tasks/search`, async ({ request }) => {
      const body = (await request.json()) as { filterGroups: { filters: { propertyName: string; value: string }[] }[] };
      const { propertyName, value } = body.filterGroups[0]!.filters[0]!;
      const found = state.tasks.filter((t) => t.properties[propertyName] === value).map((t) => record(t.id, { hs_task_subject: t.properties.hs_task_subject! }));
      return HttpResponse.json({ total: found.length, results: found });
    }),
    http.post(`${HUBSPOT}/crm/v3/objects/tasks`, async ({ request }) => {
      const { properties, associations } = (await request.json()) as { properties: Record<string, string>; associations: unknown };
      const task = { id: String(7000 + state.tasks.length + 1), properties, associations };
      state.tasks.push(task);
      return HttpResponse.json(record(task.id, properties), { status: 201 });
    }),
  ];
}

/** Every HubSpot route answering the same failure (for outage and classification tests). */
export function hubspotFailing(status: number, headers: Record<string, string> = {}) {
  return http.all(`${HUBSPOT}/*`, () =>
    HttpResponse.json({ status: 'error', message: `failure ${status}`, category: status === 401 ? 'INVALID_AUTHENTICATION' : 'ERROR', correlationId: 'c-1' }, { status, headers }),
  );
}

/** Every HubSpot route hanging (for timeouts). */
export const hubspotHanging = http.all(`${HUBSPOT}/*`, async () => {
  await delay('infinite');
  return HttpResponse.json({});
});
