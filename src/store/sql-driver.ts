import type { Statement } from './statement.js';

/** How a batch is committed. */
export interface BatchOptions {
  /**
   * Must be on disk before the promise resolves (a webhook's 202). Default true. The Node driver
   * may commit non-durable batches at `synchronous=NORMAL`; D1 is always durable.
   */
  durable?: boolean;
}

/**
 * The SQL the runtime-agnostic store (src/store) needs from a database: better-sqlite3 on Node
 * (src/runtime/node), D1 on Workers (src/runtime/workers). Positional parameters only (D1 refuses
 * named ones); a statement and its values travel together ({@link Statement}).
 *
 * There are no interactive transactions (D1 has none): an atomic write is one {@link batch} whose
 * statements carry their own guards in SQL (a guarded `UPDATE … WHERE`, `INSERT … SELECT … WHERE
 * NOT EXISTS`, `RETURNING` to learn what happened). Do not count on a write's change count: D1's
 * counts trigger writes too; ask with `RETURNING`.
 */
export interface SqlDriver {
  /** All rows of a query. */
  all<Row>(statement: Statement): Promise<Row[]>;
  /** The first row of a query, or undefined. */
  get<Row>(statement: Statement): Promise<Row | undefined>;
  /** Run one statement; its `RETURNING` rows (empty without). */
  run<Row = unknown>(statement: Statement, options?: BatchOptions): Promise<Row[]>;
  /** Run statements in order, atomically (all or none); each statement's `RETURNING` rows. */
  batch(statements: Statement[], options?: BatchOptions): Promise<unknown[][]>;
  close(): Promise<void>;
}
