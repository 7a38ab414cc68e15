import { loadConfig } from '../../../core/config.js';
import type { FieldIssue } from '../../../core/errors.js';
import { SqliteStore } from '../sqlite-store.js';

/** The hub's database for a reading command: it must exist (never created empty), closed after use. */
export async function withHubDatabase<T>(env: Record<string, string | undefined>, use: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ path: loadConfig(env).CLOSELOOP_DB, mustExist: true });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Issues named by a request field (`minSample`) as the CLI names them: by option (`--min-sample`). */
export function asCliOptions(issues: FieldIssue[]): FieldIssue[] {
  return issues.map((i) => ({ ...i, field: `--${i.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` }));
}
