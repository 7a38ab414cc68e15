import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
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

  it('serves the Worker offline on PORT: a webhook is stored in the local D1, its plan job runs from the local queue, and node-zendesk opens the ticket from workerd', async () => {
    const port = await freePort();
    // A tiny Zendesk on loopback: the real bundle's node-zendesk calls it from inside workerd.
    const zendeskRequests: { method: string; url: string; authorization: string | undefined; body: string }[] = [];
    const zendesk = createHttpServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      zendeskRequests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET') return res.end(JSON.stringify({ tickets: [], meta: { has_more: false }, links: { next: null, prev: null } }));
      res.statusCode = 201;
      res.end(JSON.stringify({ ticket: { id: 777, external_id: (JSON.parse(body) as { ticket: { external_id: string } }).ticket.external_id } }));
    });
    await new Promise<void>((resolve) => zendesk.listen(0, '127.0.0.1', resolve));
    const zendeskUrl = `http://127.0.0.1:${(zendesk.address() as { port: number }).port}`;
    const child = spawn('npm', ['run', 'dev:worker'], {
      env: {
        ...process.env,
        PORT: String(port),
        CLOSELOOP_ADMIN_TOKEN: TOKEN,
        CLOSELOOP_DEV_WORKER_DIR: dir,
        WRANGLER_LOG: 'warn',
        // A live connector: unsigned webhooks are refused unless allowed, so the generic source is.
        CLOSELOOP_ALLOW_UNSIGNED: 'generic',
        ZENDESK_EMAIL: 'agent@example.com',
        ZENDESK_API_TOKEN: 'zd-token-123',
        ZENDESK_SUBDOMAIN: 'acme',
        ZENDESK_BASE_URL: zendeskUrl,
      },
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
        ['plan:<id> succeeded', '<id>:detractor-ticket:ticket succeeded', '<id>:detractor-ticket:alert sandboxed', '<id>:verbatims-to-slack:verbatim sandboxed'].sort(),
      );
      // The ticket: looked up by its job key as external_id, then created, with the API token's basic auth.
      const auth = `Basic ${Buffer.from('agent@example.com/token:zd-token-123').toString('base64')}`;
      expect(zendeskRequests.map((r) => `${r.method} ${r.url.split('?')[0]} ${r.authorization === auth}`)).toEqual(['GET /api/v2/tickets.json true', 'POST /api/v2/tickets.json true']);
      expect(new URL(zendeskRequests[0]!.url, zendeskUrl).searchParams.get('external_id')).toBe(`${id}:detractor-ticket:ticket`);
      expect(JSON.parse(zendeskRequests[1]!.body)).toMatchObject({ ticket: { external_id: `${id}:detractor-ticket:ticket`, tags: expect.arrayContaining(['nps', 'detractor']) } });
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
      zendesk.close();
    }
  }, 240_000);
});
