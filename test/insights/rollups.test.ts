import { afterEach, describe, expect, it } from 'vitest';
import { segmentCountQueries, type SegmentCountRow } from '../../src/store/segments-sql.js';
import { insightsHub } from './support.js';

let ctx: ReturnType<typeof insightsHub>;
afterEach(() => ctx?.hub.cleanup());

/** Rows added up by window, value and category (the rollups' rows and the edges' come separately), in one order. */
function sorted(rows: SegmentCountRow[]) {
  const sums = new Map<string, SegmentCountRow>();
  for (const r of rows) {
    const key = JSON.stringify([r.window, r.value, r.category]);
    const s = sums.get(key);
    if (s) (s.n += r.n), (s.scoreSum += r.scoreSum), (s.scoreSquares += r.scoreSquares);
    else sums.set(key, { ...r });
  }
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r);
}

describe('rollups (counts per hour × segment × category) answer as the responses would', () => {
  it('equal the count over the stored segments for windows that start and end mid-hour, by a dimension, the whole, one source', async () => {
    const plans = { 'a@x.com': { plan: 'pro' }, 'b@x.com': { plan: 'basic' }, 'c@x.com': {} };
    ctx = insightsHub(plans);
    let state = 7;
    const random = () => ((state = (state * 48271) % 2147483647) / 2147483647);
    const start = Date.parse('2026-03-01T00:00:00.000Z');
    for (let i = 0; i < 300; i++) {
      const at = new Date(start + Math.floor(random() * 72 * 3_600_000)).toISOString();
      await ctx.receive(at, { score: Math.floor(random() * 11), respondent: { email: Object.keys(plans)[i % 3]!, name: null, externalId: null } });
    }
    ctx.clock.now = Date.parse('2026-03-05T00:00:00.000Z');
    await ctx.hub.loop.drain();
    const windows = Array.from({ length: 6 }, (_, i) => {
      const from = start + Math.floor(random() * 60 * 3_600_000);
      return { label: `w${i}`, from: new Date(from).toISOString(), to: new Date(from + Math.floor(random() * 20 * 3_600_000)).toISOString() };
    });
    const store = ctx.hub.store;
    const byColumn = await store.segmentCounts({ metric: 'nps', dimension: { kind: 'column', name: 'plan' }, windows });
    // account.<path> is read from the snapshot itself, never from the rollups.
    const byPath = await store.segmentCounts({ metric: 'nps', dimension: { kind: 'account', path: ['plan'] }, windows });
    expect(byColumn.length).toBeGreaterThan(20);
    expect(sorted(byColumn)).toEqual(sorted(byPath));
    const whole = await store.segmentCounts({ metric: 'nps', dimension: { kind: 'whole' }, windows });
    const viaFilter = await store.segmentCounts({ metric: 'nps', dimension: { kind: 'whole' }, source: 'generic', windows });
    // A field no response has: one unknown segment, every answer in it, read from the segments table.
    const viaRaw = await store.segmentCounts({ metric: 'nps', dimension: { kind: 'extra', path: ['absent'] }, windows });
    expect(sorted(whole)).toEqual(sorted(viaFilter));
    expect(sorted(viaFilter)).toEqual(sorted(viaRaw));
    expect(whole.reduce((n, r) => n + r.n, 0)).toBeGreaterThan(0);
  });

  it('a rolled-up slice reads one key range of the rollups per window, and only the edges from the segments', () => {
    ctx = insightsHub();
    const queries = segmentCountQueries({ metric: 'nps', dimension: { kind: 'column', name: 'plan' }, windows: [{ label: 'y', from: '2025-03-02T10:30:00.000Z', to: '2026-03-02T10:30:00.000Z' }] });
    expect(queries).toHaveLength(2);
    const plan = (q: { sql: string; params: unknown[] }) => (ctx.hub.store.db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[]).map((r) => r.detail);
    expect(plan(queries[0]!)).toContainEqual(expect.stringMatching(/^SEARCH r USING PRIMARY KEY \(metric=\? AND dimension=\? AND hour>\? AND hour<\?\)/));
    expect(queries[0]!.params.slice(0, 3)).toEqual(['y', '2025-03-02T11', '2026-03-02T10']);
    expect(plan(queries[1]!)).toContainEqual(expect.stringMatching(/^SEARCH s USING INDEX response_segments_by_time \(metric=\? AND received_at>\? AND received_at<\?\)/));
    expect(queries[1]!.params.slice(0, 6)).toEqual(['y', '2025-03-02T10:30:00.000Z', '2025-03-02T11:00:00.000Z', 'y', '2026-03-02T10:00:00.000Z', '2026-03-02T10:30:00.000Z']);
  });
});
