import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/core/job.js';
import { makeTestHub, postWebhook } from '../support/hub.js';
import { type Fault, type FakeVendors, isEffect, startFakeVendors } from './fake-vendors.js';
import { expectedActions, mulberry32, responseBody } from './workload.js';

/**
 * Chaos: 2,000 responses through the three shipped recipes while 30% of the vendor calls fail —
 * 500, 429 with Retry-After, an answer that never comes (our timeout), or a reset connection,
 * the last two either before or after the vendor did the thing. The retry policy is the real one
 * scaled down (backoff from 0.5 s, Retry-After honoured but clamped to 1.5 s), so a retry comes as
 * promptly, relative to the traffic, as it would in production.
 */
const RESPONSES = Number(process.env.CHAOS_N ?? 2000);
/** Responses posted between two pauses. */
const BURST = 100;
const FAULT_RATE = 0.3;

const random = mulberry32(20260302);
let vendors: FakeVendors;
let hub: ReturnType<typeof makeTestHub>;
const injected = { status500: 0, rateLimited: 0, timeoutBefore: 0, timeoutAfter: 0, resetBefore: 0, resetAfter: 0 };

function chaos(): Fault | undefined {
  if (random() >= FAULT_RATE) return undefined;
  const afterEffect = random() < 0.5;
  switch (Math.floor(random() * 4)) {
    case 0:
      injected.status500++;
      return { kind: 'status', status: 500 };
    case 1:
      injected.rateLimited++;
      return { kind: 'rateLimited', retryAfterSeconds: 1 + Math.floor(random() * 20) };
    case 2:
      afterEffect ? injected.timeoutAfter++ : injected.timeoutBefore++;
      return { kind: 'timeout', afterEffect };
    default:
      afterEffect ? injected.resetAfter++ : injected.resetBefore++;
      return { kind: 'reset', afterEffect };
  }
}

beforeAll(async () => {
  vendors = await startFakeVendors({
    zendesk: { email: 'agent@example.com', token: 'zd-chaos' },
    slack: { token: 'xoxb-chaos' },
    intercom: { token: 'ic-chaos' },
  });
  vendors.setFault(chaos);
  hub = makeTestHub({
    env: {
      ...vendors.env,
      // A fault that never answers costs this much real time. Generous: on a busy machine a request
      // the client gave up on can still reach the fake later and act — a genuine race with any
      // vendor, which the production backoff (5 s and up, after a 15 s timeout) makes rare too.
      CLOSELOOP_HTTP_TIMEOUT_MS: '3000',
      CLOSELOOP_CONCURRENCY: '32',
      // No fsync per commit: this test is about vendor faults, not power cuts (WAL stays crash-safe),
      // and an fsync blocks the event loop long enough to time out the fake's answers.
      CLOSELOOP_SYNC: 'NORMAL',
    },
    // The default policy with seconds as tenths of seconds; 30% of every call fails, and an Intercom
    // action makes up to three calls: give jobs room.
    retry: { baseMs: 500, capMs: 1500, maxRetryAfterMs: 1500, maxAttempts: 100 },
  });
});
afterAll(async () => {
  await hub?.cleanup();
  await vendors?.close();
});

/** The earliest run time of a job still waiting, or undefined when none is. */
function nextRunAt(): string | undefined {
  const row = hub.store.db.prepare(`SELECT MIN(run_at) AS at FROM jobs WHERE status IN ('queued', 'running')`).get() as { at: string | null };
  return row.at ?? undefined;
}

describe('chaos: 30% of vendor calls fail', () => {
  it('delivers every ticket, event and message exactly once', { timeout: 900_000 }, async () => {
    // The hub's own runner delivers while responses keep arriving (bursts of 100, a moment apart).
    hub.loop.start();
    for (let i = 0; i < RESPONSES; i++) {
      const res = await postWebhook(hub, 'generic', responseBody(i));
      expect(res.status).toBe(202);
      if ((i + 1) % BURST === 0) await new Promise((r) => setTimeout(r, 250));
    }
    // Then until nothing waits (each retry is due within seconds).
    while (nextRunAt()) await new Promise((r) => setTimeout(r, 250));
    await hub.loop.stop();
    expect(nextRunAt()).toBeUndefined();

    const jobs = hub.store.db.prepare(`SELECT id FROM jobs WHERE type = 'action'`).all() as { id: string }[];
    const actionJobs = (await Promise.all(jobs.map((j) => hub.store.getJob(j.id)))) as Job[];
    const expected = expectedActions(RESPONSES);
    // None missing: every planned action exists as a job, and every job succeeded (none dead).
    expect(actionJobs.length).toBe(expected.total);
    expect(actionJobs.filter((j) => j.status !== 'succeeded').map((j) => `${j.key}: ${j.status} ${j.lastError}`)).toEqual([]);
    const byAction = (name: string) => actionJobs.filter((j) => j.action === name);
    expect(byAction('zendesk.createTicket').length).toBe(expected.tickets);
    expect(byAction('intercom.trackEvent').length).toBe(expected.events);
    expect(byAction('slack.postMessage').length).toBe(expected.alerts + expected.verbatims);

    // Zendesk: one ticket per ticket job, carrying the job key, the one recorded on the job.
    const { tickets, messages, events } = vendors.state;
    expect(tickets.length).toBe(expected.tickets);
    for (const job of byAction('zendesk.createTicket')) {
      const mine = tickets.filter((t) => t.external_id === job.key);
      expect(mine.length, job.key).toBe(1);
      expect((job.result as { ticketId: number }).ticketId).toBe(mine[0]!.id);
    }
    // Slack: one message per message job, found by the job key in its metadata, with the ts recorded.
    expect(messages.length).toBe(expected.alerts + expected.verbatims);
    for (const job of byAction('slack.postMessage')) {
      const mine = messages.filter((m) => m.jobKey === job.key);
      expect(mine.length, job.key).toBe(1);
      expect((job.result as { ts: string }).ts).toBe(mine[0]!.ts);
    }
    // Intercom: one event kept per event job (same contact, name and created_at on every attempt).
    expect(events.length).toBe(expected.events);
    for (const job of byAction('intercom.trackEvent')) {
      const r = job.result as { contactId: string; createdAt: number };
      expect(events.filter((e) => e.id === r.contactId && e.created_at === r.createdAt && e.event_name === 'nps-promoter').length, job.key).toBe(1);
    }
    expect(vendors.state.contacts.length).toBe(expected.events);

    // The faults did happen, including answers lost after the vendor created something — and
    // retries then found those objects instead of creating them again.
    expect(vendors.state.faults / vendors.state.calls).toBeGreaterThan(0.25);
    expect(vendors.state.lostAnswers.filter(isEffect).length).toBeGreaterThan(100);
    const retried = actionJobs.filter((j) => j.attempts > 1).length;
    const recovered = actionJobs.filter((j) => (j.result as { existing?: boolean }).existing).length;
    expect(retried).toBeGreaterThan(100);
    expect(recovered).toBeGreaterThan(50);
    console.info(
      `chaos: ${vendors.state.calls} vendor calls, ${vendors.state.faults} faults ${JSON.stringify(injected)}, ` +
        `${vendors.state.lostAnswers.length} answers lost after the effect, ${retried} jobs retried, ` +
        `${recovered} found their object from an earlier attempt, ${vendors.state.eventPosts - events.length} duplicate Intercom events dropped by the vendor`,
    );
  });
});
