import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { HubError } from '../../core/errors.js';
import { MIGRATIONS } from '../../store/migrations.js';
import type { BatchOptions, ReadOptions, SqlDriver } from '../../store/sql-driver.js';
import type { Statement } from '../../store/statement.js';
import { ensurePrivateFile, ensurePrivateFolder, tightenFile } from './private-files.js';
import { ReaderThread } from './reader-thread.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export interface SqliteDriverOptions {
  /** Database file; `:memory:` for tests. Its folder is created owner-only (0700), the file 0600. */
  path: string;
  /**
   * SQLite `synchronous`. Default `FULL`: every commit is fsynced, so an acknowledged
   * webhook survives a power cut. Ingest stays fast because concurrent requests are
   * committed together (group commit).
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Refuse to create the database when the file does not exist (CLI commands that only read or replay). Default false. */
  mustExist?: boolean;
  /**
   * Checkpoint the WAL, and run the reads that grow with the data, from worker threads (see
   * {@link WalCheckpointer}, {@link ReaderThread}). Default: on for a database file that is
   * written to (the hub), off for `:memory:` and `mustExist` (CLI commands, which run in line).
   */
  workerThreads?: boolean;
  /** Told when a background checkpoint fails, or the WAL could not be emptied after an erasure. */
  onCheckpointError?: (message: string) => void;
}

interface PendingBatch {
  statements: Statement[];
  /** A `run`: resolved with its one statement's rows, not a list of them. */
  single: boolean;
  /** Must be on disk before the caller hears back (a webhook's 202). */
  durable: boolean;
  resolve: (rows: unknown[][] | unknown[]) => void;
  reject: (e: unknown) => void;
}

/** Distinct SQL texts kept prepared; past it the cache starts over (statements built with varying shapes). */
const PREPARED_LIMIT = 1000;

/** The Node {@link SqlDriver}: better-sqlite3 in WAL mode, with group commit. */
export class SqliteDriver implements SqlDriver {
  readonly db: Database.Database;
  private pending: PendingBatch[] = [];
  private flushScheduled = false;
  /** `FULL` unless configured `NORMAL`; batches without a durable write run at `NORMAL`. */
  private readonly durableSync: 'FULL' | 'NORMAL';
  private currentSync: 'FULL' | 'NORMAL';
  private readonly prepared = new Map<string, Database.Statement>();
  private readonly checkpointer: WalCheckpointer | null;
  /** Long reads run here, off the event loop (null: in line, for `:memory:` and CLI reads). */
  private readonly reader: ReaderThread | null;
  private readonly onCheckpointError: ((message: string) => void) | undefined;

  constructor(options: SqliteDriverOptions) {
    if (options.mustExist && options.path !== ':memory:' && !existsSync(options.path)) {
      throw new HubError(404, 'no_database', `No database at ${options.path}: start the hub once (npm start), or set CLOSELOOP_DB`, [{ field: 'CLOSELOOP_DB', message: 'no such file' }]);
    }
    if (options.path !== ':memory:') {
      // Responses hold emails and verbatims: no other account on the machine may read them.
      ensurePrivateFolder(dirname(options.path));
      ensurePrivateFile(options.path);
      for (const suffix of ['-wal', '-shm']) tightenFile(options.path + suffix);
    }
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.durableSync = this.currentSync = options.synchronous ?? 'FULL';
    this.db.pragma(`synchronous = ${this.durableSync}`);
    this.db.pragma('busy_timeout = 5000');
    // The WAL is copied into the main file by a worker thread (below). This connection's own
    // checkpoint, run at commit time and stalling the event loop, is the fallback for a WAL that
    // has grown past 10,000 pages (40 MB) anyway.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('foreign_keys = ON');
    // Erasure and retention must leave no copy in freed pages of the file (docs/privacy.md).
    this.db.pragma('secure_delete = ON');
    // 64 MB of page cache (better-sqlite3's default is 16 MB): the dedupe index of a busy hub
    // is written at random places (vendors' response ids), and a page read back from the OS
    // costs a system call per insert (+6% ingest in two A/B runs of the benchmark).
    this.db.pragma('cache_size = -65536');
    migrate(this.db);
    const background = options.workerThreads ?? (options.path !== ':memory:' && !options.mustExist);
    this.checkpointer = background ? new WalCheckpointer({ path: options.path, onError: options.onCheckpointError }) : null;
    this.onCheckpointError = options.onCheckpointError;
    this.reader = background ? new ReaderThread(options.path) : null;
  }

  async all<Row>(st: Statement, options?: ReadOptions): Promise<Row[]> {
    if (options?.long && this.reader) return (await this.reader.all(st.sql, st.params)) as Row[];
    return this.prepare(st.sql).all(...st.params) as Row[];
  }

