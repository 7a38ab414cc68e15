import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NormalizedResponse } from '../../src/core/response.js';
import type { NewJob } from '../../src/core/job.js';
import { SqliteStore } from '../../src/runtime/node/sqlite-store.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SQL, jobListQuery, responseListQuery } from '../../src/store/rows.js';

const t0 = Date.parse('2026-03-01T09:00:00.000Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
const job = (key: string, runAtSeconds: number): NewJob => ({
  key,
  type: 'action',
  responseId: 'r-1',
  recipe: 'detractor-follow-up',
  actionId: key,
  action: 'slack.postMessage',
  params: { channel: '#nps' },
  maxAttempts: 5,
  runAt: at(runAtSeconds),
});

/** A database file as an older build left it: migrations up to `version` applied, and one response (`old-1`). */
function databaseAtMigration(path: string, version: number): Database.Database {
  const old = new Database(path);
  old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of MIGRATIONS.filter((m) => m.version <= version)) {
    old.exec(m.sql);
    old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, at(0));
  }
  old.prepare(`INSERT INTO responses (id, source, source_response_id, metric, received_at, data, raw_body, content_type) VALUES ('old-1', 'generic', 'r-old', 'nps', ?, '{}', '{}', 'application/json')`).run(at(0));
  return old;
}

describe('the job queue', () => {
  let store: SqliteStore;
  afterEach(() => store.close());

  it('a claim takes the oldest due jobs first, a job whose lease expired among them, and nothing not yet due', async () => {
    store = new SqliteStore({ path: ':memory:' });
    await store.enqueueJobs([job('a', 0), job('b', 1), job('c', 2), job('d', 3), job('later', 600)]);

    // A runner claims `a` with a 30 s lease and dies.
    const [first] = await store.claimJobs({ now: at(5), limit: 1, leaseUntil: at(35) });
    expect(first).toMatchObject({ key: 'a', status: 'running', attempts: 1 });

    // Within the lease, `a` is not claimed again.
    expect((await store.claimJobs({ now: at(10), limit: 2, leaseUntil: at(40) })).map((j) => j.key)).toEqual(['b', 'c']);

    // After it: `a` (run at 0 s) comes back before `d` (3 s); `later` is not due.
    const claimed = await store.claimJobs({ now: at(60), limit: 10, leaseUntil: at(90) });
    expect(claimed.map((j) => [j.key, j.attempts, j.leaseUntil])).toEqual([
      ['a', 2, at(90)],
      ['b', 2, at(90)],
      ['c', 2, at(90)],
      ['d', 1, at(90)],
    ]);
  });

  it('a claim walks the due index in order and stops at its limit, instead of sorting the whole backlog', () => {
    store = new SqliteStore({ path: ':memory:' });
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${SQL.claimJobs}`).all(...Array(7).fill(null)) as { detail: string }[]).map((r) => r.detail);
    // Not one `OR` over both conditions, whose matches (the whole backlog) would be sorted.
    expect(plan).not.toContain('MULTI-INDEX OR');
    expect(plan).toContain('COMPOUND QUERY');
    expect(plan).toContain('SEARCH jobs USING INDEX jobs_due (status=? AND run_at<?)');
    // The only sort merges the two branches (at most twice the limit), after the index walks.
    expect(plan.filter((d) => d.includes('TEMP B-TREE'))).toEqual(['USE TEMP B-TREE FOR ORDER BY']);
    expect(plan.at(-1)).toBe('USE TEMP B-TREE FOR ORDER BY');
  });

  it('responses without a plan job are found by a seek on their arrival number, not a scan of the table', () => {
    store = new SqliteStore({ path: ':memory:' });
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${SQL.unplannedResponses}`).all(10) as { detail: string }[]).map((r) => r.detail);
    expect(plan).toContain('SEARCH responses USING INTEGER PRIMARY KEY (rowid>?)');
    expect(plan.some((d) => d.startsWith('SCAN responses'))).toBe(false);
  });

  it('ids are time-ordered UUIDs, so new rows append to the indexes keyed on them', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const ids = await store.enqueueJobs(Array.from({ length: 300 }, (_, i) => job(`k${i}`, 0)));
    expect(ids).toHaveLength(300);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(300);
    // Millisecond prefix never goes backwards.
    const ms = ids.map((id) => id.replace(/-/g, '').slice(0, 12));
    expect(ms).toEqual([...ms].sort());
  });

  describe('reads that stay an index walk on a database a year old', () => {
    const plan = (sql: string, params: unknown[]) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);

    it('jobs of one status, newest first: jobs_by_status walked backwards, no sort of the status', async () => {
      store = new SqliteStore({ path: ':memory:' });
      const q = jobListQuery({ status: 'queued', limit: 50 });
      expect(plan(q.sql, q.params)).toEqual(['SEARCH jobs USING INDEX jobs_by_status (status=?)']);

      // Newest first by creation time: a plan job is created at its response's arrival, before
      // action jobs inserted earlier.
      let clock = t0;
      store = new SqliteStore({ path: ':memory:', now: () => new Date(clock) });
      await store.enqueueJobs([job('first', 0)]);
      clock = t0 + 20_000;
      await store.enqueueJobs([job('third', 0)]);
      clock = t0 + 10_000;
      await store.enqueueJobs([job('second', 0)]);
      expect((await store.listJobs({ status: 'queued', limit: 10 })).map((j) => j.key)).toEqual(['third', 'second', 'first']);
      expect((await store.listJobs({ status: 'queued', limit: 2 })).map((j) => j.key)).toEqual(['third', 'second']);
    });

    it('jobs of one action, newest first: jobs_by_action walked backwards', () => {
      store = new SqliteStore({ path: ':memory:' });
      const q = jobListQuery({ action: 'zendesk.createTicket', limit: 50 });
      expect(plan(q.sql, q.params)).toEqual(['SEARCH jobs USING INDEX jobs_by_action (action=?)']);
    });

    it('the oldest undelivered job: one seek per status, not a read of the backlog', () => {
      store = new SqliteStore({ path: ':memory:' });
      const steps = plan(SQL.oldestPending, []);
      expect(steps.filter((d) => d.startsWith('SEARCH jobs'))).toEqual([
        'SEARCH jobs USING COVERING INDEX jobs_by_status (status=?)',
        'SEARCH jobs USING COVERING INDEX jobs_by_status (status=?)',
      ]);
      expect(steps.some((d) => d.startsWith('SCAN jobs') || d.includes('TEMP B-TREE'))).toBe(false);
    });

    it('responses of one source, newest first, page after page: responses_by_source walked backwards', () => {
      store = new SqliteStore({ path: ':memory:' });
      const first = responseListQuery({ source: 'typeform', limit: 50 });
      expect(plan(first.sql, first.params)).toEqual(['SEARCH responses USING INDEX responses_by_source (source=?)']);
      const next = responseListQuery({ source: 'typeform', before: 'some-id', limit: 50 });
      const steps = plan(next.sql, next.params);
      expect(steps[0]).toBe('SEARCH responses USING INDEX responses_by_source (source=? AND seq<?)');
      expect(steps.some((d) => d.includes('TEMP B-TREE'))).toBe(false);
    });
  });

  describe('job counts (/healthz), kept by the writes', () => {
    const recount = () => {
      const counts: Record<string, number> = { queued: 0, running: 0, succeeded: 0, sandboxed: 0, dead: 0, cancelled: 0 };
      for (const r of store.db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as { status: string; n: number }[]) counts[r.status] = r.n;
      return counts;
    };
    const attempt = (j: { id: string; attempts: number }, seconds: number) => ({ jobId: j.id, attempt: j.attempts, startedAt: at(seconds), finishedAt: at(seconds) });

    it('match a recount of the rows after every kind of job write', async () => {
      let clock = t0;
      store = new SqliteStore({ path: ':memory:', now: () => new Date(clock) });
      const counted = async (expected: Record<string, number>) => {
        const { byStatus } = await store.queueStats(at(3600));
        expect(byStatus).toEqual(recount());
        expect(byStatus).toMatchObject(expected);
      };
      await counted({ queued: 0, running: 0, succeeded: 0, sandboxed: 0, dead: 0, cancelled: 0 });

      // Inserts, and an insert ignored for its existing key.
      await store.enqueueJobs([job('a', 0), job('b', 0), job('c', 0), job('d', 0), job('e', 0)]);
      await store.enqueueJobs([job('a', 0)]);
      await counted({ queued: 5 });

      // A claim; a lease renewed; one result of each kind; a release.
      const [a, b, c, d, e] = await store.claimJobs({ now: at(10), limit: 5, leaseUntil: at(40) });
      await counted({ queued: 0, running: 5 });
      await store.extendLeases([{ id: a!.id, attempts: 1 }], at(70));
      await store.finishAttempt(a!, attempt(a!, 11), { outcome: 'succeeded' });
      await store.finishAttempt(b!, attempt(b!, 11), { outcome: 'sandboxed' });
      await store.finishAttempt(c!, attempt(c!, 11), { outcome: 'retry', error: 'HTTP 503', runAt: at(20) });
      await store.finishAttempt(d!, attempt(d!, 11), { outcome: 'dead', error: 'HTTP 400' });
      await store.releaseJob(e!, at(30), at(11));
      await counted({ queued: 2, running: 0, succeeded: 1, sandboxed: 1, dead: 1 });

      // A result that lost its lease changes nothing; a dead job replayed; an expired lease re-claimed.
      await store.finishAttempt(a!, attempt(a!, 12), { outcome: 'dead', error: 'late' });
      expect(await store.replayJobs([d!.id, a!.id], at(12))).toBe(1);
      await counted({ queued: 3, succeeded: 1, dead: 0 });
      await store.claimJobs({ now: at(30), limit: 10, leaseUntil: at(31) });
      await store.claimJobs({ now: at(40), limit: 10, leaseUntil: at(70) });
      await counted({ queued: 0, running: 3 });

      // Ingest, a claim writing plan jobs, a plan committed with its action jobs, a changed resend.
      clock = t0 + 50_000;
      const input = (comment: string) => ({ response: NormalizedResponse.parse({ source: 'generic', sourceResponseId: 'r-9', score: 3, comment }), rawBody: '{}', contentType: 'application/json' });
      const { id } = await store.ingest(input('Slow'));
      const [plan] = await store.claimJobs({ now: at(60), limit: 10, leaseUntil: at(90) });
      expect(plan!.key).toBe(`plan:${id}`);
      await store.commitPlan({ planJobId: plan!.id, responseId: id, jobs: [{ ...job('ticket', 60), responseId: id }], recipeRuns: [], verdicts: [] }, at(61));
      clock = t0 + 62_000;
      await store.ingest(input('Slow, and the API times out'));
      await counted({ queued: 2, running: 3, succeeded: 2 });
    });

    it('are read from their own table: a health probe reads no job row, however many there are', () => {
      store = new SqliteStore({ path: ':memory:' });
      const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${SQL.countByStatus}`).all() as { detail: string }[]).map((r) => r.detail);
      expect(plan).toEqual(['SCAN job_counts']);
    });

    it('a database from before them starts with its jobs counted', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'closeloop-job-counts-'));
      try {
        const path = join(dir, 'hub.db');
        const old = databaseAtMigration(path, 7);
        const insert = old.prepare(`INSERT INTO jobs (id, key, type, response_id, params, status, max_attempts, run_at, created_at, updated_at) VALUES (?, ?, 'action', 'old-1', 'null', ?, 5, ?, ?, ?)`);
        ['succeeded', 'succeeded', 'dead', 'queued'].forEach((status, i) => insert.run(`j-${i}`, `k-${i}`, status, at(0), at(0), at(0)));
        old.exec('UPDATE plan_cursor SET planned_through = 1'); // its plan job ran long ago
        old.close();

        store = new SqliteStore({ path, workerThreads: false });
        expect((await store.queueStats(at(60))).byStatus).toEqual({ queued: 1, running: 0, succeeded: 2, sandboxed: 0, dead: 1, cancelled: 0 });
        await store.claimJobs({ now: at(60), limit: 10, leaseUntil: at(90) });
        expect((await store.queueStats(at(60))).byStatus).toEqual({ queued: 0, running: 1, succeeded: 2, sandboxed: 0, dead: 1, cancelled: 0 });
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('unplanned responses (/healthz), counted by the writes', () => {
    const recount = () => (store.db.prepare('SELECT COUNT(*) AS n FROM responses WHERE seq > (SELECT planned_through FROM plan_cursor)').get() as { n: number }).n;
    const input = (id: string, comment = 'Slow exports') =>
      ({ response: NormalizedResponse.parse({ source: 'generic', sourceResponseId: id, score: 3, comment }), rawBody: '{}', contentType: 'application/json' });

    it('match a recount after ingests, resends, updates, plans, a failed batch, a row deleted and the cursor moved back by hand', async () => {
      store = new SqliteStore({ path: ':memory:', now: () => new Date(t0) });
      const counted = async (expected: number) => {
        expect(recount()).toBe(expected);
        expect((await store.queueStats(at(60))).unplanned).toBe(expected);
      };
      await counted(0);
      for (const id of ['r-1', 'r-2', 'r-3']) await store.ingest(input(id));
      await counted(3);
      // A resend and a new version add no row, but the insert they try uses up an AUTOINCREMENT
      // number each: seq has gaps, so MAX(seq) minus the cursor would not be the count.
      await store.ingest(input('r-1'));
      await store.ingest(input('r-2', 'Slow exports, and the API times out'));
      await store.ingest(input('r-4'));
      expect((store.db.prepare('SELECT seq FROM responses ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq)).toEqual([1, 2, 3, 6]);
      await counted(4);

      await store.claimJobs({ now: at(60), limit: 2, leaseUntil: at(90) }); // plans r-1, r-2
      await counted(2);
      // One batch: two ingests and a write that fails. The batch is redone one write per transaction.
      const [ok, failed, alsoOk] = await Promise.allSettled([
        store.ingest(input('r-5')),
        store.enqueueJobs([{ ...job('broken', 0), type: null as unknown as 'action' }]),
        store.ingest(input('r-6')),
      ]);
      expect([ok.status, failed.status, alsoOk.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      await counted(4);

      store.db.prepare(`DELETE FROM responses WHERE source_response_id = 'r-5'`).run(); // unplanned: counted out
      store.db.prepare(`DELETE FROM responses WHERE source_response_id = 'r-1'`).run(); // planned: not in the count
      await counted(3);
      await store.claimJobs({ now: at(60), limit: 10, leaseUntil: at(90) });
      await counted(0);
      // The cursor moved back by hand, to plan the last two again: they count again.
      store.db.prepare('UPDATE plan_cursor SET planned_through = (SELECT seq FROM responses ORDER BY seq DESC LIMIT 1 OFFSET 2)').run();
      await counted(2);
    });

    it('are read as kept, not counted: a health probe reads one response row at most, however many wait', async () => {
      store = new SqliteStore({ path: ':memory:', now: () => new Date(t0) });
      await store.ingest(input('r-1'));
      store.db.prepare('UPDATE plan_cursor SET unplanned = 12345').run();
      expect(await store.queueStats(at(60))).toMatchObject({ unplanned: 12345, oldestWaitingSeconds: 60 });
      const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${SQL.unplannedStats}`).all() as { detail: string }[]).map((r) => r.detail);
      expect(plan).toEqual(['SEARCH plan_cursor USING INTEGER PRIMARY KEY (rowid=?)', 'CORRELATED SCALAR SUBQUERY 1', 'SEARCH responses USING INTEGER PRIMARY KEY (rowid>?)']);
    });

    it('a database from before them starts with its unplanned responses counted', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'closeloop-unplanned-'));
      try {
        const path = join(dir, 'hub.db');
        const old = databaseAtMigration(path, 10);
        const insert = old.prepare(`INSERT INTO responses (id, source, source_response_id, metric, received_at, data, raw_body, content_type) VALUES (?, 'generic', ?, 'nps', ?, '{}', '{}', 'application/json')`);
        ['old-2', 'old-3', 'old-4'].forEach((id, i) => insert.run(id, `r-${id}`, at(i + 1)));
        old.exec('UPDATE plan_cursor SET planned_through = 2'); // old-1 and old-2 have their plan jobs
        old.close();

        store = new SqliteStore({ path, workerThreads: false });
        expect(await store.queueStats(at(60))).toMatchObject({ unplanned: 2, oldestWaitingSeconds: 58 });
        await store.claimJobs({ now: at(60), limit: 10, leaseUntil: at(90) });
        expect((await store.queueStats(at(60))).unplanned).toBe(0);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('plan jobs, written by the claim after ingest', () => {
    let clock = t0;
    const response = (id: string, comment = 'Slow exports') =>
      ({ response: NormalizedResponse.parse({ source: 'generic', sourceResponseId: id, score: 3, comment }), rawBody: '{}', contentType: 'application/json' });
    const claim = (limit: number) => store.claimJobs({ now: at(3600), limit, leaseUntil: at(3630) });

    it('ingest writes the response alone; a claim writes its plan job, due from its arrival, and takes it in turn', async () => {
      clock = t0;
      store = new SqliteStore({ path: ':memory:', now: () => new Date(clock) });
      await store.enqueueJobs([job('older', 0), job('newer', 20)]);
      clock = t0 + 10_000;
      const { id } = await store.ingest(response('r-1'));
      expect(await store.listJobs({ responseId: id, limit: 10 })).toEqual([]);

      // The plan job (due at 10 s) is written and claimed between the jobs due at 0 s and 20 s.
      expect((await claim(3)).map((j) => [j.key, j.runAt])).toEqual([
        ['older', at(0)],
        [`plan:${id}`, at(10)],
        ['newer', at(20)],
      ]);
      // Written once: another claim finds nothing new to plan.
      expect(await claim(10)).toEqual([]);
      expect((await store.listJobs({ responseId: id, limit: 10 })).map((j) => j.key)).toEqual([`plan:${id}`]);
    });

    it('a claim writes at most its limit of plan jobs, oldest responses first; the rest wait, counted by the queue stats', async () => {
      clock = t0;
      store = new SqliteStore({ path: ':memory:', now: () => new Date(clock) });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        clock = t0 + i * 1000;
        ids.push((await store.ingest(response(`r-${i}`))).id);
      }
      const before = await store.queueStats(at(60));
      expect(before).toMatchObject({ unplanned: 5, oldestWaitingSeconds: 60, oldestPendingSeconds: 60 });
      expect(before.byStatus.queued).toBe(0);

      expect((await claim(2)).map((j) => j.responseId)).toEqual(ids.slice(0, 2));
      // The oldest waiting is now the third response (2 s), not yet a job.
      expect(await store.queueStats(at(60))).toMatchObject({ unplanned: 3, oldestWaitingSeconds: 58, oldestPendingSeconds: 60 });
      expect((await claim(10)).map((j) => j.responseId)).toEqual(ids.slice(2));
      expect((await store.queueStats(at(60))).unplanned).toBe(0);
    });

    it('a duplicate plans nothing; a changed resend enqueues its version plan at once', async () => {
      clock = t0;
      store = new SqliteStore({ path: ':memory:', now: () => new Date(clock) });
      const { id } = await store.ingest(response('r-1'));
      expect(await store.ingest(response('r-1'))).toMatchObject({ id, duplicate: true });
      clock = t0 + 5000;
      expect(await store.ingest(response('r-1', 'Slow exports, and the API times out'))).toMatchObject({ id, updated: true, version: 2 });
      expect((await store.listJobs({ responseId: id, limit: 10 })).map((j) => j.key)).toEqual([`plan:${id}:v2`]);
      expect((await claim(10)).map((j) => j.key)).toEqual([`plan:${id}`, `plan:${id}:v2`]);
    });

    it('a database from before the change starts planning after its last response (which already has its plan job)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'closeloop-plan-cursor-'));
      try {
        const path = join(dir, 'hub.db');
        // Migrations 1–6 and a response ingested the old way, with its plan job.
        const old = databaseAtMigration(path, 6);
        old.prepare(`INSERT INTO jobs (id, key, type, response_id, params, status, max_attempts, run_at, created_at, updated_at) VALUES ('j-1', 'plan:old-1', 'plan', 'old-1', 'null', 'succeeded', 5, ?, ?, ?)`).run(at(0), at(0), at(0));
        old.close();

        clock = t0 + 1000;
        store = new SqliteStore({ path, now: () => new Date(clock), workerThreads: false });
        expect(store.db.prepare('SELECT planned_through FROM plan_cursor').get()).toEqual({ planned_through: 1 });
        const { id } = await store.ingest(response('r-new'));
        expect((await store.queueStats(at(60))).unplanned).toBe(1);
        expect((await claim(10)).map((j) => j.key)).toEqual([`plan:${id}`]);
        expect((await store.listJobs({ limit: 10 })).map((j) => j.key).sort()).toEqual([`plan:${id}`, 'plan:old-1'].sort());
      } finally {
        await store.close(); // before its folder goes (afterEach closing it again is harmless)
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
