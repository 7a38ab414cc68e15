import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

/** Owner read and write only: the database, its WAL and shared memory, the admin token. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only: a folder the hub creates for them. */
export const PRIVATE_FOLDER_MODE = 0o700;

/**
 * Create `dir` (and missing parents) owner-only. A folder that exists is left as it is: it may be
 * the working directory or a shared one the operator chose.
 */
export function ensurePrivateFolder(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
}

/**
 * Make `path` owner-only: created empty with mode 0600 when missing (SQLite then gives its -wal and
 * -shm files the same mode), tightened when group or others can read it.
 */
export function ensurePrivateFile(path: string): void {
  if (!existsSync(path)) {
    closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
    return;
  }
  tightenFile(path);
}

/** Remove group and other access from a file the hub owns, if it has any. */
export function tightenFile(path: string): void {
  if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE);
}
