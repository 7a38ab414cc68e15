import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devVars } from '../../scripts/dev-worker-vars.js';

const TOKEN = 'dev-worker-admin-token-0123456789';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npm run dev:worker', () => {
  it('passes the declared settings found in the environment to wrangler, and nothing else', () => {
    const vars = devVars({ PORT: '9999', HOST: '0.0.0.0', CLOSELOOP_ADMIN_TOKEN: TOKEN, TYPEFORM_WEBHOOK_SECRET: "it's secret", SLACK_BOT_TOKEN: 'xoxb-1', PATH: '/usr/bin', HOME: '/root', CLOSELOOP_SOURCES: '' });
    expect(vars).toBe(`CLOSELOOP_ADMIN_TOKEN='${TOKEN}'\nSLACK_BOT_TOKEN='xoxb-1'\nTYPEFORM_WEBHOOK_SECRET="it's secret"\n`);
  });

  const dir = mkdtempSync(join(tmpdir(), 'closeloop-dev-worker-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the Worker offline on PORT: a webhook is stored in the local D1 and its plan job runs from the local queue', async () => {
    const port = await freePort();
    const child = spawn('npm', ['run', 'dev:worker'], {
      env: { ...process.env, PORT: String(port), CLOSELOOP_ADMIN_TOKEN: TOKEN, CLOSELOOP_DEV_WORKER_DIR: dir, WRANGLER_LOG: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      const base = `http://127.0.0.1:${port}`;
      await until('the Worker to answer /healthz', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), 150_000).catch((e) => {
        throw new Error(`${(e as Error).message}\n${output}`);
      });
      const res = await fetch(`${base}/webhooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_id: 'dev-worker-1', score: 3, comment: 'Exports are too slow', email: 'ana@example.com' }) });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      // Queues deliver to the consumer within about a second: the plan job runs and plans the shipped recipes (sandboxed).
      const jobs = await until(
        'the plan job to run',
        async () => {
          const answer = (await (await fetch(`${base}/api/responses/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { jobs: { key: string; status: string }[] };
          return answer.jobs.length > 1 && answer.jobs.every((j) => j.status !== 'queued' && j.status !== 'running') ? answer.jobs : undefined;
        },
        30_000,
      );
      expect(jobs.map((j) => `${j.key.replace(id, '<id>')} ${j.status}`).sort()).toEqual(
        ['plan:<id> succeeded', '<id>:detractor-ticket:ticket sandboxed', '<id>:detractor-ticket:alert sandboxed', '<id>:verbatims-to-slack:verbatim sandboxed'].sort(),
      );
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 240_000);
});
