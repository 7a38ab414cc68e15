import { RecipeSet } from '../../src/recipes/recipe-set.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTORS } from '../../connectors/registry.js';
import { silentLogger } from '../../src/core/logger.js';
import { deliveryPolicies } from '../../src/jobs/delivery-policy.js';
import type { Job } from '../../src/core/job.js';
import { processJob } from '../../src/jobs/process-job.js';
import { makeTestHub, postWebhook } from '../support/hub.js';
import { type FakeVendors, startFakeVendors } from './fake-vendors.js';
import { expectedActions, mulberry32, responseBody } from './workload.js';

/**
 * Patience that matches the outage, not the call count: with the production retry schedule (no
 * test override) and a fake clock, every vendor fails half of all calls for 20 minutes, then
 * recovers. A Slack attempt makes two calls (the history look-up, then the post), so most of its
 * attempts fail; the job's age, not an attempt count, decides when to give up — and nothing is lost.
 */
const T0 = new Date('2026-03-02T10:00:00.000Z');
const OUTAGE_MS = 20 * 60_000;
const RESPONSES = 30;

describe('a vendor failing half of all calls for 20 minutes', () => {
  const clock = { now: T0 };
  const random = mulberry32(14);
  let vendors: FakeVendors;
  let hub: ReturnType<typeof makeTestHub>;

  beforeAll(async () => {
    vendors = await startFakeVendors({ zendesk: { email: 'agent@example.com', token: 'zd-patience' }, slack: { token: 'xoxb-patience' }, intercom: { token: 'ic-patience' }, now: () => clock.now });
    vendors.setFault(() => (clock.now.getTime() - T0.getTime() < OUTAGE_MS && random() < 0.5 ? { kind: 'status', status: 500 } : undefined));
    hub = makeTestHub({ env: { ...vendors.env, CLOSELOOP_SYNC: 'NORMAL', CLOSELOOP_HTTP_TIMEOUT_MS: '3000' }, now: () => clock.now, random: mulberry32(7) });
  });
  afterAll(async () => {
    await hub?.cleanup();
    await vendors?.close();
  });

  it('loses nothing and doubles nothing', { timeout: 300_000 }, async () => {
    for (let i = 0; i < RESPONSES; i++) expect((await postWebhook(hub, 'generic', responseBody(i, 'p'))).status).toBe(202);
    const waiting = () => (hub.store.db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')`).get() as { n: number }).n;
    await hub.loop.drain();
    // The clock moves 15 s at a time for up to 3 h (Slack's max age is 2 h), running what is due.
    while (waiting() > 0 && clock.now.getTime() - T0.getTime() < 3 * 3_600_000) {
      clock.now = new Date(clock.now.getTime() + 15_000);
      await hub.loop.drain();
    }

    const rows = hub.store.db.prepare(`SELECT id FROM jobs WHERE type = 'action'`).all() as { id: string }[];
    const jobs = (await Promise.all(rows.map((r) => hub.store.getJob(r.id)))) as Job[];
    const expected = expectedActions(RESPONSES, 'p');
    expect(jobs.length).toBe(expected.total);
    expect(jobs.filter((j) => j.status !== 'succeeded').map((j) => `${j.key}: ${j.status} after ${j.attempts} attempts: ${j.lastError}`)).toEqual([]);
    // The outage did hurt: many calls failed, and Slack jobs needed many attempts (more than the 10 that used to be their limit).
    expect(vendors.state.faults).toBeGreaterThan(30);
    const slackAttempts = jobs.filter((j) => j.action === 'slack.postMessage').map((j) => j.attempts);
    expect(Math.max(...slackAttempts)).toBeGreaterThan(10);
    // Exactly once each.
    const { tickets, messages, events } = vendors.state;
    expect(tickets.length).toBe(expected.tickets);
    expect(new Set(tickets.map((t) => t.external_id)).size).toBe(expected.tickets);
    expect(messages.length).toBe(expected.alerts + expected.verbatims);
    expect(new Set(messages.map((m) => m.jobKey)).size).toBe(messages.length);
    expect(events.length).toBe(expected.events);
  });
});

describe('attempts a crash cut short', () => {
  it('are counted apart from vendor failures: a job claimed 5 times by runners that died is not out of its 2 vendor failures', async () => {
    const hub = makeTestHub({ env: { CLOSELOOP_SLACK_MAX_ATTEMPTS: '2', SLACK_BOT_TOKEN: 'xoxb-crash', SLACK_API_URL: 'http://127.0.0.1:9/api/', CLOSELOOP_HTTP_TIMEOUT_MS: '500' } });
    try {
      const now = new Date();
      await hub.store.enqueueJobs([
        { key: 'crash:slack', type: 'action', responseId: 'resp-crash', recipe: 'r', actionId: 'a', action: 'slack.postMessage', params: { channel: 'C1', text: 'hi', fields: [], quote: '', context: '' }, maxAttempts: 2, runAt: now.toISOString() },
      ]);
      // Four runners claimed it and died (their leases expired, no attempt recorded); the fifth gets a vendor failure.
      let job: Job | undefined;
      for (let i = 0; i < 5; i++) {
        const at = new Date(now.getTime() + i * 60_000);
        [job] = await hub.store.claimJobs({ now: at.toISOString(), limit: 1, leaseUntil: new Date(at.getTime() + 30_000).toISOString() });
      }
      expect(job!.attempts).toBe(5);
      const result = await processJob(job!, { store: hub.store, recipes: new RecipeSet([]), registry: hub.registry, clients: hub.clients, enricher: { enrich: async () => ({ account: null, contact: null }) } as never, retry: hub.policies.fallback, policies: deliveryPolicies(CONNECTORS, { CLOSELOOP_SLACK_MAX_ATTEMPTS: '2' }), log: silentLogger, now: () => new Date(now.getTime() + 5 * 60_000) });
      expect(result.outcome).toBe('retry');
    } finally {
      await hub.cleanup();
    }
  });
});
