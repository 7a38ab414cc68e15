/**
 * The CLI's start time: median wall time of `closeloop --version` and `closeloop jobs` (an empty
 * database) as users run them (bin/closeloop.js → the compiled dist/), beside `node -e 0`, the
 * floor any Node program pays; and, for reference, `--version` from source through tsx
 * (`npm run closeloop`, what every call cost before the build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../src/runtime/node/sqlite-store.js';
import { median } from './harness.js';

export interface CliStartResult {
  runs: number;
  compiled: boolean;
  nodeMs: number;
  versionMs: number;
  jobsMs: number;
  fromSourceMs: number;
}

/** Wall time of one run, in ms; throws when the command fails. */
function timed(args: string[], env: Record<string, string | undefined>): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return ms;
}

export async function measureCliStart(dir: string, runs: number): Promise<CliStartResult> {
  const db = join(dir, 'cli-start.db');
  await new SqliteStore({ path: db }).close();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, CLOSELOOP_DB: db };
  const medianOf = (args: string[], n = runs) => median(Array.from({ length: n }, () => timed(args, env)));
  medianOf(['bin/closeloop.js', '--version'], 1);
  return {
    runs,
    compiled: existsSync('dist/src/runtime/node/cli.js'),
    nodeMs: medianOf(['-e', '0']),
    versionMs: medianOf(['bin/closeloop.js', '--version']),
    jobsMs: medianOf(['bin/closeloop.js', 'jobs']),
    fromSourceMs: medianOf(['--import', 'tsx', 'src/runtime/node/cli.ts', '--version'], Math.min(runs, 3)),
  };
}
