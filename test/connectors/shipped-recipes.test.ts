import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordingServer, type RecordedRequest } from '../support/http-recorder.js';
import { makeTestHub } from '../support/hub.js';
import { expectRequestMatchesSpec, loadSpec } from '../support/openapi.js';
import { HUBSPOT_ENV, hubspotHandlers, hubspotState } from '../crm/support/hubspot-fake.js';
import { SPECS } from '../support/shared.js';

/**
 * The three shipped recipes, live against fake Zendesk, Intercom and Slack (msw behind the real
 * SDKs), on Delighted's promoter, passive and detractor fixtures posted signed through the real
 * Delighted adapter: first with no CRM (recipes see an empty account), then with HubSpot
 * enrichment on (the detractor's ticket carries the account's tier and owner).
 */
const PAYLOADS = `${SPECS}/payloads/delighted`;
/** The action jobs the shipped recipes plan for the delighted payloads of the first test, all delivered. */
const ACTIONS_OF_THE_SHIPPED_RECIPES = [
  'intercom.trackEvent succeeded',
  'slack.postMessage succeeded',
  'slack.postMessage succeeded',
  'slack.postMessage succeeded',
  'slack.postMessage succeeded',
  'zendesk.createTicket succeeded',
];
const SECRET = 'dev_secret_123';
const ENV = {
  DELIGHTED_WEBHOOK_SECRET: SECRET,
  ZENDESK_EMAIL: 'agent@example.com',
  ZENDESK_API_TOKEN: 'zd-token-123',
  ZENDESK_BASE_URL: 'https://zendesk-proxy.test',
  INTERCOM_ACCESS_TOKEN: 'ic-token-123',
  INTERCOM_BASE_URL: 'https://intercom-proxy.test',
  SLACK_BOT_TOKEN: 'xoxb-test-123',
  SLACK_API_URL: 'https://slack-proxy.test/api/',
};
const specs = {
  'zendesk-proxy.test': loadSpec(`${SPECS}/zendesk/support-oas.yaml`, { pathSuffix: '.json' }),
  'intercom-proxy.test': loadSpec(`${SPECS}/intercom/2.15/api.intercom.io.yaml`),
  'slack-proxy.test': loadSpec(`${SPECS}/slack/slack_web_openapi_v2.json`, { postForGet: true, headersFromSecurity: ['token'], undocumentedParameters: ['metadata'] }),
};

let ticketId = 900;
let contactSeq = 0;
let ts = 0;
const api = recordingServer(
  http.get('https://zendesk-proxy.test/api/v2/tickets.json', () => HttpResponse.json({ tickets: [], meta: { has_more: false }, links: { next: null } })),
  http.post('https://zendesk-proxy.test/api/v2/tickets.json', () => HttpResponse.json({ ticket: { id: ++ticketId } }, { status: 201 })),
  http.post('https://intercom-proxy.test/contacts/search', () => HttpResponse.json({ type: 'list', data: [], total_count: 0, pages: { type: 'pages', page: 1, per_page: 1, total_pages: 0 } })),
  http.post('https://intercom-proxy.test/contacts', async ({ request }) => HttpResponse.json({ type: 'contact', id: `c${++contactSeq}`, ...((await request.json()) as object) })),
  http.post('https://intercom-proxy.test/events', () => new HttpResponse(null, { status: 202 })),
  http.post('https://slack-proxy.test/api/chat.postMessage', () => HttpResponse.json({ ok: true, channel: 'C0CHANNEL1', ts: `1772445600.00000${++ts}` })),
);
beforeAll(() => api.listen());
afterEach(() => api.reset());
afterAll(() => api.close());

let hub: ReturnType<typeof makeTestHub>;
afterEach(async () => hub?.cleanup());

