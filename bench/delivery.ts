/**
 * Delivery part of `npm run bench`, run in its own process by bench/run.ts (prints one JSON line).
 *
 * 1. Throughput: N responses through the shipped recipes are stored, then the job runner
 *    delivers every job to a fake Zendesk, Slack and Intercom (node:http on 127.0.0.1, zero
 *    latency, the real SDKs calling it). Vendor rate limits are off: this measures closeloop.
 * 2. Ingest under delivery load: webhook latency (in-process, no network) while the runner is
 *    idle, and while it drains a backlog against the fake API.
 * 3. Slack pacing: M alerts to one channel with the default 1 message/second/channel limit;
 *    spacing measured where the messages arrive, at the fake API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/core/logger.js';
import { createNodeHub } from '../src/runtime/node/hub.js';
import { startFakeVendors } from '../test/delivery/fake-vendors.js';
import { responseBody } from '../test/delivery/workload.js';

const RESPONSES = Number(process.env.BENCH_DELIVERY_RESPONSES ?? 1500);
const PACED = Number(process.env.BENCH_PACED_MESSAGES ?? 8);
const CONCURRENCY = process.env.CLOSELOOP_CONCURRENCY ?? '8';

const vendors = await startFakeVendors({ zendesk: { email: 'bench@example.com', token: 'zd-bench' }, slack: { token: 'xoxb-bench' }, intercom: { token: 'ic-bench' } });
const dirs: string[] = [];
function hubWith(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'closeloop-bench-delivery-'));
  dirs.push(dir);
  return createNodeHub({
    // Unsigned generic webhooks, as a sender on the same machine (connectors are live here).
    env: { ...vendors.env, CLOSELOOP_DB: join(dir, 'hub.db'), CLOSELOOP_RECIPES: 'recipes', CLOSELOOP_SYNC: 'FULL', CLOSELOOP_CONCURRENCY: CONCURRENCY, CLOSELOOP_ALLOW_UNSIGNED: 'generic', ...env },
    log: silentLogger,
  });
}
const post = (hub: ReturnType<typeof hubWith>, body: object) =>
  hub.app.request('/webhooks/generic', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const count = (hub: ReturnType<typeof hubWith>, sql: string) => (hub.store.db.prepare(sql).get() as { n: number }).n;

function percentile(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

/** `n` webhooks, `parallel` at a time; latency of each in ms. */
async function ingestLatencies(hub: ReturnType<typeof hubWith>, n: number, prefix: string, parallel = 20) {
  const latencies: number[] = [];
  for (let i = 0; i < n; i += parallel) {
    await Promise.all(
      Array.from({ length: Math.min(parallel, n - i) }, async (_, k) => {
        const t = performance.now();
        const res = await post(hub, responseBody(i + k, prefix));
        if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
        latencies.push(performance.now() - t);
      }),
    );
  }
  return latencies.sort((a, b) => a - b);
}

try {
  // 1. Throughput.
  const hub = hubWith({ CLOSELOOP_RATE_LIMITS: 'off' });
  await ingestLatencies(hub, RESPONSES, 'tput');
  const callsBefore = vendors.state.calls;
  const started = performance.now();
  await hub.loop.drain();
  const seconds = (performance.now() - started) / 1000;
  const actionJobs = count(hub, `SELECT COUNT(*) AS n FROM jobs WHERE type = 'action' AND status = 'succeeded'`);
  const notDelivered = count(hub, `SELECT COUNT(*) AS n FROM jobs WHERE status NOT IN ('succeeded')`);
  const throughput = {
    responses: RESPONSES,
    actionJobs,
    seconds,
    actionJobsPerSecond: actionJobs / seconds,
    responsesPerSecond: RESPONSES / seconds,
    vendorCalls: vendors.state.calls - callsBefore,
    notDelivered,
    concurrency: Number(CONCURRENCY),
  };

  // 2. Ingest latency, runner idle vs draining a backlog. First a warm-up round, delivered: the
  // first few hundred webhooks after part 1's delivery were slower (p50 3–7 ms against 2 ms after
  // them). Each p99 is set by the slowest wave or two of 20 webhooks.
  await ingestLatencies(hub, 1000, 'warm');
  await hub.loop.drain();
  const idle = await ingestLatencies(hub, 1000, 'idle');
  await hub.loop.drain();
  await ingestLatencies(hub, RESPONSES, 'backlog');
  const drained = hub.loop.drain();
  const busy = await ingestLatencies(hub, 1000, 'busy');
  // Work still waiting: jobs queued or running, and responses whose plan job is not written yet.
  const q = await hub.store.queueStats(new Date().toISOString());
  const stillQueuedWhenDone = q.byStatus.queued + q.byStatus.running + q.unplanned;
  await drained;
  const ingestUnderLoad = {
    idle: { p50: percentile(idle, 50), p99: percentile(idle, 99) },
    busy: { p50: percentile(busy, 50), p99: percentile(busy, 99), backlogLeftWhenDone: stillQueuedWhenDone },
  };
  await hub.close();

  // 3. Slack pacing: detractors without email or comment fire only the #cx-alerts message.
  const paced = hubWith({});
  const arrivals: number[] = [];
  vendors.onEffect((call) => {
    if (call.op === 'postMessage') arrivals.push(performance.now());
  });
  for (let i = 0; i < PACED; i++) await post(paced, { response_id: `paced-${i}`, score: 1 });
  paced.loop.start();
  const deadline = Date.now() + 20_000;
  while (arrivals.length < PACED && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await paced.loop.stop(); // lets the last attempts record their result
  const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
  const pacing = {
    messages: PACED,
    received: arrivals.length,
    succeeded: count(paced, `SELECT COUNT(*) AS n FROM jobs WHERE action = 'slack.postMessage' AND status = 'succeeded'`),
    minGapMs: gaps.length ? Math.min(...gaps) : null,
    meanGapMs: gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : null,
    maxGapMs: gaps.length ? Math.max(...gaps) : null,
    countedAttempts: count(paced, `SELECT COUNT(*) AS n FROM job_attempts a JOIN jobs j ON j.id = a.job_id WHERE j.action = 'slack.postMessage'`),
  };
  await paced.close();
  console.log(JSON.stringify({ throughput, ingestUnderLoad, pacing }));
} finally {
  await vendors.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
