import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeVendors, type FakeVendors } from '../delivery/fake-vendors.js';
import { BIN, closeloop, cliEnv, freePort, ROOT } from '../support/cli.js';

/**
 * A campaign's waves across a real crash: the hub runs in a child process (`closeloop serve`,
 * the compiled CLI) and delivers to a fake Intercom on a plain node:http server. Wave 2 is
 * approved from another process (`closeloop campaign approve`), and the hub is killed with
 * SIGKILL inside an Intercom call in the middle of it; a new hub on the same database finishes
 * wave 2, and wave 3 is approved through the API. Each promoter gets exactly one event.
 */
const PER_SCORE = 100;
const CONCURRENCY = 8;
const TOKEN = 'campaign-crash-admin-token-0123456789';
const CAMPAIGN = {
  name: 'featured-on-g2',
  action: 'intercom.trackEvent',
  params: { email: '{{ response.respondent.email }}', eventName: 'featured-on-g2', metadata: { score: '{{ response.score }}' } },
  filter: { score: { min: 8 } },
  waves: [{ score: 10 }, { score: 9 }, { score: 8 }],
};

let dir: string;
let vendors: FakeVendors | undefined;
let children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children = [];
  await vendors?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startHub(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: cliEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.once('exit', (code) => {
    if (code) console.error(`hub exited ${code}: ${stderr}`);
  });
  children.push(child);
  return child;
}
const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a campaign across a SIGKILL between and during waves', () => {
  it('each promoter gets exactly one Intercom event; wave 2 approved from the CLI, the hub killed inside a vendor call mid-wave', { timeout: 300_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-campaign-crash-'));
    mkdirSync(join(dir, 'recipes'));
    vendors = await startFakeVendors({ zendesk: { email: 'agent@example.com', token: 'zd' }, slack: { token: 'xoxb' }, intercom: { token: 'ic-campaign-crash' } });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      ...vendors.env,
      CLOSELOOP_DB: join(dir, 'hub.db'),
      CLOSELOOP_RECIPES: join(dir, 'recipes'),
      CLOSELOOP_ADMIN_TOKEN: TOKEN,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      CLOSELOOP_LEASE_SECONDS: '2',
      CLOSELOOP_CONCURRENCY: String(CONCURRENCY),
      CLOSELOOP_RATE_LIMITS: 'off',
      CLOSELOOP_ALLOW_UNSIGNED: 'generic',
    };
    const api = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
    const health = async () => {
      const res = await fetch(`${base}/healthz`);
      return res.ok ? ((await res.json()) as { queue: { byStatus: Record<string, number>; unplanned: number } }) : undefined;
    };
    const idle = async () => {
      const h = await health();
      return h && h.queue.unplanned === 0 && h.queue.byStatus.queued === 0 && h.queue.byStatus.running === 0 ? h : undefined;
    };

    const first = startHub(env);
    await waitFor('the hub to listen', health);
    for (const score of [10, 9, 8, 5]) {
      await Promise.all(
        Array.from({ length: PER_SCORE }, async (_, i) => {
          const res = await fetch(`${base}/webhooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_id: `s${score}-${i}`, score, email: `p${score}-${i}@example.com` }) });
          expect(res.status).toBe(202);
        }),
      );
    }
    await waitFor('every response planned', idle);

    // Wave 1 (the 10s) goes out on creation; wave 2 waits.
    const created = await api('/api/campaigns', { method: 'POST', body: JSON.stringify(CAMPAIGN) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await waitFor('wave 1 delivered', idle);
    expect(vendors.state.events.map((e) => e.metadata.score)).toEqual(Array(PER_SCORE).fill('10'));

    // Wave 2 approved from another process; the hub is killed inside the Intercom call that brings it halfway.
    let killed = false;
    vendors.onEffect((call) => {
      if (!killed && call.op === 'createEvent' && vendors!.state.eventPosts >= PER_SCORE * 1.5) {
        killed = true;
        first.kill('SIGKILL');
      }
    });
    const approved = await closeloop(['campaign', 'approve', id], { env: { CLOSELOOP_DB: env.CLOSELOOP_DB } });
    expect([approved.code, approved.stderr]).toEqual([0, '']);
    expect(approved.stdout).toMatch(/^wave 2 released: 100 job\(s\) queued\n/);
    await exited(first);
    expect(first.signalCode).toBe('SIGKILL');
    expect(vendors.state.events.length).toBeLessThan(2 * PER_SCORE);

    // A new hub on the same database finishes wave 2; wave 3 is approved through its API.
    startHub(env);
    await waitFor('wave 2 delivered', idle);
    const approve3 = await api(`/api/campaigns/${id}/approve`, { method: 'POST' });
    expect(approve3.status).toBe(200);
    await waitFor('wave 3 delivered', idle);

    // Exactly one event per promoter (an event whose answer the kill swallowed was sent again with
    // the same created_at, and Intercom kept one), in wave order; no detractor.
    const kept = vendors.state.events;
    expect(kept).toHaveLength(3 * PER_SCORE);
    expect(new Set(kept.map((e) => e.id)).size).toBe(3 * PER_SCORE);
    expect(kept.map((e) => e.metadata.score)).toEqual([...Array(PER_SCORE).fill('10'), ...Array(PER_SCORE).fill('9'), ...Array(PER_SCORE).fill('8')]);
    expect(vendors.state.eventPosts - kept.length).toBeLessThanOrEqual(CONCURRENCY);
    const status = (await (await api(`/api/campaigns/${id}`)).json()) as { totals: unknown; next: unknown };
    expect(status.totals).toEqual({ members: 3 * PER_SCORE, skipped: 0, queued: 0, sent: 3 * PER_SCORE, sandboxed: 0, failed: 0, cancelled: 0 });
    expect(status.next).toBeNull();
  });
});