async function postDelighted(file: string) {
  const bytes = readFileSync(`${PAYLOADS}/${file}.json`);
  const signature = `sha256=${createHmac('sha256', SECRET).update(bytes).digest('hex')}`;
  const res = await hub.app.request('/webhooks/delighted', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-delighted-webhook-signature': signature },
    body: bytes,
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

describe('the shipped recipes, live, on a promoter, a passive and a detractor', () => {
  it('make exactly one Zendesk ticket, one Intercom event and the Slack messages — nothing more', async () => {
    hub = makeTestHub({ env: ENV });
    const ids = {
      promoter: await postDelighted('promoter-with-comment'),
      passive: await postDelighted('passive'),
      detractor: await postDelighted('detractor-long-unicode-comment'),
    };
    await hub.loop.drain();

    // Every request is what the vendor's API description allows.
    for (const r of api.requests) expectRequestMatchesSpec(specs[r.url.host as keyof typeof specs]!, r);
    const calls = (host: string, path: string, method = 'POST') => api.requests.filter((r) => r.url.host === host && r.url.pathname === path && r.method === method);

    // One Zendesk ticket, for the detractor, looked up by its external_id first.
    const tickets = calls('zendesk-proxy.test', '/api/v2/tickets.json');
    expect(tickets).toHaveLength(1);
    const ticket = (tickets[0]!.body as { ticket: Record<string, any> }).ticket;
    expect(ticket.requester).toEqual({ email: 'juergen.weiss@nordhafen-energie.example.com', name: 'Jürgen Weiß-Kowalczyk' });
    expect(ticket.subject).toBe('NPS 2/10 from an unknown account');
    expect(ticket.tags).toEqual(['nps', 'detractor']);
    expect(ticket.priority).toBe('normal');
    expect(ticket.external_id).toBe(`${ids.detractor}:detractor-ticket:ticket`);
    expect(ticket.comment.body).toContain('Leider sehr enttäuscht 😞.');
    expect(ticket.comment.body).toContain('你们需要认真对待这个问题。');
    expect(calls('zendesk-proxy.test', '/api/v2/tickets.json', 'GET').map((r) => r.url.searchParams.get('external_id'))).toEqual([ticket.external_id]);

    // One Intercom event, for the promoter.
    const events = calls('intercom-proxy.test', '/events');
    expect(events).toHaveLength(1);
    expect(events[0]!.body).toMatchObject({ event_name: 'nps-promoter', id: 'c1', metadata: { score: '10', review_link: 'https://www.g2.com/products/your-product/take_survey' } });
    expect(calls('intercom-proxy.test', '/contacts').map((r) => r.body)).toEqual([{ email: 'maya.okonkwo@brightlane.example.com', role: 'user' }]);

    // Slack: one message per verbatim in #nps-feedback, and the detractor alert in #cx-alerts.
    const messages = calls('slack-proxy.test', '/api/chat.postMessage').map((r) => r.body as Record<string, string>);
    expect(messages.map((m) => [m.channel, m.text]).sort()).toEqual(
      [
        ['#cx-alerts', 'Detractor: 2/10 from juergen.weiss@nordhafen-energie.example.com — ticket opened'],
        ['#nps-feedback', '10/10 (promoter) from Maya Okonkwo'],
        ['#nps-feedback', '7/10 (passive) from Tomás Ferreira'],
        ['#nps-feedback', '2/10 (detractor) from Jürgen Weiß-Kowalczyk'],
      ].sort(),
    );
    const detractorQuote = JSON.parse(messages.find((m) => m.text?.startsWith('2/10'))!.blocks!).find((b: { type: string }) => b.type === 'rich_text');
    expect(detractorQuote.elements[0].elements[0].text).toContain('response times > 48 h');

    // Nothing else left the machine, and every live job is done.
    const hosts = (r: RecordedRequest) => `${r.method} ${r.url.host}${r.url.pathname}`;
    expect(api.requests.map(hosts).sort()).toEqual(
      [
        'GET zendesk-proxy.test/api/v2/tickets.json',
        'POST zendesk-proxy.test/api/v2/tickets.json',
        'POST intercom-proxy.test/contacts/search',
        'POST intercom-proxy.test/contacts',
        'POST intercom-proxy.test/events',
        'POST slack-proxy.test/api/chat.postMessage',
        'POST slack-proxy.test/api/chat.postMessage',
        'POST slack-proxy.test/api/chat.postMessage',
        'POST slack-proxy.test/api/chat.postMessage',
      ].sort(),
    );
    // Every action job the shipped recipes planned (they use Zendesk, Intercom and Slack only) succeeded.
    const jobs = (await hub.store.listJobs({ limit: 100 })).filter((j) => j.type === 'action');
    expect(jobs.map((j) => `${j.action} ${j.status}`).sort()).toEqual(ACTIONS_OF_THE_SHIPPED_RECIPES);

    // Running again sends nothing more.
    const before = api.requests.length;
    await hub.loop.drain();
    expect(api.requests.length).toBe(before);
  });

  it('with HubSpot enrichment on, the detractor ticket and alert carry the account tier, ARR and owner', async () => {
    const crm = hubspotState();
    crm.contacts = [{ id: '601', properties: { email: 'juergen.weiss@nordhafen-energie.example.com', firstname: 'Jürgen', lastname: 'Weiß-Kowalczyk', jobtitle: 'COO' } }];
    crm.associations = { '601': [{ toObjectId: 9301, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' }] }] };
    crm.companies = {
      '9301': { name: 'Nordhafen Energie GmbH', domain: 'nordhafen-energie.example.com', plan: 'Premium', tier: 'enterprise', annualrevenue: '480000', country: 'Germany', lifecyclestage: 'customer', hubspot_owner_id: '77' },
    };
    api.server.use(...hubspotHandlers(crm));
    hub = makeTestHub({ env: { ...ENV, ...HUBSPOT_ENV } });
    await postDelighted('promoter-with-comment');
    await postDelighted('passive');
    const detractor = await postDelighted('detractor-long-unicode-comment');
    await hub.loop.drain();

    for (const r of api.requests) if (r.url.host in specs) expectRequestMatchesSpec(specs[r.url.host as keyof typeof specs]!, r);
    const posts = (host: string, path: string) => api.requests.filter((r) => r.method === 'POST' && r.url.host === host && r.url.pathname === path);
    const tickets = posts('zendesk-proxy.test', '/api/v2/tickets.json');
    expect(tickets).toHaveLength(1);
    const ticket = (tickets[0]!.body as { ticket: Record<string, any> }).ticket;
    expect(ticket.external_id).toBe(`${detractor}:detractor-ticket:ticket`);
    expect(ticket.subject).toBe('NPS 2/10 from Nordhafen Energie GmbH');
    expect(ticket.priority).toBe('urgent'); // enterprise tier
    expect(ticket.comment.body).toContain('Account: Nordhafen Energie GmbH (nordhafen-energie.example.com)');
    expect(ticket.comment.body).toContain('Plan / tier: Premium / enterprise');
    expect(ticket.comment.body).toContain('ARR: 480000');
    expect(ticket.comment.body).toContain('Owner: Olivia Owner <olivia.owner@acme-vendor.example>');

    expect(posts('intercom-proxy.test', '/events')).toHaveLength(1);
    const messages = posts('slack-proxy.test', '/api/chat.postMessage').map((r) => r.body as Record<string, string>);
    expect(messages).toHaveLength(4);
    const alert = messages.find((m) => m.channel === '#cx-alerts')!;
    expect(alert.text).toBe('Detractor: 2/10 from Nordhafen Energie GmbH — ticket opened');
    expect(JSON.parse(alert.blocks!)[1].fields).toEqual([
      { type: 'plain_text', text: 'Account\nNordhafen Energie GmbH' },
      { type: 'plain_text', text: 'Plan\nPremium' },
      { type: 'plain_text', text: 'ARR\n480000' },
      { type: 'plain_text', text: 'Owner\nOlivia Owner' },
    ]);
    // HubSpot is only read (enrichment): no write-back action is in the shipped recipes.
    expect(api.requests.filter((r) => r.url.host === 'hubspot-proxy.test' && r.method !== 'GET' && !r.url.pathname.endsWith('/search'))).toEqual([]);
  });
});
