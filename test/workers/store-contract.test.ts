import { env } from 'cloudflare:test';
import { D1Driver } from '../../src/runtime/workers/d1-driver.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { describeStoreContract } from '../store/contract.js';

/** Tables kept between cases: the migration ledgers, and D1's and SQLite's own. */
const KEPT = new Set(['schema_migrations', 'd1_migrations', 'privacy_settings', 'plan_cursor', 'sqlite_sequence']);

/**
 * Every case starts on an empty hub database (the migrations stay applied; the erasure salt
 * stays, as it would in a real database): D1 in a test file is one database for all its cases.
 */
async function emptyDatabase(driver: D1Driver): Promise<void> {
  const tables = await driver.all<{ name: string }>({ sql: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY rootpage DESC`, params: [] });
  await driver.batch([
    ...tables.filter((t) => !KEPT.has(t.name)).map((t) => ({ sql: `DELETE FROM "${t.name}"`, params: [] })),
    { sql: `UPDATE plan_cursor SET planned_through = 0, unplanned = 0`, params: [] },
    { sql: `UPDATE privacy_settings SET value = '0' WHERE key = 'retention_scrubbed_through'`, params: [] },
  ]);
}

describeStoreContract('D1 (inside workerd)', async () => {
  const driver = new D1Driver(env.DB);
  await emptyDatabase(driver);
  const store = new SqlStore(driver);
  return { store, close: () => store.close() };
});
