import type { Migration } from '../src/store/migrations.js';

/** Where wrangler reads D1 migrations from (`migrations_dir` in wrangler.toml). */
export const D1_MIGRATIONS_DIR = 'migrations';

/**
 * The D1 migration files of the one migration list (src/store/migrations.ts), as
 * `wrangler d1 migrations apply` reads them: `NNNN_<name>.sql`, in version order. Each also
 * records its version in `schema_migrations`, as the Node store does, so both databases say which
 * schema they hold the same way.
 */
export function d1MigrationFiles(migrations: readonly Migration[]): { name: string; text: string }[] {
  return [...migrations]
    .sort((a, b) => a.version - b.version)
    .map((m, i) => {
      const slug = m.name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
      const record = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name.replace(/'/g, "''")}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));`;
      const ledger = i === 0 ? 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);\n' : '';
      const text = `-- Generated from src/store/migrations.ts (version ${m.version}) by \`npm run d1:migrations\`; do not edit.\n${ledger}${m.sql.trim()}\n${record}\n`;
      return { name: `${String(m.version).padStart(4, '0')}_${slug}.sql`, text };
    });
}
