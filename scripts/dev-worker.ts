// npm run dev:worker: the Worker on this machine, offline (workerd through wrangler, local D1 and
// Queues, no Cloudflare account), configured by the same environment variables as `npm start`
// (and `.env`), so whatever drives the Node hub drives it unchanged. docs/deploy-cloudflare.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDotenvFile } from '../src/runtime/node/dotenv-file.js';
import { devVars } from './dev-worker-vars.js';

/** Everything the Worker keeps locally (D1, queues, wrangler's own config), inside the project's temp folder. */
const STATE = resolve(process.env.CLOSELOOP_DEV_WORKER_DIR ?? '.tmp/dev-worker');

function main(): void {
  const env: Record<string, string | undefined> = { ...process.env };
  loadDotenvFile(env);
  mkdirSync(STATE, { recursive: true, mode: 0o700 });
  const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', XDG_CONFIG_HOME: join(STATE, 'config'), CI: '1' };
  const wrangler = join('node_modules', '.bin', 'wrangler');
  const persist = ['--persist-to', join(STATE, 'state')];

  // The local D1 gets the migrations first (the same files `--remote` applies).
  const migrated = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', ...persist], { env: wranglerEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  if (migrated.status !== 0) process.exit(migrated.status ?? 1);

  // Secrets go to wrangler in a file only this user reads, removed when wrangler stops (never on its command line).
  const varsFile = join(STATE, 'worker.env');
  writeFileSync(varsFile, devVars(env), { mode: 0o600 });
  const port = env.PORT || '8787';
  const ip = env.HOST || '127.0.0.1';
  const dev = spawn(
    wrangler,
    ['dev', '--local', '--ip', ip, '--port', port, ...persist, '--env-file', varsFile, '--test-scheduled', '--show-interactive-dev-session=false', '--log-level', env.WRANGLER_LOG ?? 'info'],
    { env: wranglerEnv, stdio: 'inherit' },
  );
  const stop = (signal: NodeJS.Signals) => dev.kill(signal);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  dev.on('exit', (code, signal) => {
    rmSync(varsFile, { force: true });
    process.exit(code ?? (signal ? 1 : 0));
  });
}

main();
