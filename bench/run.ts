/**
 * `npm run bench`: ingest throughput and latency of POST /webhooks/generic on the hub (SQLite,
 * synchronous=FULL, group commit, shipped recipes, runner on) beside a bare Hono endpoint,
 * measured in the same run on this machine. Server pinned to one core, autocannon (in its own
 * process) to the other. Both servers stay up and are loaded in turns (bare, hub, bare, hub…),
 * so a slow spell of a shared machine weighs on both; the ratio reported is the median of the
 * rounds' ratios. The hub runs with the command line of `npm start`.
 * Then delivery (bench/delivery.ts, its own process): jobs/s against a local fake API, ingest
 * latency while the runner drains a backlog, and Slack's 1 message/second/channel pacing.
 * Then a health probe on a database of half a million jobs (bench/health.ts, its own process).
 * Then insights (bench/insights.ts): NPS by plan by week over a year at 100,000 and 1,000,000
 * responses, and ingest with the rollups on and off.
 * Then the CLI's start time beside `node -e 0` (bench/cli-start.ts).
 * Last, the Cloudflare Worker's bundle size (gzip) and start-up CPU time (bench/worker.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { measureCliStart } from './cli-start.js';
import type { WorkerBenchResult } from './worker.js';
import { BARE, START, WARMUP_SECONDS as WARMUP, hasTaskset, load as loadFrom, median, pinned, turn as turnOf, withServer, type LoadResult } from './harness.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const load = (url: string, seconds: number, tag: string) => loadFrom(url, CONNECTIONS, seconds, tag);
/** Load one server while the other is frozen (SIGSTOP): the hub's runner and checkpoints take no CPU from the bare endpoint's turn. */
const turn = (active: ChildProcess, frozen: ChildProcess, url: string, seconds: number, tag: string) => turnOf(active, [frozen], url, CONNECTIONS, seconds, tag);

interface DeliveryResult {
  throughput: { responses: number; actionJobs: number; seconds: number; actionJobsPerSecond: number; responsesPerSecond: number; vendorCalls: number; notDelivered: number; concurrency: number };
  ingestUnderLoad: { idle: { p50: number; p99: number }; busy: { p50: number; p99: number; backlogLeftWhenDone: number } };
  pacing: { messages: number; received: number; succeeded: number; minGapMs: number | null; meanGapMs: number | null; maxGapMs: number | null; countedAttempts: number };
}

interface InsightsResult {
  queries: { responses: number; fillSeconds: number; queryMs: number; rollupRows: number; maxEventLoopStallMs: number; idleStallMs: number; mainThreadBusy: number; segments: number }[];
  ab: { webhooks: number; rounds: number; withRollups: { ingestPerSecond: number; plannedPerSecond: number }; withoutRollups: { ingestPerSecond: number; plannedPerSecond: number } };
}

interface HealthResult {
  jobs: number;
  unplanned: number;
  probes: number;
  healthzMs: number;
  recountMs: number;
  agrees: boolean;
}