  async get<Row>(st: Statement, options?: ReadOptions): Promise<Row | undefined> {
    if (options?.long && this.reader) return (await this.reader.get(st.sql, st.params)) as Row | undefined;
    return this.prepare(st.sql).get(...st.params) as Row | undefined;
  }

  run<Row = unknown>(st: Statement, options?: BatchOptions): Promise<Row[]> {
    return new Promise<Row[]>((resolve, reject) => this.enqueue({ statements: [st], single: true, durable: options?.durable ?? true, resolve: resolve as PendingBatch['resolve'], reject }));
  }

  /**
   * Group commit: every batch requested in the same event-loop turn (webhook ingests, job claims
   * and results, plans) runs in one transaction. A transaction holding a durable batch (an
   * ingest: its 202 promises the response is on disk) commits with `synchronous=FULL`, one fsync
   * for all of it; one of job bookkeeping only commits with `NORMAL` — no fsync of its own: WAL
   * frames are appended in order, so the next durable commit's fsync carries it to disk too. A
   * process crash loses none of it; a power cut can lose the last moments of bookkeeping, which
   * only re-runs jobs (their idempotency keys and the connectors' remote lookups keep that
   * effect-once). A batch that throws rolls back alone and rejects alone (the group is redone
   * one batch per transaction).
   */
  batch(statements: Statement[], options?: BatchOptions): Promise<unknown[][]> {
    return new Promise<unknown[][]>((resolve, reject) => this.enqueue({ statements, single: false, durable: options?.durable ?? true, resolve: resolve as PendingBatch['resolve'], reject }));
  }

  private enqueue(batch: PendingBatch): void {
    this.pending.push(batch);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    if (!group.length) return;
    const sync = this.durableSync === 'FULL' && group.some((p) => p.durable) ? 'FULL' : 'NORMAL';
    if (sync !== this.currentSync) {
      this.db.pragma(`synchronous = ${sync}`);
      this.currentSync = sync;
    }
    let results: (unknown[][] | unknown[])[];
    // BEGIN IMMEDIATE: the write lock is taken (waiting up to busy_timeout) before the first
    // statement, so a CLI writing at the same time (replay, forget, campaign approve) makes this
    // wait instead of failing with SQLITE_BUSY when a read would have to become a write.
    try {
      results = this.db.transaction(() => group.map((p) => this.execute(p))).immediate();
    } catch {
      // Rare: one batch failed and rolled the group back. Redo each alone so only it fails.
      for (const p of group) {
        try {
          p.resolve(this.db.transaction(() => this.execute(p)).immediate());
        } catch (error) {
          p.reject(error);
        }
      }
      return;
    }
    group.forEach((p, i) => p.resolve(results[i]!));
  }

  /** Run one batch's statements in the open transaction: each one's rows (a `SELECT`'s or `RETURNING`'s), else none. */
  private execute(batch: PendingBatch): unknown[][] | unknown[] {
    if (batch.single) return this.rows(batch.statements[0]!);
    return batch.statements.map((st) => this.rows(st));
  }

  private rows(st: Statement): unknown[] {
    const prepared = this.prepare(st.sql);
    if (prepared.reader) return prepared.all(...st.params);
    prepared.run(...st.params);
    return [];
  }

  /** Prepared once per distinct SQL text. */
  private prepare(sql: string): Database.Statement {
    let stmt = this.prepared.get(sql);
    if (!stmt) {
      if (this.prepared.size >= PREPARED_LIMIT) this.prepared.clear();
      this.prepared.set(sql, (stmt = this.db.prepare(sql)));
    }
    return stmt;
  }

  /**
   * Erased and scrubbed rows are zeroed in the database (`secure_delete`), but the WAL file still
   * holds the pages as they were until it is checkpointed and cut to zero bytes. The checkpointer
   * thread does it off the event loop; without one (CLI, `:memory:`) this connection does.
   */
  async purgeDeleted(): Promise<void> {
    const emptied = this.checkpointer ? await this.checkpointer.truncate() : (this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]?.busy === 0;
    if (!emptied) this.onCheckpointError?.('the WAL file could not be emptied after an erasure (readers kept it busy): erased data stays in it until a later erasure or retention pass empties it');
  }

  async close(): Promise<void> {
    this.flush();
    await this.checkpointer?.stop();
    await this.reader?.stop();
    this.db.close();
  }
}

/** Apply the migrations this database has not seen, each in its own transaction. */
function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  // In version order whatever the list order, and a gap in the numbering is fine.
  for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    })();
  }
}
