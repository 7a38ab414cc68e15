/**
 * Health-probe part of `npm run bench`, run in its own process by bench/run.ts (prints one JSON
 * line). A hub's database after a year of traffic holds millions of jobs; `/healthz` and
 * `/readyz` report them by status, and the responses a flood left waiting for their plan job,
 * and a load balancer asks every few seconds while webhooks wait on the same event loop.
 * Measured: `GET /healthz` (through the app, on a database of N jobs and M unplanned responses)
 * against the reference, counting the job rows and the unplanned responses as the hub did
 * before migrations 8 and 11.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/core/logger.js';
import { createNodeHub } from '../src/runtime/node/hub.js';

const JOBS = Number(process.env.BENCH_HEALTH_JOBS ?? 500_000);
const UNPLANNED = Number(process.env.BENCH_HEALTH_UNPLANNED ?? 200_000);
const PROBES = 25;

const dir = mkdtempSync(join(tmpdir(), 'closeloop-bench-health-'));
try {
  const hub = createNodeHub({ env: { CLOSELOOP_DB: join(dir, 'hub.db'), CLOSELOOP_RECIPES: 'recipes', CLOSELOOP_SYNC: 'NORMAL' }, log: silentLogger });
  const db = hub.store.db;
  // A year of jobs, a few dead and a small backlog, written through the triggers that keep the counts.
  db.exec('PRAGMA foreign_keys = OFF');
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO jobs (id, key, type, response_id, params, status, attempts, max_attempts, run_at, created_at, updated_at)
     SELECT printf('job-%08d', i), printf('key-%08d', i), 'action', printf('response-%08d', i / 2), '{}',
            CASE WHEN i > ? - 200 THEN 'queued' WHEN i % 500 = 0 THEN 'dead' ELSE 'succeeded' END, 1, 8,
            strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', printf('+%d seconds', i * 60)), '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
     FROM n`,
  ).run(JOBS, JOBS);
  // A flood that outran the runner: responses stored, their plan jobs not written yet.
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO responses (id, source, source_response_id, metric, score, category, received_at, data, raw_body, content_type)
     SELECT printf('response-%08d', i), 'generic', printf('r-%08d', i), 'nps', i % 11, 'detractor',
            strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-01', printf('+%d seconds', i / 1000)), '{}', '{}', 'application/json'
     FROM n`,
  ).run(UNPLANNED);

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const time = async (run: () => unknown) => {
    const ms: number[] = [];
    for (let i = 0; i < PROBES; i++) {
      const t = performance.now();
      await run();
      ms.push(performance.now() - t);
    }
    return median(ms);
  };
  let body: { queue: { byStatus: Record<string, number>; unplanned: number } } | undefined;
  const probeMs = await time(async () => (body = (await (await hub.app.request('/healthz')).json()) as typeof body));
  const recount = db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status');
  const unplanned = db.prepare('SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM responses WHERE seq > (SELECT planned_through FROM plan_cursor WHERE id = 1)');
  const recountMs = await time(() => [recount.all(), unplanned.get()]);
  const rows = recount.all() as { status: string; n: number }[];
  const agrees = rows.every((r) => body!.queue.byStatus[r.status] === r.n) && body!.queue.unplanned === (unplanned.get() as { n: number }).n;
  await hub.close();
  console.log(JSON.stringify({ jobs: JOBS, unplanned: UNPLANNED, probes: PROBES, healthzMs: probeMs, recountMs, agrees }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
