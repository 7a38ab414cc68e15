// Writes migrations/NNNN_<name>.sql for `wrangler d1 migrations apply` from src/store/migrations.ts
// (a test fails when they differ). Files of migrations no longer listed are removed.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from '../src/store/migrations.js';
import { D1_MIGRATIONS_DIR, d1MigrationFiles } from './d1-migrations.js';

const files = d1MigrationFiles(MIGRATIONS);
mkdirSync(D1_MIGRATIONS_DIR, { recursive: true });
for (const stale of readdirSync(D1_MIGRATIONS_DIR).filter((f) => f.endsWith('.sql') && !files.some((g) => g.name === f))) rmSync(join(D1_MIGRATIONS_DIR, stale));
for (const f of files) writeFileSync(join(D1_MIGRATIONS_DIR, f.name), f.text);
console.log(`wrote ${files.length} D1 migrations to ${D1_MIGRATIONS_DIR}/`);
