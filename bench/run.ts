/**
 * `npm run bench`: ingest throughput and latency of POST /webhooks/generic on the hub (SQLite,
 * synchronous=FULL, group commit, shipped recipes, runner on) beside a bare Hono endpoint,
 * measured in the same run on this machine. Server pinned to one core, autocannon (in its own
 * process) to the other. Figures are printed as ratios against the bare endpoint.
 * Then delivery (bench/delivery.ts, its own process): jobs/s against a local fake API, ingest
 * latency while the runner drains a backlog, and Slack's 1 message/second/channel pacing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = 3;
const hasTaskset = await new Promise<boolean>((r) => spawn('taskset', ['-c', '0', 'true']).on('exit', (c) => r(c === 0)).on('error', () => r(false)));
const pinned = (core: number, cmd: string[]) => (hasTaskset ? ['taskset', '-c', String(core), ...cmd] : cmd);

interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  status2xx: number;
}

function start(cmd: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready') || out.includes('closeloop listening')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out.slice(-2000)}`)));
  });
}

async function load(url: string, seconds: number, tag: string): Promise<LoadResult> {
  const cmd = pinned(1, ['node', 'bench/load.mjs', url, String(CONNECTIONS), String(seconds), tag]);
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await new Promise((r) => child.on('exit', r));
  return JSON.parse(out.trim().split('\n').pop()!);
}

interface DeliveryResult {
  throughput: { responses: number; actionJobs: number; seconds: number; actionJobsPerSecond: number; responsesPerSecond: number; vendorCalls: number; notDelivered: number; concurrency: number };
  ingestUnderLoad: { idle: { p50: number; p99: number }; busy: { p50: number; p99: number; backlogLeftWhenDone: number } };
  pacing: { messages: number; received: number; succeeded: number; minGapMs: number | null; meanGapMs: number | null; maxGapMs: number | null; countedAttempts: number };
}

async function runDelivery(): Promise<DeliveryResult> {
  const cmd = pinned(0, ['node', '--import', 'tsx', 'bench/delivery.ts']);
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const code = await new Promise((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`bench/delivery.ts exited ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function measure(name: string, cmd: string[], env: Record<string, string>, port: number) {
  const server = await start(pinned(0, cmd), { ...env, PORT: String(port) });
  try {
    const url = `http://127.0.0.1:${port}/webhooks/generic`;
    const warm = await load(url, WARMUP, `${name}-warm`);
    const result = await load(url, DURATION, name);
    return { ...result, answered2xx: warm.status2xx + result.status2xx };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.on('exit', r));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'closeloop-bench-'));
const db = join(dir, 'bench.db');
try {
  console.log(`closeloop ingest benchmark: ${CONNECTIONS} connections, ${DURATION}s after ${WARMUP}s warm-up${hasTaskset ? ', server on core 0, load on core 1' : ''}\n`);
  const bare = await measure('bare', ['node', '--import', 'tsx', 'bench/bare-server.ts'], {}, 18787);
  const hub = await measure(
    'hub',
    ['node', '--import', 'tsx', 'src/runtime/node/cli.ts', 'serve'],
    { CLOSELOOP_DB: db, CLOSELOOP_SYNC: 'FULL', LOG_FORMAT: 'json', LOG_LEVEL: 'info', HOST: '127.0.0.1' },
    18788,
  );

  const sqlite = new Database(db, { readonly: true });
  const stored = (sqlite.prepare('SELECT COUNT(*) AS n FROM responses').get() as { n: number }).n;
  sqlite.close();

  const row = (name: string, r: LoadResult & { answered2xx: number }) =>
    `${name.padEnd(30)} ${Math.round(r.rps).toString().padStart(8)} req/s   p50 ${String(r.p50).padStart(3)} ms   p99 ${String(r.p99).padStart(3)} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
  console.log(row('bare Hono endpoint (reference)', bare));
  console.log(row('closeloop POST /webhooks/generic', hub));
  const ratio = hub.rps / bare.rps;
  console.log(`\ningest throughput ratio (hub / bare):  ${(ratio * 100).toFixed(1)}%   (target ≥ 25%)`);
  console.log(`hub p99 at ${CONNECTIONS} connections:         ${hub.p99} ms   (target < 20 ms)`);
  console.log(`durability: synchronous=FULL, group commit; 202s answered ${hub.answered2xx}, responses stored ${stored}${stored >= hub.answered2xx ? ' (every acknowledged response is stored)' : ' (MISSING RESPONSES)'}`);

  console.log('\ndelivery: shipped recipes, real SDKs → fake Zendesk/Slack/Intercom on 127.0.0.1 (zero latency, same process), synchronous=FULL');
  const delivery = await runDelivery();
  const t = delivery.throughput;
  console.log(
    `delivery throughput (rate limits off)  ${Math.round(t.actionJobsPerSecond).toString().padStart(6)} action jobs/s   ${Math.round(t.responsesPerSecond)} responses/s fully delivered   ` +
      `(${t.responses} responses → ${t.actionJobs} action jobs, ${t.vendorCalls} vendor calls in ${t.seconds.toFixed(1)} s, concurrency ${t.concurrency}; not delivered: ${t.notDelivered})`,
  );
  console.log(`delivery / ingest ratio:                ${((t.responsesPerSecond / hub.rps) * 100).toFixed(1)}% (responses delivered/s ÷ responses ingested/s)`);
  const u = delivery.ingestUnderLoad;
  console.log(
    `ingest latency (in-process, 20 at once): runner idle p50 ${u.idle.p50.toFixed(1)} ms p99 ${u.idle.p99.toFixed(1)} ms; ` +
      `runner draining a backlog p50 ${u.busy.p50.toFixed(1)} ms p99 ${u.busy.p99.toFixed(1)} ms (${u.busy.backlogLeftWhenDone} jobs still queued when the 1,000 webhooks were in)`,
  );
  const p = delivery.pacing;
  const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
  console.log(
    `slack pacing (1 msg/s/channel):        ${p.received}/${p.messages} messages to one channel received, ${p.succeeded} jobs succeeded, ${p.countedAttempts} attempts counted; ` +
      `spacing min ${ms(p.minGapMs)}, mean ${ms(p.meanGapMs)}, max ${ms(p.maxGapMs)}${p.received === p.messages && (p.minGapMs ?? 1000) >= 950 ? ' (paced, none dropped)' : ' (NOT PACED OR DROPPED)'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
