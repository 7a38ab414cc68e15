import { DatabaseWorker } from './database-worker.js';

export interface WalCheckpointerOptions {
  /** The database file (WAL mode). */
  path: string;
  /** How often the worker copies new WAL frames into the database. Default 100 ms. */
  intervalMs?: number;
  /** Told when a checkpoint fails (the next one retries; the writer's own checkpoint is the fallback). */
  onError?: (message: string) => void;
}

/**
 * Copies the WAL into the database file from a worker thread with its own connection
 * (`wal_checkpoint(PASSIVE)`, which never blocks the writer), so the event loop does not stall
 * while thousands of pages are copied and fsynced: a checkpoint run by the writing connection at
 * commit time held every webhook in flight for 20–40 ms (docs/architecture.md "Durability and group commit"). When the
 * worker has copied every frame, SQLite starts the WAL over at the next write. The writer keeps
 * its own `wal_autocheckpoint` as a fallback should the worker fall behind.
 */
export class WalCheckpointer {
  private readonly thread: DatabaseWorker;
  private readonly truncations = new Map<number, (emptied: boolean) => void>();
  private next = 0;

  constructor(options: WalCheckpointerOptions) {
    this.thread = new DatabaseWorker(WORKER_SOURCE, { path: options.path, intervalMs: options.intervalMs ?? 100 });
    this.thread.worker.on('message', (m: { error?: string; truncation?: number; emptied?: boolean }) => {
      if (m.truncation !== undefined) {
        this.truncations.get(m.truncation)?.(m.emptied === true);
        this.truncations.delete(m.truncation);
        if (this.truncations.size === 0) this.thread.worker.unref();
      }
      if (m.error) options.onError?.(m.error);
    });
    this.thread.worker.on('error', (e) => options.onError?.(e.message));
    void this.thread.exited.then(() => {
      for (const done of this.truncations.values()) done(false);
      this.truncations.clear();
    });
  }

  /**
   * Copy every frame into the database and cut the WAL file to zero bytes (`wal_checkpoint(TRUNCATE)`),
   * off the event loop: after an erasure, the old versions of the erased pages must not stay in
   * the WAL file. Resolves whether it was emptied (false when readers kept it busy: retried at the next erasure).
   */
  truncate(): Promise<boolean> {
    return new Promise((resolve) => {
      const id = this.next++;
      this.truncations.set(id, resolve);
      this.thread.worker.ref();
      this.thread.worker.postMessage({ truncate: id });
    });
  }

  /** Stop the worker and close its connection (before the writer closes, so the last one removes the WAL). */
  stop(): Promise<void> {
    return this.thread.stop();
  }
}

const WORKER_SOURCE = `
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message && message.truncate !== undefined) {
    let emptied = false;
    let error;
    for (let attempt = 0; attempt < 3 && !emptied; attempt++) {
      try {
        emptied = db.pragma('wal_checkpoint(TRUNCATE)')[0].busy === 0;
      } catch (e) {
        error = String(e && e.message || e);
      }
    }
    parentPort.postMessage({ truncation: message.truncate, emptied, error });
    return;
  }
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
