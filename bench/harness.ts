/**
 * What `npm run bench` and `npm run bench:ab` share: servers pinned to core 0 (when `taskset`
 * exists), the load generator (bench/load.mjs, autocannon in its own process) pinned to core 1,
 * and turns: one server loaded while the others are frozen (SIGSTOP), so that a server's
 * background work takes nothing from another's turn and a slow spell of a shared machine weighs
 * on all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { coreTimes, stealPercent } from './steal.js';

/** The hub as `npm start` runs it (Node flags included). */
export const START = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
/** The bare Hono endpoint (bench/bare-server.ts); `SPIN_US` in its environment slows it down. */
export const BARE = ['node', '--import', 'tsx', 'bench/bare-server.ts'];
/** Each server's first turn, not counted: JIT, caches, the database's first pages. */
export const WARMUP_SECONDS = 3;

export const hasTaskset = await new Promise<boolean>((r) => spawn('taskset', ['-c', '0', 'true']).on('exit', (c) => r(c === 0)).on('error', () => r(false)));
/** `cmd` pinned to `core`; as is when `core` is null or `taskset` is missing. */
export const pinned = (core: number | null, cmd: string[]) => (hasTaskset && core !== null ? ['taskset', '-c', String(core), ...cmd] : cmd);

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  status2xx: number;
  /** Percent of core 0 (the servers') and core 1 (the load's) time taken by the hypervisor meanwhile. */
  steal: [number | null, number | null];
}

/** Load `url` with `connections` connections for `seconds` from core 1 (bench/load.mjs). */
export async function load(url: string, connections: number, seconds: number, tag: string): Promise<LoadResult> {
  const cmd = pinned(1, ['node', 'bench/load.mjs', url, String(connections), String(seconds), tag]);
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const before = coreTimes();
  await new Promise((r) => child.on('exit', r));
  const after = coreTimes();
  return { ...JSON.parse(out.trim().split('\n').pop()!), steal: [stealPercent(before, after, 0), stealPercent(before, after, 1)] };
}

export interface ServerOptions {
  env?: Record<string, string>;
  /** Working directory: another checkout of closeloop (a `git worktree`) to load another build. */
  cwd?: string;
  /** Core to pin the server to; null: not pinned. Default 0. */
  core?: number | null;
}

/**
 * Start a server on `port` and resolve once it answers HTTP. Its output is read and dropped
 * (the hub logs a line per webhook); the last of it is shown if it exits before it is up.
 */
export function startServer(cmd: string[], port: number, options: ServerOptions = {}): Promise<ChildProcess> {
  const full = pinned(options.core === undefined ? 0 : options.core, cmd);
  const child = spawn(full[0]!, full.slice(1), { cwd: options.cwd, env: { ...process.env, ...options.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`server exited (${code}) before it answered: ${out}`));
    child.once('exit', exited);
    child.once('error', reject);
    const poll = async () => {
      try {
        await fetch(`http://127.0.0.1:${port}/`);
      } catch {
        if (child.exitCode === null) setTimeout(poll, 100);
        return;
      }
      child.off('exit', exited).off('error', reject);
      child.stdout!.off('data', keep).resume();
      child.stderr!.off('data', keep).resume();
      resolve(child);
    };
    void poll();
  });
}

/** Stop a server (thawed first, in case it is frozen) and wait until it is gone. */
export async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const gone = new Promise((r) => server.once('exit', r));
  server.kill('SIGCONT');
  server.kill('SIGTERM');
  await gone;
}

/** Start a server, use it, and stop it whatever happens. */
export async function withServer<T>(cmd: string[], port: number, options: ServerOptions, use: (server: ChildProcess, url: string) => Promise<T>): Promise<T> {
  const server = await startServer(cmd, port, options);
  try {
    return await use(server, `http://127.0.0.1:${port}/webhooks/generic`);
  } finally {
    await stopServer(server);
  }
}

/** Load `active` while every other server is frozen (SIGSTOP). */
export async function turn(active: ChildProcess, others: ChildProcess[], url: string, connections: number, seconds: number, tag: string): Promise<LoadResult> {
  for (const o of others) o.kill('SIGSTOP');
  active.kill('SIGCONT');
  return load(url, connections, seconds, tag);
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
