/**
 * Insights part of `npm run bench`, run in its own process by bench/run.ts (prints one JSON line).
 * 1. NPS by plan, by week, over a year (`GET /api/nps?by=plan&interval=week&since=365d`, through
 *    the app) on databases of 100,000 and 1,000,000 stored responses spread over the year: the
 *    rollups keep the time from growing with the history. Also the longest stall of the event
 *    loop while the queries run (they run on the reader thread).
 * 2. Ingest with planning, rollups on and off (A/B in turns, same run): webhooks posted through
 *    the app 50 at a time, the runner planning them (shipped recipes, sandbox), until every
 *    response is planned. "Off" drops migration 15's rollup triggers (segments still stored).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src/core/logger.js';
import { createNodeHub } from '../src/runtime/node/hub.js';

const SIZES = (process.env.BENCH_INSIGHTS_SIZES ?? '100000,1000000').split(',').map(Number);
const QUERIES = 7;
const WEBHOOKS = Number(process.env.BENCH_INSIGHTS_WEBHOOKS ?? 2000);
const AB_ROUNDS = Number(process.env.BENCH_INSIGHTS_ROUNDS ?? 3);
const NOW = new Date('2026-12-01T12:00:00.000Z');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'closeloop-bench-insights-'));
try {
  const queries: { responses: number; fillSeconds: number; queryMs: number; rollupRows: number; maxEventLoopStallMs: number; idleStallMs: number; mainThreadBusy: number; segments: number }[] = [];
  for (const size of SIZES) {
    const hub = createNodeHub({ env: { CLOSELOOP_DB: join(dir, `q-${size}.db`), CLOSELOOP_RECIPES: 'recipes', CLOSELOOP_SYNC: 'NORMAL' }, log: silentLogger, now: () => NOW });
    const db = hub.store.db;
    const start = performance.now();
    // A year of responses, each with the segments its plan wrote (five plans, a fifth unknown), through migration 15's triggers.
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @size)
       INSERT INTO responses (id, source, source_response_id, metric, score, category, received_at, data, raw_body, content_type)
       SELECT printf('r-%08d', i), 'generic', printf('s-%08d', i), 'nps', (i * 7919) % 11,
              CASE WHEN (i * 7919) % 11 >= 9 THEN 'promoter' WHEN (i * 7919) % 11 >= 7 THEN 'passive' ELSE 'detractor' END,
              strftime('%Y-%m-%dT%H:%M:%fZ', '2025-12-01T12:00:00Z', printf('+%d seconds', CAST(i * (31536000.0 / @size) AS INTEGER))), '{}', '{}', 'application/json'
       FROM n`,
    ).run({ size });
    db.prepare(`UPDATE plan_cursor SET planned_through = (SELECT MAX(seq) FROM responses)`).run();
    db.prepare(
      `INSERT INTO response_segments (response_id, version, received_at, metric, category, score, source, plan, account, planned_at)
       SELECT id, 1, received_at, metric, category, score, source, CASE seq % 5 WHEN 0 THEN NULL ELSE 'plan-' || (seq % 5) END, '{}', received_at FROM responses ORDER BY seq`,
    ).run();
    const fillSeconds = (performance.now() - start) / 1000;
    const rollupRows = (db.prepare('SELECT COUNT(*) AS n FROM insight_rollups').get() as { n: number }).n;
    const segments = (db.prepare('SELECT COUNT(*) AS n FROM response_segments').get() as { n: number }).n;

    // The event loop's longest stall while the queries run: a 1 ms timer's worst lateness.
    let last = performance.now();
    let stall = 0;
    const timer = setInterval(() => {
      const t = performance.now();
      stall = Math.max(stall, t - last - 1);
      last = t;
    }, 1);
    const times: number[] = [];
    let weeks = 0;
    let elu = performance.eventLoopUtilization();
    for (let i = 0; i < QUERIES + 1; i++) {
      const t = performance.now();
      const res = await hub.app.request('/api/nps?by=plan&interval=week&since=365d', { headers: { authorization: `Bearer ${hub.adminToken.token}` } });
      const body = (await res.json()) as { series: unknown[]; figure: { responses: number } };
      if (res.status !== 200 || body.figure.responses < size * 0.99) throw new Error(`unexpected answer ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      weeks = body.series.length;
      if (i > 0) times.push(performance.now() - t);
      if (i === 0) (stall = 0), (elu = performance.eventLoopUtilization());
    }
    // The share of the queries' time the main thread was busy (the reads themselves run on the reader thread).
    const busy = performance.eventLoopUtilization(elu).utilization;
    const queryStall = stall;
    // The same timer with nothing to do, as long: what this machine's scheduling alone costs.
    stall = 0;
    last = performance.now();
    await new Promise((r) => setTimeout(r, times.reduce((a, b) => a + b, 0)));
    clearInterval(timer);
    queries.push({ responses: size, fillSeconds, queryMs: median(times), rollupRows, maxEventLoopStallMs: queryStall, idleStallMs: stall, mainThreadBusy: busy, segments });
    void weeks;
    await hub.close();
  }

  // 2. A/B: the same workload with the rollups kept (A) and without (B), in turns.
  const ab = async (rollups: boolean, round: number) => {
    const hub = createNodeHub({ env: { CLOSELOOP_DB: join(dir, `ab-${rollups}-${round}.db`), CLOSELOOP_RECIPES: 'recipes', CLOSELOOP_SYNC: 'FULL', CLOSELOOP_RATE_LIMITS: 'off' }, log: silentLogger });
    if (!rollups) hub.store.db.exec('DROP TRIGGER response_segments_rolled_up; DROP TRIGGER response_segments_unrolled;');
    hub.loop.start();
    const t = performance.now();
    for (let i = 0; i < WEBHOOKS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, WEBHOOKS - i) }, (_, j) =>
          hub.app.request('/webhooks/generic', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_id: `ab-${i + j}`, score: (i + j) % 11, email: `p${(i + j) % 300}@example.com`, comment: (i + j) % 3 ? null : 'A comment' }) }),
        ),
      );
    }
    const ingestSeconds = (performance.now() - t) / 1000;
    // Until every response has its segments (planned).
    for (;;) {
      const n = (hub.store.db.prepare('SELECT COUNT(*) AS n FROM response_segments').get() as { n: number }).n;
      if (n >= WEBHOOKS) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - t) / 1000;
    await hub.close();
    return { ingestPerSecond: WEBHOOKS / ingestSeconds, plannedPerSecond: WEBHOOKS / seconds };
  };
  const a: { ingestPerSecond: number; plannedPerSecond: number }[] = [];
  const b: typeof a = [];
  await ab(true, -1); // warm-up
  for (let r = 0; r < AB_ROUNDS; r++) {
    a.push(await ab(true, r));
    b.push(await ab(false, r));
  }
  const summary = (xs: typeof a) => ({ ingestPerSecond: median(xs.map((x) => x.ingestPerSecond)), plannedPerSecond: median(xs.map((x) => x.plannedPerSecond)) });
  console.log(JSON.stringify({ queries, ab: { webhooks: WEBHOOKS, rounds: AB_ROUNDS, withRollups: summary(a), withoutRollups: summary(b), all: { withRollups: a, withoutRollups: b } } }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
