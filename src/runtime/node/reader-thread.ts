import { DatabaseWorker } from './database-worker.js';

/**
 * A read-only connection in a worker thread, for the reads whose cost grows with the data (NPS
 * figures over a year of responses: 137 ms at 500,000), so that the event loop keeps answering
 * webhooks meanwhile. WAL mode lets it read the last committed state while the writer goes on.
 * Queries run one at a time, in the order asked.
 */
export class ReaderThread {
  private readonly thread: DatabaseWorker;
  private readonly waiting = new Map<number, { resolve: (row: unknown) => void; reject: (error: Error) => void }>();
  private next = 0;
  /** Set once the thread is gone (it failed, or was stopped): later reads fail at once instead of waiting forever. */
  private gone: Error | null = null;

  constructor(path: string) {
    this.thread = new DatabaseWorker(WORKER_SOURCE, { path });
    const { worker } = this.thread;
    worker.on('message', (m: { id: number; row?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) worker.unref();
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.row);
    });
    worker.on('error', (error) => (this.gone = error));
    void this.thread.exited.then(() => {
      this.gone ??= new Error('the reader thread has stopped');
      for (const w of this.waiting.values()) w.reject(this.gone);
      this.waiting.clear();
    });
  }

  /** The first row of a read-only statement. */
  get(sql: string, params: unknown[]): Promise<unknown> {
    return this.ask(sql, params, false);
  }

  /** Every row of a read-only statement. */
  all(sql: string, params: unknown[]): Promise<unknown[]> {
    return this.ask(sql, params, true) as Promise<unknown[]>;
  }

  private ask(sql: string, params: unknown[], all: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.gone) return reject(this.gone);
      const id = this.next++;
      this.waiting.set(id, { resolve, reject });
      this.thread.worker.ref(); // an answer is awaited: the process stays up for it
      this.thread.worker.postMessage({ id, sql, params, all });
    });
  }

  /** Close the connection and end the thread (after the queries already asked). */
  stop(): Promise<void> {
    return this.thread.stop();
  }
}

const WORKER_SOURCE = `
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
const statements = new Map();
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    let statement = statements.get(message.sql);
    if (!statement) statements.set(message.sql, (statement = db.prepare(message.sql)));
    parentPort.postMessage({ id: message.id, row: message.all ? statement.all(...message.params) : statement.get(...message.params) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String((error && error.message) || error) });
  }
});
`;
