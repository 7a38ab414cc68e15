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

  constructor(options: WalCheckpointerOptions) {
    this.thread = new DatabaseWorker(WORKER_SOURCE, { path: options.path, intervalMs: options.intervalMs ?? 100 });
    this.thread.worker.on('message', (m: { error?: string }) => m.error && options.onError?.(m.error));
    this.thread.worker.on('error', (e) => options.onError?.(e.message));
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
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
