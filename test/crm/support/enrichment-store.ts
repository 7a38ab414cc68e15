import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../../src/runtime/node/sqlite-store.js';

/** A store on a temporary SQLite file and a clock the test moves. */
export function enrichmentStore(start = new Date('2026-03-02T10:00:00.000Z')) {
  const dir = mkdtempSync(join(tmpdir(), 'closeloop-crm-'));
  const clock = { now: start };
  const store = new SqliteStore({ path: join(dir, 'hub.db'), now: () => clock.now });
  return {
    store,
    clock,
    now: () => clock.now,
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
