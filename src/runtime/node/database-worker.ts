import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread with its own better-sqlite3 connection to the hub's database file (the WAL
 * checkpointer, the reader thread). `source` runs with `parentPort`, `workerData` (with
 * `workerData.path`, the file) and `Database` (the driver) in scope, and on the message `'stop'`
 * must close its connection and the port. The thread never keeps the process alive on its own,
 * except while {@link stop} waits for it: closing may be the last thing a process does.
 */
export class DatabaseWorker {
  readonly worker: Worker;
  /** Settles when the thread has ended, whether stopped or failed (never rejects). */
  readonly exited: Promise<unknown>;

  constructor(source: string, workerData: { path: string } & Record<string, unknown>) {
    // Resolved here, where node_modules is known: an eval'd worker resolves from nowhere.
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(PRELUDE + source, { eval: true, workerData: { ...workerData, driver } });
    // Not `events.once`: its promise rejects on an 'error' event, unhandled until stop() awaits it.
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.unref();
  }

  /** End the thread (after the messages already sent) and wait for it. */
  async stop(): Promise<void> {
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}

const PRELUDE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
`;
