import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The CLI as users run it: the compiled build (see build-cli.ts), found by bin/closeloop.js. */
export const BIN = join(ROOT, 'bin/closeloop.js');
const run = promisify(execFile);

export interface CliOptions {
  /** The only variables set (besides PATH, HOME and LOG_LEVEL=silent). */
  env?: Record<string, string>;
  /** Working directory (where `.env` is read). Default the repository root. */
  cwd?: string;
  nodeArgs?: string[];
}

/** Run `node bin/closeloop.js …` to its end. */
export async function closeloop(args: string[], options: CliOptions = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], { cwd: options.cwd ?? ROOT, env: cliEnv(options.env) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export function cliEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env };
}

/** A TCP port free at the time of asking. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * `closeloop serve` in the background, resolved once `/healthz` answers on `port`; `stop()` sends
 * SIGTERM and waits for the exit.
 */
export async function serveInBackground(port: number, options: CliOptions = {}) {
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: options.cwd ?? ROOT, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve did not answer on port ${port}: ${stderr}`);
    }
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child: child as ChildProcess,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
