import { afterEach, describe, expect, it } from 'vitest';
import type { NewJob } from '../../src/jobs/job.js';
import { SqliteStore } from '../../src/runtime/node/sqlite-store.js';
import { SQL } from '../../src/store/rows.js';

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
});
