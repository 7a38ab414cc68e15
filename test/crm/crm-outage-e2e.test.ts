import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestHub, postWebhook } from '../support/hub.js';
import { recordingServer } from '../support/http-recorder.js';
import { HUBSPOT_ENV, hubspotFailing, hubspotHandlers, hubspotState } from './support/hubspot-fake.js';

const api = recordingServer();
beforeAll(() => api.listen());
afterAll(() => api.close());
let hub: ReturnType<typeof makeTestHub> | undefined;
afterEach(async () => {
  api.reset();
  await hub?.cleanup();
});

/** Shipped recipes, HubSpot enrichment on, Zendesk/Slack/Intercom in sandbox, a clock the test moves. */
function start() {
  const clock = { now: new Date('2026-03-02T10:00:00.000Z') };
  hub = makeTestHub({ env: { ...HUBSPOT_ENV }, now: () => clock.now });
  return { hub, clock };
}

const detractor = { response_id: 'r-1', score: 2, comment: 'Exports keep failing', email: 'ana@example.com', name: 'Ana Lima' };

describe('CRM outage: the plan waits, then the ticket carries the account', () => {
  it('HubSpot 503 → plan job retried, no action planned; HubSpot back → ticket with tier, plan, ARR and owner', async () => {
    const { hub, clock } = start();
    api.server.use(hubspotFailing(503));
    const res = await postWebhook(hub, 'generic', detractor);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await hub.loop.drain();

    let jobs = await hub.store.listJobs({ responseId: id, limit: 20 });
    expect(jobs.map((j) => [j.type, j.status])).toEqual([['plan', 'queued']]);
    const plan = jobs[0]!;
    expect(plan.lastError).toMatch(/^hubspot enrichment: HubSpot answered HTTP 503/);
    expect((await hub.store.listAttempts(plan.id)).map((a) => [a.outcome, a.remoteStatus])).toEqual([['retry', 503]]);
    expect(Date.parse(plan.runAt)).toBeGreaterThan(clock.now.getTime());

    // HubSpot is back; once the plan job is due again it plans with the account.
    api.server.resetHandlers();
    api.server.use(...hubspotHandlers(hubspotState()));
    clock.now = new Date(clock.now.getTime() + 60 * 60_000);
    await hub.loop.drain();

    jobs = await hub.store.listJobs({ responseId: id, limit: 20 });
    expect(jobs.find((j) => j.type === 'plan')!.status).toBe('succeeded');
    expect(jobs.filter((j) => j.type === 'action').map((j) => [j.action, j.status]).sort()).toEqual([
      ['slack.postMessage', 'sandboxed'],
      ['slack.postMessage', 'sandboxed'],
      ['zendesk.createTicket', 'sandboxed'],
    ]);
    const ticket = (jobs.find((j) => j.action === 'zendesk.createTicket')!.result as { request: { body: { ticket: { subject: string; priority: string; comment: { body: string } } } } }).request.body.ticket;
    expect(ticket.subject).toBe('NPS 2/10 from Acme Corp');
    expect(ticket.priority).toBe('urgent');
    expect(ticket.comment.body).toContain('Account: Acme Corp (acme.example)');
    expect(ticket.comment.body).toContain('Plan / tier: Scale / enterprise');
    expect(ticket.comment.body).toContain('ARR: 250000');
    expect(ticket.comment.body).toContain('Owner: Olivia Owner <olivia.owner@acme-vendor.example>');
    expect(ticket.comment.body).toContain('Region: Germany');
  });

  it('HubSpot 401 → the plan job is not dropped: it stays queued for another attempt after the token is fixed', async () => {
    const { hub } = start();
    api.server.use(hubspotFailing(401));
    const { id } = (await (await postWebhook(hub, 'generic', detractor)).json()) as { id: string };
    await hub.loop.drain();
    const [plan] = await hub.store.listJobs({ responseId: id, limit: 20 });
    expect([plan!.type, plan!.status]).toEqual(['plan', 'queued']);
    expect(plan!.lastError).toMatch(/hubspot enrichment failed \(retrying until fixed\): HubSpot refused the token \(HTTP 401\): check HUBSPOT_ACCESS_TOKEN/);
  });

  it('an unknown respondent: recipes run at once with an empty account', async () => {
    const { hub } = start();
    api.server.use(...hubspotHandlers(hubspotState()));
    const { id } = (await (await postWebhook(hub, 'generic', { ...detractor, email: 'stranger@example.com' })).json()) as { id: string };
    await hub.loop.drain();
    const jobs = await hub.store.listJobs({ responseId: id, limit: 20 });
    const ticket = (jobs.find((j) => j.action === 'zendesk.createTicket')!.result as { request: { body: { ticket: { subject: string; priority: string } } } }).request.body.ticket;
    expect(ticket.subject).toBe('NPS 2/10 from an unknown account');
    expect(ticket.priority).toBe('normal');
    expect(api.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['POST /crm/v3/objects/contacts/search']);
  });
});
