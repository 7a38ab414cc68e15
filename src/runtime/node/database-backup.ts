import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { HubError } from '../../core/errors.js';
import { MIGRATIONS } from '../../store/migrations.js';

/** What a copy holds, printed by `backup` and `restore`. */
export interface DatabaseSummary {
  responses: number;
  jobs: number;
  /** The newest migration applied to it. */
  schemaVersion: number;
}

/** Pages per backup step: all of them, so the copy is taken in one read transaction (one moment) and a concurrent write cannot restart it. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copy the hub's database to `target` with SQLite's online backup API: consistent (every write
 * committed before it started is in the copy, none half-written) while the hub keeps running,
 * since a WAL reader blocks no writer. Written to `<target>.partial` and renamed when whole, so
 * a copy interrupted midway is never mistaken for a backup; readable by its owner only (it
 * holds respondents' emails and verbatims).
 */
export async function backupDatabase(source: string, target: string): Promise<DatabaseSummary> {
  if (!existsSync(source)) throw new HubError(404, 'no_database', `No database at ${source}: set CLOSELOOP_DB`, [{ field: 'CLOSELOOP_DB', message: 'no such file' }]);
  if (existsSync(target)) throw new HubError(409, 'backup_exists', `${target} already exists: give a new file name (a backup never overwrites)`, [{ field: '<file>', message: 'already exists' }]);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(partial, { progress: () => ALL_PAGES });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  chmodSync(partial, 0o600);
  // One self-contained file (the hub's WAL mode needs -wal and -shm beside it); the hub sets WAL again on opening.
  const copy = new Database(partial);
  copy.pragma('journal_mode = DELETE');
  copy.close();
  const summary = checkCopy(partial);
  renameSync(partial, target);
  return summary;
}

/**
 * Put a backup in place of the hub's database, once no process has the database open (a
 * running hub holds it: refused, naming it). The database it replaces is kept beside it, with
 * its WAL, as `<db>.before-restore-<time>`; nothing is deleted.
 */
export async function restoreDatabase(backup: string, target: string, now: Date): Promise<DatabaseSummary & { previous: string | null }> {
  if (!existsSync(backup)) throw new HubError(404, 'no_backup', `No backup at ${backup}`, [{ field: '<file>', message: 'no such file' }]);
  const summary = checkCopy(backup);
  if (existsSync(target)) assertNotInUse(target);
  const previous = existsSync(target) ? `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}` : null;
  const partial = `${target}.restoring`;
  rmSync(partial, { force: true });
  mkdirSync(dirname(target), { recursive: true });
  const source = new Database(backup, { readonly: true, fileMustExist: true });
  try {
    await source.backup(partial, { progress: () => ALL_PAGES });
  } finally {
    source.close();
  }
  chmodSync(partial, 0o600);
  if (previous) for (const suffix of ['', '-wal', '-shm']) if (existsSync(target + suffix)) renameSync(target + suffix, previous + suffix);
  renameSync(partial, target);
  return { ...summary, previous };
}

/** A copy that SQLite finds whole and that holds a hub's tables from this version or an older one; its counts. */
function checkCopy(file: string): DatabaseSummary {
  let db: Database.Database;
  let check: unknown;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw notADatabase(file, error);
  }
  try {
    try {
      check = db.pragma('quick_check', { simple: true });
    } catch (error) {
      throw notADatabase(file, error);
    }
    if (check !== 'ok') throw new HubError(422, 'not_a_backup', `${file} is damaged: ${String(check)}`, [{ field: '<file>', message: 'fails SQLite quick_check' }]);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    if (!tables.has('schema_migrations') || !tables.has('responses') || !tables.has('jobs')) {
      throw new HubError(422, 'not_a_backup', `${file} is not a closeloop database (no responses, jobs or schema_migrations table)`, [{ field: '<file>', message: 'is not a closeloop database' }]);
    }
    const schemaVersion = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
    const known = Math.max(...MIGRATIONS.map((m) => m.version));
    if (schemaVersion > known) {
      throw new HubError(422, 'newer_backup', `${file} was written by a newer closeloop (migration ${schemaVersion}; this one knows up to ${known}): restore it with that version`, [{ field: '<file>', message: 'is from a newer version' }]);
    }
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { responses: count('responses'), jobs: count('jobs'), schemaVersion };
  } finally {
    db.close();
  }
}

function notADatabase(file: string, error: unknown): HubError {
  return new HubError(422, 'not_a_backup', `${file} is not a SQLite database (${(error as Error).message})`, [{ field: '<file>', message: 'is not a SQLite database' }]);
}

/**
 * Refuse when any process has `file` open: in WAL mode every open connection holds a shared
 * lock on the database file, so an exclusive lock is only granted when none is left.
 */
function assertNotInUse(file: string): void {
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new HubError(409, 'database_in_use', `${file} is open in another process (a running hub?): stop the hub, then restore`, [{ field: 'CLOSELOOP_DB', message: 'is in use' }]);
    }
    throw error;
  } finally {
    db.close();
  }
}
