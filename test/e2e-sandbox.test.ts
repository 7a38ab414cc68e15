import { afterEach, describe, expect, it } from 'vitest';
import { adminRequest, makeTestHub, postWebhook } from './support/hub.js';

describe('a detractor, end to end, with no credentials (sandbox)', () => {
  let hub: ReturnType<typeof makeTestHub>;
  afterEach(async () => hub?.cleanup());

  it('answers 202, plans the ticket, the alert and the verbatim, and dedupes a resend', async () => {
    hub = makeTestHub();
    const body = { response_id: 'r-1', score: 3, comment: 'Too slow', email: 'ana@example.com', name: 'Ana' };
    const first = await postWebhook(hub, 'generic', body);
    expect(first.status).toBe(202);
    const { id, duplicate } = (await first.json()) as { id: string; duplicate: boolean };
    expect(duplicate).toBe(false);

    await hub.loop.drain();

    const res = await adminRequest(hub, `/api/responses/${id}`);
    expect(res.status).toBe(200);
    const { jobs } = (await res.json()) as { jobs: { key: string; status: string; action: string | null; result: any }[] };
    const actionJobs = jobs.filter((j) => j.action).map((j) => [j.key.split(':').slice(1).join(':'), j.action, j.status]);
    expect(actionJobs.sort()).toEqual([
      ['detractor-ticket:alert', 'slack.postMessage', 'sandboxed'],
      ['detractor-ticket:ticket', 'zendesk.createTicket', 'sandboxed'],
      ['verbatims-to-slack:verbatim', 'slack.postMessage', 'sandboxed'],
    ]);
    const ticket = jobs.find((j) => j.action === 'zendesk.createTicket')!;
    expect(ticket.result.request.path).toBe('/api/v2/tickets');
    expect(ticket.result.request.body.ticket.requester).toEqual({ email: 'ana@example.com', name: 'Ana' });

    const again = await postWebhook(hub, 'generic', body);
    expect(await again.json()).toEqual({ id, duplicate: true });
    await hub.loop.drain();
    expect((await hub.store.listJobs({ responseId: id, limit: 100 })).length).toBe(jobs.length);
  });
});
