import type { Statement } from './statement.js';

/** How a batch is committed. */
export interface BatchOptions {
  /**
   * Must be on disk before the promise resolves (a webhook's 202). Default true. The Node driver
   * may commit non-durable batches at `synchronous=NORMAL`; D1 is always durable.
   */
  durable?: boolean;
}

/** How a read is run. */
export interface ReadOptions {
  /**
   * A read whose cost grows with the data (figures over a year of responses). Default false. The
   * Node driver runs it on a reader thread, off the event loop that answers webhooks; D1 ignores it.
   */
  long?: boolean;
}

/**
 * The SQL the runtime-agnostic store (src/store) needs from a database: better-sqlite3 on Node
 * (src/runtime/node), D1 on Workers (src/runtime/workers). Positional parameters only (D1 refuses
 * named ones); a statement and its values travel together ({@link Statement}). The schema is the
 * driver's business (src/store/migrations.ts, applied by the Node driver or `wrangler d1 migrations`).
 *
 * There are no interactive transactions (D1 has none): an atomic write is one {@link batch} whose
 * statements carry their own guards in SQL (a guarded `UPDATE … WHERE`, `INSERT … SELECT … WHERE
 * NOT EXISTS`, `RETURNING` to learn what happened). Do not count on a write's change count: D1's
 * counts trigger writes too; ask with `RETURNING`.
 */
export interface SqlDriver {
  /** All rows of a query. */
  all<Row>(statement: Statement, options?: ReadOptions): Promise<Row[]>;
  /** The first row of a query, or undefined. */
  get<Row>(statement: Statement, options?: ReadOptions): Promise<Row | undefined>;
  /** Run one statement; its `RETURNING` rows (empty without). */
  run<Row = unknown>(statement: Statement, options?: BatchOptions): Promise<Row[]>;
  /** Run statements in order, atomically (all or none); each statement's rows (`RETURNING`, or a `SELECT`'s). */
  batch(statements: Statement[], options?: BatchOptions): Promise<unknown[][]>;
  /**
   * After an erasure or a retention pass: remove the copies of deleted rows the database keeps
   * outside its tables (the Node driver empties SQLite's WAL file). Optional: D1 keeps none the
   * hub can reach. Reports a failure its own way; never rejects.
   */
  purgeDeleted?(): Promise<void>;
  close(): Promise<void>;
}
