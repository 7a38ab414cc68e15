import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { NormalizedResponse } from '../../src/core/response.js';
import { ReaderThread } from '../../src/runtime/node/reader-thread.js';
import { SqliteStore } from '../../src/runtime/node/sqlite-store.js';
import { WalCheckpointer } from '../../src/runtime/node/wal-checkpointer.js';

const response = (n: number) =>
  NormalizedResponse.parse({ source: 'generic', sourceResponseId: `r-${n}`, score: n % 11, comment: 'x'.repeat(400), respondent: { email: `p${n}@example.com` } });

async function until(condition: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return condition();
}

describe('WAL checkpoints', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ingest = (store: SqliteStore, count: number) =>
    Promise.all(Array.from({ length: count }, (_, n) => store.ingest({ response: response(n), rawBody: '{}', contentType: 'application/json' })));

  it('a worker thread copies committed pages into the database file while the hub runs, and the WAL is gone after close', async () => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-wal-'));
    const path = join(dir, 'hub.db');
    const errors: string[] = [];
    const store = new SqliteStore({ path, onCheckpointError: (e) => errors.push(e) });
    const before = statSync(path).size;

    await ingest(store, 1_000); // ~300 pages: far below the writer's own checkpoint threshold (10,000)

    // The writer never checkpoints this little, so only the worker can have grown the file.
    expect(await until(() => statSync(path).size > before + 400 * 1_000)).toBe(true);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(errors).toEqual([]);

    const reopened = new SqliteStore({ path, workerThreads: false });
    expect((reopened.db.prepare('SELECT COUNT(*) AS n FROM responses').get() as { n: number }).n).toBe(1_000);
    await reopened.close();
  });

  it('closing is the last thing a process does: close still waits for the worker and closes the database', async () => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-wal-'));
    const path = join(dir, 'hub.db');
    // Nothing else keeps this process alive while close() waits for the (unreferenced) worker.
    const script = join(dir, 'close.mts');
    writeFileSync(
      script,
      `import { SqliteStore } from ${JSON.stringify(pathToFileURL(resolve('src/runtime/node/sqlite-store.ts')).href)};
      const store = new SqliteStore({ path: process.argv[2] });
      await store.ingest({ response: ${JSON.stringify(response(1))}, rawBody: '{}', contentType: 'application/json' });
      await store.close();
      console.log('closed');`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, path]);
    expect(stdout.trim()).toBe('closed');
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('without the worker the pages stay in the WAL until the writer checkpoints', async () => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-wal-'));
    const path = join(dir, 'hub.db');
    const store = new SqliteStore({ path, workerThreads: false });
    const before = statSync(path).size;
    await ingest(store, 1_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(statSync(path).size).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(400 * 1_000);
    await store.close();
  });
});

describe('worker threads that cannot open the database', () => {
  const missing = join(tmpdir(), 'closeloop-no-such-dir', 'hub.db');

  it('the checkpointer reports it and stops; the process goes on', async () => {
    const errors: string[] = [];
    const checkpointer = new WalCheckpointer({ path: missing, onError: (e) => errors.push(e) });
    expect(await until(() => errors.length > 0)).toBe(true);
    expect(errors[0]).toMatch(/Cannot open database because the directory does not exist/);
    await checkpointer.stop();
  });

  it('a read on the reader thread fails with the reason, then and afterwards, instead of waiting forever', async () => {
    const reader = new ReaderThread(missing);
    await expect(reader.get('SELECT 1 AS one', [])).rejects.toThrow(/Cannot open database because the directory does not exist/);
    await expect(reader.get('SELECT 1 AS one', [])).rejects.toThrow(/Cannot open database because the directory does not exist/);
    await reader.stop();
  });
});
