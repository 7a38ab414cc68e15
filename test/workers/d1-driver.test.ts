import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { D1Driver } from '../../src/runtime/workers/d1-driver.js';

describe('D1Driver (inside workerd, on a local D1 with the migrations applied)', () => {
  const driver = () => new D1Driver(env.DB);

  it('runs positional statements, returns RETURNING rows, and reads them back', async () => {
    const d = driver();
    const inserted = await d.run<{ key: string }>({ sql: `INSERT INTO enrichment_cache (key, value, fetched_at, expires_at) VALUES (?, ?, ?, ?) RETURNING key`, params: ['k1', '"v"', '2026-01-01', '2027-01-01'] });
    expect(inserted).toEqual([{ key: 'k1' }]);
    expect(await d.get({ sql: `SELECT value FROM enrichment_cache WHERE key = ?`, params: ['k1'] })).toEqual({ value: '"v"' });
    expect(await d.get({ sql: `SELECT value FROM enrichment_cache WHERE key = ?`, params: ['none'] })).toBeUndefined();
    expect(await d.all({ sql: `SELECT key FROM enrichment_cache ORDER BY key`, params: [] })).toEqual([{ key: 'k1' }]);
  });

  it('commits a batch all or nothing', async () => {
    const d = driver();
    const insert = (key: string) => ({ sql: `INSERT INTO enrichment_cache (key, value, fetched_at, expires_at) VALUES (?, ?, ?, ?) RETURNING key`, params: [key, 'null', 'a', 'b'] });
    expect(await d.batch([insert('a'), insert('b')])).toEqual([[{ key: 'a' }], [{ key: 'b' }]]);
    // The second statement breaks the primary key: the first is rolled back with it.
    await expect(d.batch([insert('c'), insert('a')])).rejects.toThrow(/UNIQUE/);
    expect(await d.all({ sql: `SELECT key FROM enrichment_cache WHERE key IN ('a', 'b', 'c') ORDER BY key`, params: [] })).toEqual([{ key: 'a' }, { key: 'b' }]);
  });

  it('binds undefined as NULL and the migrations are all recorded', async () => {
    const d = driver();
    await expect(d.run({ sql: `INSERT INTO enrichment_cache (key, value, fetched_at, expires_at) VALUES (?, ?, ?, ?)`, params: ['u', 'null', 'a', undefined] })).rejects.toThrow(/NOT NULL/);
    const { n } = (await d.get<{ n: number }>({ sql: `SELECT COUNT(*) AS n FROM schema_migrations`, params: [] }))!;
    expect(n).toBeGreaterThanOrEqual(17);
  });
});
