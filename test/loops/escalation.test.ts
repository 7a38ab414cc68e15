import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { createNodeHub, type NodeHub } from '../../src/runtime/node/hub.js';
import { postWebhook } from '../support/hub.js';

const T0 = new Date('2026-11-02T09:00:00.000Z');
const HOUR = 3_600_000;
const ZD_SECRET = 'escalation-zendesk-secret';
const RECIPES = [
  `name: detractor-alert
when: response.score <= 6
actions:
  - id: alert
    action: slack.postMessage
    params: { channel: "#cx-alerts", text: "Detractor {{ response.respondent.email }}" }
  - id: ticket
    action: zendesk.createTicket
    params: { requesterEmail: "{{ response.respondent.email }}", subject: "NPS {{ response.score }}", body: "{{ response.comment }}" }`,
  `name: overdue-mention
on: loop.overdue
when: response.score <= 4
actions:
  - id: mention
    action: slack.postMessage
    params: { channel: "#cx-leads", text: "Unanswered for a day: {{ response.respondent.email }} gave {{ response.score }}" }`,
];

const dir = mkdtempSync(join(tmpdir(), 'closeloop-escalation-'));
const clock = { now: T0 };
let hub: NodeHub | undefined;
function start() {
  const recipes = RECIPES.flatMap((text, i) => parseRecipes([{ file: `r${i}.yaml`, text }], new Set(actionRegistry().keys())));
  hub = createNodeHub({
    log: silentLogger,
    env: { CLOSELOOP_DB: join(dir, 'hub.db'), CLOSELOOP_RATE_LIMITS: 'off', CLOSELOOP_LOOP_OVERDUE_AFTER: '24h', ZENDESK_EVENTS_WEBHOOK_SECRET: ZD_SECRET, ZENDESK_SUBDOMAIN: 'acme' },
    recipes,
    now: () => clock.now,
  });
  return hub;
}
afterEach(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

const mentions = async (h: NodeHub) => (await h.store.listJobs({ action: 'slack.postMessage', limit: 100 })).filter((j) => j.recipe === 'overdue-mention');

describe('loop.overdue', () => {
  it('fires once for a detractor still unanswered after 24 h, across a restart; never for one answered or above the condition', async () => {
    let h = start();
    const respond = async (id: string, score: number) => {
      const res = await postWebhook(h, 'generic', { response_id: id, score, comment: 'Slow exports', email: `${id}@example.com` });
      return ((await res.json()) as { id: string }).id;
    };
    const late = await respond('late', 2);
    const answered = await respond('answered', 1);
    await respond('mild', 6); // a detractor the overdue recipe's condition leaves out
    await h.loop.drain();

    // Answered after 3 h: the Zendesk ticket (sandboxed) has the job key as its external_id.
    const ticketJob = (await h.store.listJobs({ responseId: answered, action: 'zendesk.createTicket', limit: 1 }))[0]!;
    const event = JSON.stringify({ type: 'zen:event-type:ticket.comment_added', id: 'ev-1', time: new Date(T0.getTime() + 3 * HOUR).toISOString(), detail: { id: '501', external_id: ticketJob.key }, event: { comment: { is_public: true, author: { is_staff: true, name: 'Dana Scully' } } } });
    const signature = createHmac('sha256', ZD_SECRET).update(`t${event}`).digest('base64');
    const ack = await h.app.request('/webhooks/zendesk-events', { method: 'POST', headers: { 'x-zendesk-webhook-signature': signature, 'x-zendesk-webhook-signature-timestamp': 't' }, body: event });
    expect(ack.status).toBe(200);

    clock.now = new Date(T0.getTime() + 23 * HOUR);
    await h.loop.drain();
    expect(await mentions(h)).toEqual([]);

    clock.now = new Date(T0.getTime() + 25 * HOUR);
    await h.loop.drain();
    const fired = await mentions(h);
    expect(fired.map((j) => [j.responseId, j.key, j.status, j.params])).toEqual([
      [late, `${late}:overdue-mention:mention`, 'sandboxed', { channel: '#cx-leads', text: 'Unanswered for a day: late@example.com gave 2', fields: [], quote: '', context: '' }],
    ]);
    const plan = (await h.store.listJobs({ responseId: late, limit: 20 })).find((j) => j.key === `plan:${late}:loop.overdue`);
    expect(plan).toMatchObject({ type: 'plan', status: 'succeeded', params: { trigger: 'loop.overdue' } });

    // Later sweeps, and a restart on the same database, fire nothing again.
    clock.now = new Date(T0.getTime() + 30 * HOUR);
    await h.loop.drain();
    await h.close();
    h = start();
    clock.now = new Date(T0.getTime() + 48 * HOUR);
    await h.loop.drain();
    expect((await mentions(h)).map((j) => j.responseId)).toEqual([late]);
  });

  it('queries nothing while no recipe listens to loop.overdue, and refuses a bad period naming the variable', async () => {
    expect(() => createNodeHub({ log: silentLogger, env: { CLOSELOOP_DB: ':memory:', CLOSELOOP_LOOP_OVERDUE_AFTER: 'soon' } })).toThrow('CLOSELOOP_LOOP_OVERDUE_AFTER must be a period such as 12h or 2d');
    const { queueOverdueLoops } = await import('../../src/loops/escalation.js');
    const store = { overdueLoops: () => Promise.reject(new Error('must not be called')) } as never;
    await expect(queueOverdueLoops(store, { recipes: [], overdueAfterMs: HOUR, now: T0 })).resolves.toBe(0);
  });
});
