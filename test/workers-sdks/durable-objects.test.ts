import type { DurableObjectNamespace } from '@cloudflare/workers-types/latest/index.js';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../src/core/job.js';
import { silentLogger } from '../../src/core/logger.js';
import { OperatorAlerts } from '../../src/jobs/operator-alerts.js';
import { DurableObjectIncidents, type IncidentsObject } from '../../src/runtime/workers/incidents-object.js';
import { DurableObjectRateLimiter, type RateLimiterObject } from '../../src/runtime/workers/rate-limiter-object.js';
import type { Store } from '../../src/store/store.js';

const bindings = env as { RATE_LIMITER: DurableObjectNamespace<RateLimiterObject>; INCIDENTS: DurableObjectNamespace<IncidentsObject> };

describe('RateLimiterObject: one budget per connector and key, shared by every isolate', () => {
  it('two isolates share a key’s slots; another key has its own', async () => {
    // Each isolate builds its own client over the binding; they meet in the key's object.
    const isolateA = new DurableObjectRateLimiter(bindings.RATE_LIMITER);
    const isolateB = new DurableObjectRateLimiter(bindings.RATE_LIMITER);
    const limit = { points: 2, durationMs: 60_000 };
    expect(await isolateA.acquire('slack:nps', limit)).toBe(0);
    expect(await isolateB.acquire('slack:nps', limit)).toBe(0);
    const third = await isolateA.acquire('slack:nps', limit);
    expect(third).toBeGreaterThan(59_000);
    expect(third).toBeLessThanOrEqual(60_000);
    // The fourth goes in the same next window; the fifth a window later: callers are spread out in order.
    expect(await isolateB.acquire('slack:nps', limit)).toBeLessThanOrEqual(third);
    expect(await isolateA.acquire('slack:nps', limit)).toBeGreaterThan(119_000);
    expect(await isolateB.acquire('slack:general', limit)).toBe(0);
    expect(await isolateA.acquire('zendesk:account', limit)).toBe(0);
  });

  it('concurrent callers of several isolates never get more than the limit', async () => {
    const isolates = [0, 1, 2, 3].map(() => new DurableObjectRateLimiter(bindings.RATE_LIMITER));
    const limit = { points: 5, durationMs: 60_000 };
    const waits = await Promise.all(Array.from({ length: 20 }, (_, i) => isolates[i % 4]!.acquire('intercom:account', limit)));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
  });
});

/** One isolate's operator alerts: its own ledger client and a store that keeps the alert jobs it enqueues. */
function isolate(queued: NewJob[]) {
  const store = { enqueueJobs: async (jobs: NewJob[]) => void queued.push(...jobs) } as unknown as Store;
  const incidents = new DurableObjectIncidents(bindings.INCIDENTS);
  const alerts = new OperatorAlerts({ log: silentLogger, store, tracker: incidents, alertChannel: '#ops', slackConfigured: true, maxAttempts: 5 });
  return { alerts, incidents };
}

const job = (action: string) => ({ type: 'action', action }) as Parameters<OperatorAlerts['record']>[0];
const at = (second: number) => new Date(Date.UTC(2026, 2, 2, 10, 0, second));

describe('IncidentsObject: an incident is announced once, not once per isolate', () => {
  it('failures seen by two isolates open one incident: one operator alert; recovery: one more', async () => {
    const queued: NewJob[] = [];
    const a = isolate(queued);
    const b = isolate(queued);
    // Five failures in a row (the default rule), alternating between the isolates; each alone saw fewer.
    for (let i = 0; i < 5; i++) await (i % 2 ? b : a).alerts.record(job('zendesk.createTicket'), 'retry', at(i), 'HTTP 503');
    expect(queued.map((j) => j.key)).toEqual([`alert:zendesk:${at(4).toISOString()}:opened`]);
    expect(queued[0]).toMatchObject({ action: 'slack.postMessage', params: { channel: '#ops', text: 'closeloop: zendesk is failing — 5 attempts in a row failed' } });
    // Both isolates see it open.
    expect(await a.incidents.refresh()).toMatchObject([{ connector: 'zendesk', failures: 1, lastError: 'HTTP 503' }]);
    expect(await b.incidents.refresh()).toMatchObject([{ connector: 'zendesk' }]);
    expect(b.incidents.openIncidents()).toMatchObject([{ connector: 'zendesk' }]);
    // More failures from either isolate are counted on it, not announced.
    await b.alerts.record(job('zendesk.createTicket'), 'dead', at(5), 'HTTP 503');
    await a.alerts.record(job('zendesk.createTicket'), 'retry', at(6), 'HTTP 503');
    expect(queued).toHaveLength(1);
    // Three successes in a row, from both: recovered, announced once.
    for (let i = 0; i < 3; i++) await (i % 2 ? a : b).alerts.record(job('zendesk.createTicket'), 'succeeded', at(10 + i));
    expect(queued.map((j) => j.key)).toEqual([`alert:zendesk:${at(4).toISOString()}:opened`, `alert:zendesk:${at(4).toISOString()}:recovered`]);
    expect(queued[1]).toMatchObject({ params: { fields: [{ label: 'Since', value: at(4).toISOString() }, { label: 'Failed attempts', value: '3' }, { label: 'Dead-lettered jobs', value: '1' }, { label: 'Last error', value: 'HTTP 503' }] } });
    expect(await b.incidents.refresh()).toEqual([]);
  });

  it('a burst of concurrent failures from several isolates still opens one incident', async () => {
    const queued: NewJob[] = [];
    const isolates = [0, 1, 2].map(() => isolate(queued));
    await Promise.all(Array.from({ length: 12 }, (_, i) => isolates[i % 3]!.alerts.record(job('hubspot.createTask'), 'dead', at(i), 'HTTP 400')));
    expect(queued.filter((j) => j.key.startsWith('alert:hubspot:') && j.key.endsWith(':opened'))).toHaveLength(1);
    const open = await isolates[0]!.incidents.refresh();
    expect(open.filter((i) => i.connector === 'hubspot')).toMatchObject([{ failures: 12, deadLettered: 12, reason: 'a job was dead-lettered' }]);
  });
});
