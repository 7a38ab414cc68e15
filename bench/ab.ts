/**
 * `npm run bench:ab -- [--rounds 8] [--seconds 5] BUILD...`: an A/B (or A/B/C…) of ingest, the way
 * the A/B figures of docs/benchmarks.md are measured. Every build is started side by side,
 * pinned to core 0 like `npm run bench`'s servers, and loaded in turns (after a warm-up turn each),
 * the others frozen meanwhile; throughput is reported against the first build, as the median of
 * the rounds' ratios, since the same two builds can differ by 17 points from one run to the next
 * on a shared machine.
 *
 * BUILD is `name[@dir][:VAR=value VAR=value…]`:
 * - `dir`: another checkout to run (`git worktree add /tmp/other REV`, with `node_modules` linked
 *   or installed there); default this one.
 * - Variables go to the server's environment (`CLOSELOOP_SYNC=NORMAL`, `LOG_LEVEL=warn`…), except:
 *   `BENCH_SERVER=bare` runs the bare Hono endpoint instead of the hub (`SPIN_US=86` slows it down
 *   by that much CPU a request, as `npm run bench`'s reference); `BENCH_PIN=none` leaves the server
 *   unpinned; `BENCH_NODE_FLAGS=--a,--b` replaces `npm start`'s Node flags.
 */
import { Command, InvalidArgumentError } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { BARE, START, WARMUP_SECONDS, median, startServer, stopServer, turn, type LoadResult } from './harness.js';

const wholeNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
};
const program = new Command('bench:ab')
  .usage('[--rounds 8] [--seconds 5] [--connections 50] name[@dir][:VAR=value …] …')
  .argument('<builds...>', 'name[@dir][:VAR=value …], the first one the base')
  .option('--rounds <n>', 'rounds per build', wholeNumber, 8)
  .option('--seconds <n>', 'seconds per round', wholeNumber, 5)
  .option('--connections <n>', 'connections of the load generator', wholeNumber, 50)
  // A mistake in the arguments exits 2 (and --help 0), before anything is started.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .parse();
const { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS } = program.opts<{ rounds: number; seconds: number; connections: number }>();
const fail = (message: string): never => program.error(message, { exitCode: 2 });

interface Build {
  name: string;
  cmd: string[];
  cwd: string | undefined;
  core: number | null;
  env: Record<string, string>;
}

const builds: Build[] = program.args.map((spec) => {
  const colon = spec.indexOf(':');
  const [name, cwd] = (colon < 0 ? spec : spec.slice(0, colon)).split('@') as [string, string | undefined];
  if (cwd !== undefined && !existsSync(join(cwd, 'src/runtime/node/cli.ts'))) fail(`build "${name}": ${cwd} is not a checkout of closeloop`);
  const env: Record<string, string> = { CLOSELOOP_SYNC: 'FULL', LOG_FORMAT: 'json', LOG_LEVEL: 'info', HOST: '127.0.0.1' };
  for (const pair of colon < 0 ? [] : spec.slice(colon + 1).split(' ').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 1) fail(`build "${name}": "${pair}" is not VAR=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const flags = env.BENCH_NODE_FLAGS;
  const hub = flags === undefined ? START : ['node', ...flags.split(',').filter(Boolean), ...START.slice(START.indexOf('--import'))];
  return { name, cwd, env, cmd: env.BENCH_SERVER === 'bare' ? BARE : hub, core: env.BENCH_PIN === 'none' ? null : 0 };
});

// Each build its own database, unless it names one.
const dir = mkdtempSync(join(tmpdir(), 'closeloop-ab-'));
builds.forEach((b, i) => (b.env.CLOSELOOP_DB ??= join(dir, `${i}.db`)));
const servers: ChildProcess[] = [];
try {
  for (const [i, b] of builds.entries()) servers.push(await startServer(b.cmd, 19500 + i, { env: b.env, cwd: b.cwd, core: b.core }));
  const url = (i: number) => `http://127.0.0.1:${19500 + i}/webhooks/generic`;
  const others = (i: number) => servers.filter((_, j) => j !== i);
  const results: LoadResult[][] = builds.map(() => []);
  for (const [i, b] of builds.entries()) await turn(servers[i]!, others(i), url(i), CONNECTIONS, WARMUP_SECONDS, `${b.name}-warm`);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, b] of builds.entries()) {
      const res = await turn(servers[i]!, others(i), url(i), CONNECTIONS, SECONDS, `${b.name}-${r}`);
      results[i]!.push(res);
      console.log(`round ${r + 1}: ${b.name.padEnd(12)} ${Math.round(res.rps).toString().padStart(6)} req/s   p99 ${String(res.p99).padStart(3)} ms   non-2xx ${res.non2xx}   errors ${res.errors}   steal ${res.steal.map((s) => (s === null ? '—' : `${s.toFixed(0)}%`)).join('/')}`);
    }
  }
  console.log(`\n${builds.length} builds, ${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} connections; throughput as the median of the rounds' ratios to ${builds[0]!.name}`);
  for (const [i, b] of builds.entries()) {
    const mine = results[i]!;
    const ratio = median(mine.map((res, r) => res.rps / results[0]![r]!.rps));
    console.log(
      `${b.name.padEnd(12)} ${Math.round(median(mine.map((res) => res.rps))).toString().padStart(6)} req/s   ${(ratio * 100).toFixed(1).padStart(5)}%   ` +
        `p99 ${String(median(mine.map((res) => res.p99))).padStart(3)} ms (rounds: ${mine.map((res) => res.p99).join(', ')})`,
    );
  }
} finally {
  for (const s of servers) await stopServer(s);
  rmSync(dir, { recursive: true, force: true });
}
