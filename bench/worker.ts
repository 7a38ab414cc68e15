/**
 * The Worker's size and start-up, as Cloudflare would take it: `wrangler deploy --dry-run` builds
 * the Worker of wrangler.toml (or `BENCH_WORKER_ENTRY`, an entry of your own, with the same
 * config) into a directory and a deployable bundle, offline; the size is the gzip of its modules
 * (the Workers limit is 3 MiB compressed on the paid plan); `wrangler check startup` runs the
 * bundle's start-up in a local workerd under the CPU profiler, and the start-up CPU time is the
 * profile's samples that are not idle (Cloudflare's limit is 1 s; its CPUs differ from this one),
 * `BENCH_WORKER_STARTUP_RUNS` times (default 3): on a shared machine the median says more than one.
 * Prints one JSON line (bench/run.ts runs it as a part).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface WorkerBenchResult {
  entry: string;
  rawBytes: number;
  gzipBytes: number;
  /** Start-up CPU time of each profiled run, in ms, sorted. */
  startupCpuMs: number[];
  /** The machine's 1-minute load average when done: profiles are sampled on the wall clock, so a busy machine inflates them. */
  loadAverage: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
}

function wrangler(args: string[], env: NodeJS.ProcessEnv): void {
  const run = spawnSync('npx', ['wrangler', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) throw new Error(`wrangler ${args.join(' ')} exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
}

/** CPU time in a profile: the sampled time that was not `(idle)`, in ms. */
function profileCpuMs(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  let us = 0;
  profile.samples.forEach((node, i) => {
    if (!idle.has(node)) us += profile.timeDeltas[i] ?? 0;
  });
  return us / 1000;
}

function measureWorker(entry: string | undefined, runs: number): WorkerBenchResult {
  const dir = mkdtempSync(join(tmpdir(), 'closeloop-worker-bench-'));
  try {
    // Offline and quiet: no metrics, wrangler's own files in the temp dir.
    const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', XDG_CONFIG_HOME: join(dir, 'xdg') };
    const out = join(dir, 'out');
    const bundle = join(dir, 'worker.bundle');
    wrangler(['deploy', '--dry-run', '--outdir', out, '--outfile', bundle, '--config', 'wrangler.toml', ...(entry ? [entry] : [])], env);
    const modules = readdirSync(out).filter((f) => /\.(m?js|cjs|wasm|txt|bin)$/.test(f));
    const bytes = modules.map((f) => readFileSync(join(out, f)));
    const profile = join(dir, 'startup.cpuprofile');
    const startupCpuMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      wrangler(['check', 'startup', '--config', 'wrangler.toml', '--worker', bundle, '--outfile', profile], env);
      startupCpuMs.push(profileCpuMs(JSON.parse(readFileSync(profile, 'utf8'))));
    }
    return {
      entry: entry ?? 'wrangler.toml main',
      rawBytes: bytes.reduce((n, b) => n + b.length, 0),
      gzipBytes: bytes.reduce((n, b) => n + gzipSync(b).length, 0),
      startupCpuMs: startupCpuMs.sort((a, b) => a - b),
      loadAverage: loadavg()[0]!,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(JSON.stringify(measureWorker(process.env.BENCH_WORKER_ENTRY || undefined, Number(process.env.BENCH_WORKER_STARTUP_RUNS ?? 3))));
