import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { SqlStore } from '../../store/sql-store.js';
import { SqliteDriver, type SqliteDriverOptions } from './sqlite-driver.js';

export interface SqliteStoreOptions extends SqliteDriverOptions {
  /** Clock, for tests. Default: the system clock. */
  now?: () => Date;
}

/** The Node store: the runtime-agnostic {@link SqlStore} over better-sqlite3 ({@link SqliteDriver}). */
export class SqliteStore extends SqlStore {
  private readonly sqlite: SqliteDriver;

  constructor(options: SqliteStoreOptions) {
    const driver = new SqliteDriver(options);
    super(driver, { now: options.now, sha256Hex: nodeSha256Hex });
    this.sqlite = driver;
  }

  /** The connection, for tests and the CLI's direct reads. */
  get db(): Database.Database {
    return this.sqlite.db;
  }
}

/** node:crypto's SHA-256, synchronous: cheaper per call than Web Crypto's on Node. */
function nodeSha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
