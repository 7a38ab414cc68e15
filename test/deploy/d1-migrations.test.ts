import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { D1_MIGRATIONS_DIR, d1MigrationFiles } from '../../scripts/d1-migrations.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

describe('D1 migration files (migrations/, for wrangler d1 migrations apply)', () => {
  const expected = d1MigrationFiles(MIGRATIONS);

  it('are exactly the files generated from src/store/migrations.ts (npm run d1:migrations)', () => {
    const committed = readdirSync(D1_MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
    expect(committed).toEqual(expected.map((f) => f.name));
    for (const f of expected) expect(readFileSync(join(D1_MIGRATIONS_DIR, f.name), 'utf8'), f.name).toBe(f.text);
  });

  it('are one per migration, numbered by version, each recording its version as the Node store does', () => {
    expect(expected).toHaveLength(MIGRATIONS.length);
    for (const [i, m] of [...MIGRATIONS].sort((a, b) => a.version - b.version).entries()) {
      expect(expected[i]!.name).toMatch(new RegExp(`^${String(m.version).padStart(4, '0')}_[a-z0-9_]+\\.sql$`));
      expect(expected[i]!.text).toContain(m.sql.trim());
      expect(expected[i]!.text).toContain(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, `);
    }
  });
});