/** Run one part of the benchmark (a script printing one JSON line) in its own process on core 0. */
async function runPart<T>(script: string): Promise<T> {
  const cmd = pinned(0, ['node', '--import', 'tsx', script]);
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const code = await new Promise((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`${script} exited ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!);
}

const dir = mkdtempSync(join(tmpdir(), 'closeloop-bench-'));
const db = join(dir, 'bench.db');
try {
  console.log(
    `closeloop ingest benchmark: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION}s per server after ${WARMUP}s warm-up${hasTaskset ? ', servers on core 0, load on core 1' : ''}\n`,
  );
  const hubEnv = { CLOSELOOP_DB: db, CLOSELOOP_SYNC: 'FULL', LOG_FORMAT: 'json', LOG_LEVEL: 'info', HOST: '127.0.0.1' };
  const rounds = await withServer(BARE, 18787, {}, (bare, bareUrl) =>
    withServer(START, 18788, { env: hubEnv }, async (hub, hubUrl) => {
      await turn(bare, hub, bareUrl, WARMUP, 'bare-warm');
      const warmHub = await turn(hub, bare, hubUrl, WARMUP, 'hub-warm');
      const results: { bare: LoadResult; hub: LoadResult }[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        results.push({ bare: await turn(bare, hub, bareUrl, DURATION, `bare-${i}`), hub: await turn(hub, bare, hubUrl, DURATION, `hub-${i}`) });
      }
      return { warmHub2xx: warmHub.status2xx, results };
    }),
  );

  const sqlite = new Database(db, { readonly: true });
  const stored = (sqlite.prepare('SELECT COUNT(*) AS n FROM responses').get() as { n: number }).n;
  sqlite.close();

  const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(0)}%`);
  const stealNote = (r: LoadResult) => (r.steal[0] === null ? '' : `   steal ${pct(r.steal[0])}/${pct(r.steal[1])}`);
  const row = (name: string, r: LoadResult) =>
    `${name.padEnd(34)} ${Math.round(r.rps).toString().padStart(8)} req/s   p50 ${String(r.p50).padStart(3)} ms   p99 ${String(r.p99).padStart(3)} ms   non-2xx ${r.non2xx}   errors ${r.errors}${stealNote(r)}`;
  rounds.results.forEach(({ bare, hub }, i) => {
    console.log(row(`round ${i + 1}: bare Hono endpoint`, bare));
    console.log(row(`round ${i + 1}: closeloop /webhooks/generic`, hub) + `   ratio ${((hub.rps / bare.rps) * 100).toFixed(1)}%`);
  });
  if (rounds.results[0]!.hub.steal[0] !== null) {
    console.log('(steal: the share of core 0 / core 1 the hypervisor gave to other guests during the round; 0% on a quiet host)');
  }
  const ratio = median(rounds.results.map((r) => r.hub.rps / r.bare.rps));
  const hubP99 = median(rounds.results.map((r) => r.hub.p99));
  const bareP99 = median(rounds.results.map((r) => r.bare.p99));
  const hubRps = median(rounds.results.map((r) => r.hub.rps));
  const answered = rounds.warmHub2xx + rounds.results.reduce((n, r) => n + r.hub.status2xx, 0);
  console.log(`\ningest throughput ratio (hub / bare), median of ${ROUNDS} rounds:  ${(ratio * 100).toFixed(1)}%   (target ≥ 25%)`);
  console.log(`hub p99 at ${CONNECTIONS} connections, median of rounds:        ${hubP99} ms   (target < 20 ms; bare endpoint: ${bareP99} ms)`);
  // What p99 the hub's throughput alone costs here: the bare endpoint made as slow as the hub.
  const spinUs = Math.max(0, Math.round(1e6 / hubRps - 1e6 / median(rounds.results.map((r) => r.bare.rps))));
  const slowed = await withServer(BARE, 18789, { env: { SPIN_US: String(spinUs) } }, async (_, url) => (await load(url, 2, 'bare-slowed-warm'), load(url, DURATION, 'bare-slowed')));
  console.log(`reference: bare endpoint slowed to the hub's pace (+${spinUs} µs of CPU a request): ${Math.round(slowed.rps)} req/s, p50 ${slowed.p50} ms, p99 ${slowed.p99} ms${stealNote(slowed)}`);
  console.log(`durability: synchronous=FULL, group commit; 202s answered ${answered}, responses stored ${stored}${stored >= answered ? ' (every acknowledged response is stored)' : ' (MISSING RESPONSES)'}`);

  console.log('\ndelivery: shipped recipes, real SDKs → fake Zendesk/Slack/Intercom on 127.0.0.1 (zero latency, same process), synchronous=FULL');
  const delivery = await runPart<DeliveryResult>('bench/delivery.ts');
  const t = delivery.throughput;
  console.log(
    `delivery throughput (rate limits off)  ${Math.round(t.actionJobsPerSecond).toString().padStart(6)} action jobs/s   ${Math.round(t.responsesPerSecond)} responses/s fully delivered   ` +
      `(${t.responses} responses → ${t.actionJobs} action jobs, ${t.vendorCalls} vendor calls in ${t.seconds.toFixed(1)} s, concurrency ${t.concurrency}; not delivered: ${t.notDelivered})`,
  );
  console.log(`delivery / ingest ratio:                ${((t.responsesPerSecond / hubRps) * 100).toFixed(1)}% (responses delivered/s ÷ responses ingested/s)`);
  const u = delivery.ingestUnderLoad;
  console.log(
    `ingest latency (in-process, 20 at once): runner idle p50 ${u.idle.p50.toFixed(1)} ms p99 ${u.idle.p99.toFixed(1)} ms; ` +
      `runner draining a backlog p50 ${u.busy.p50.toFixed(1)} ms p99 ${u.busy.p99.toFixed(1)} ms (${u.busy.backlogLeftWhenDone} jobs and unplanned responses still waiting when the 1,000 webhooks were in)`,
  );
  const p = delivery.pacing;
  const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
  console.log(
    `slack pacing (1 msg/s/channel):        ${p.received}/${p.messages} messages to one channel received, ${p.succeeded} jobs succeeded, ${p.countedAttempts} attempts counted; ` +
      `spacing min ${ms(p.minGapMs)}, mean ${ms(p.meanGapMs)}, max ${ms(p.maxGapMs)}${p.received === p.messages && (p.minGapMs ?? 1000) >= 950 ? ' (paced, none dropped)' : ' (NOT PACED OR DROPPED)'}`,
  );

  const health = await runPart<HealthResult>('bench/health.ts');
  console.log(
    `\nhealth probe (GET /healthz) on a database of ${health.jobs.toLocaleString('en')} jobs and ${health.unplanned.toLocaleString('en')} unplanned responses: ${health.healthzMs.toFixed(2)} ms (median of ${health.probes}); ` +
      `reference, counting the job rows and the unplanned responses (before migrations 8 and 11): ${health.recountMs.toFixed(1)} ms; ratio ${(health.recountMs / health.healthzMs).toFixed(0)}× faster` +
      `${health.agrees ? ' (counts agree with the rows)' : ' (COUNTS DISAGREE WITH THE ROWS)'}`,
  );

  const insights = await runPart<InsightsResult>('bench/insights.ts');
  const [small, large] = [insights.queries[0]!, insights.queries.at(-1)!];
  console.log('\ninsights: GET /api/nps?by=plan&interval=week&since=365d (a year, by plan, by week), through the app');
  for (const q of insights.queries) {
    console.log(`  ${q.responses.toLocaleString('en').padStart(9)} responses: ${q.queryMs.toFixed(1)} ms (median of 7; ${q.rollupRows.toLocaleString('en')} rollup rows; main thread busy ${(q.mainThreadBusy * 100).toFixed(0)}% of the time; event loop's longest stall ${q.maxEventLoopStallMs.toFixed(0)} ms, idle ${q.idleStallMs.toFixed(0)} ms)`);
  }
  console.log(`  ratio ${(large.queryMs / small.queryMs).toFixed(2)}× for ${(large.responses / small.responses).toFixed(0)}× the responses (target ≤ 3×)`);
  const [withR, withoutR] = [insights.ab.withRollups, insights.ab.withoutRollups];
  console.log(
    `ingest + planning, rollups on / off (A/B in turns, ${insights.ab.webhooks} webhooks × ${insights.ab.rounds} rounds): ingest ${withR.ingestPerSecond.toFixed(0)} / ${withoutR.ingestPerSecond.toFixed(0)} webhooks/s, ` +
      `planned ${withR.plannedPerSecond.toFixed(0)} / ${withoutR.plannedPerSecond.toFixed(0)} responses/s (${((withR.plannedPerSecond / withoutR.plannedPerSecond - 1) * 100).toFixed(1)}%; target within 10%)`,
  );

  const cli = await measureCliStart(dir, Number(process.env.BENCH_CLI_RUNS ?? 10));
  const vsNode = (ms: number) => `${Math.round(ms)} ms (${(ms / cli.nodeMs).toFixed(1)}× node -e 0)`;
  console.log(
    `\nCLI start, median of ${cli.runs} runs${cli.compiled ? '' : ' (NOT BUILT: run npm run build; this is the tsx fallback)'}: node -e 0 ${Math.round(cli.nodeMs)} ms; ` +
      `closeloop --version ${vsNode(cli.versionMs)}; closeloop jobs (empty database) ${vsNode(cli.jobsMs)}; ` +
      `reference, --version from source through tsx (npm run closeloop): ${vsNode(cli.fromSourceMs)}`,
  );

  const worker = await runPart<WorkerBenchResult>('bench/worker.ts');
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const cpu = worker.startupCpuMs.map((ms) => `${Math.round(ms)}`).join(' / ');
  console.log(
    `\nWorker (${worker.entry}; wrangler deploy --dry-run): ${kib(worker.gzipBytes)} gzip, ${kib(worker.rawBytes)} raw` +
      `${worker.gzipBytes < 3 * 1024 * 1024 ? ' (limit 3 MiB gzip, aim 1 MiB)' : ' (OVER THE 3 MiB LIMIT)'}; ` +
      `start-up CPU (wrangler check startup, profile samples not idle) median ${Math.round(median(worker.startupCpuMs))} ms of ${worker.startupCpuMs.length} runs (${cpu} ms; limit 1 s, on Cloudflare's CPUs; load average ${worker.loadAverage.toFixed(1)})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
