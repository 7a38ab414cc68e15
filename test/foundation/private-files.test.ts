import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { createNodeHub } from '../../src/runtime/node/hub.js';
import { postWebhook } from '../support/hub.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('files the hub creates are owner-only', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the database folder 0700; the database, its -wal and -shm, and the admin token 0600', async () => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-perm-'));
    const db = join(dir, 'nested', 'data', 'closeloop.db');
    const hub = createNodeHub({ env: { CLOSELOOP_DB: db, CLOSELOOP_RECIPES: 'recipes' }, log: silentLogger });
    try {
      expect((await postWebhook(hub, 'generic', { response_id: 'r-1', score: 9 })).status).toBe(202);
      expect(mode(join(dir, 'nested'))).toBe(0o700);
      expect(mode(join(dir, 'nested', 'data'))).toBe(0o700);
      for (const file of [db, `${db}-wal`, `${db}-shm`, `${db}.admin-token`]) {
        expect(existsSync(file), file).toBe(true);
        expect(mode(file), file).toBe(0o600);
      }
    } finally {
      await hub.close();
    }
  });

  it('a database file others could read is tightened at start', async () => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-perm-'));
    const db = join(dir, 'closeloop.db');
    writeFileSync(db, '', { mode: 0o644 });
    const hub = createNodeHub({ env: { CLOSELOOP_DB: db, CLOSELOOP_RECIPES: 'recipes' }, log: silentLogger });
    await hub.close();
    expect(mode(db)).toBe(0o600);
  });
});
