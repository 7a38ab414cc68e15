import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/runtime/node/sqlite-store.js';
import { generic } from '../../src/sources/generic.js';
import { closeloop, freePort, ROOT, serveInBackground } from '../support/cli.js';

const SECRET = `whsec_${Buffer.from('backup-test-secret-0123456789').toString('base64')}`;

/** A signed generic webhook to a running hub; the hub's answer. */
async function post(url: string, n: number): Promise<{ status: number; id?: string }> {
  const body = JSON.stringify({ response_id: `load-${n}`, score: n % 11, comment: `comment ${n}`, email: `r${n}@example.com` });
  const { headers } = await generic.sign!(new TextEncoder().encode(body), SECRET, { url, now: new Date() });
  const res = await fetch(`${url}/webhooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, ...((await res.json()) as { id?: string }) };
}

describe('closeloop backup and restore', () => {
  let dir: string;
  let db: string;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-backup-'));
    db = join(dir, 'data', 'hub.db');
    env = { CLOSELOOP_DB: db, CLOSELOOP_RECIPES: join(ROOT, 'recipes'), HOST: '127.0.0.1', GENERIC_WEBHOOK_SECRET: SECRET };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('backs up a hub under load; every response acknowledged before is restored, and the restored hub serves', async () => {
    const port = await freePort();
    const hub = await serveInBackground(port, { env: { ...env, PORT: String(port) } });
    const acked: string[] = [];
    let n = 0;
    let posting = true;
    const refused: number[] = [];
    const posters = Array.from({ length: 4 }, async () => {
      while (posting) {
        const res = await post(hub.url, n++);
        if (res.status === 202) acked.push(res.id!);
        else refused.push(res.status);
      }
    });
    let before: string[] = [];
    let backup: Awaited<ReturnType<typeof closeloop>>;
    const file = join(dir, 'backups', 'hub-1.db');
    try {
      while (acked.length < 50) await new Promise((r) => setTimeout(r, 20));
      before = [...acked];
      mkdirSync(join(dir, 'backups'));
      backup = await closeloop(['backup', file], { env });
      // Webhooks kept arriving while the copy was taken.
      const during = acked.length - before.length;
      expect(during).toBeGreaterThan(0);
    } finally {
      posting = false;
      await Promise.all(posters);
      expect(await hub.stop()).toBe(0);
    }
    expect(refused).toEqual([]);
    expect(backup!.stderr).toBe('');
    expect(backup!.code).toBe(0);
    expect(backup!.stdout).toMatch(new RegExp(`^backed up ${escape(db)} to ${escape(file)}: \\d+ response\\(s\\), \\d+ job\\(s\\), schema \\d+\\n$`));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'backups'))).toEqual(['hub-1.db']);

    const restored = await closeloop(['restore', file], { env });
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    const kept = readdirSync(join(dir, 'data')).filter((f) => f.startsWith('hub.db.before-restore-') && !f.endsWith('-wal') && !f.endsWith('-shm'));
    expect(kept).toHaveLength(1);
    expect(restored.stdout).toContain(`the database it replaced is kept as ${join(dir, 'data', kept[0]!)}`);

    const store = new SqliteStore({ path: db, mustExist: true });
    try {
      const missing: string[] = [];
      for (const id of before) if (!(await store.getResponse(id))) missing.push(id);
      expect(missing).toEqual([]);
      const count = (await store.listResponses({ limit: 100000 })).length;
      expect(count).toBeGreaterThanOrEqual(before.length);
      expect(count).toBeLessThanOrEqual(acked.length);
    } finally {
      await store.close();
    }

    const port2 = await freePort();
    const again = await serveInBackground(port2, { env: { ...env, PORT: String(port2) } });
    try {
      expect((await post(again.url, 1_000_000)).status).toBe(202);
    } finally {
      expect(await again.stop()).toBe(0);
    }
    const jobs = await closeloop(['jobs', '--limit', '1'], { env });
    expect(jobs.code).toBe(0);
  }, 120_000);

  it('restore is refused while a hub has the database open, and proceeds once it is closed', async () => {
    const store = new SqliteStore({ path: db });
    const file = join(dir, 'copy.db');
    const backup = await closeloop(['backup', file], { env });
    expect(backup.code, backup.stderr).toBe(0);
    try {
      const refused = await closeloop(['restore', file], { env });
      expect(refused).toEqual({ code: 1, stdout: '', stderr: `${db} is open in another process (a running hub?): stop the hub, then restore\n  CLOSELOOP_DB: is in use\n` });
      expect(readdirSync(join(dir, 'data')).filter((f) => f.includes('before-restore'))).toEqual([]);
    } finally {
      await store.close();
    }
    const restored = await closeloop(['restore', file], { env });
    expect(restored.code, restored.stderr).toBe(0);
  });

  it('backup never overwrites a file; restore refuses a file that is not a closeloop backup', async () => {
    await new SqliteStore({ path: db }).close();
    const existing = join(dir, 'existing.db');
    writeFileSync(existing, 'keep me');
    expect(await closeloop(['backup', existing], { env })).toEqual({
      code: 1,
      stdout: '',
      stderr: `${existing} already exists: give a new file name (a backup never overwrites)\n  <file>: already exists\n`,
    });
    const refused = await closeloop(['restore', existing], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${existing} is not a SQLite database`);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
  });
});

function escape(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
