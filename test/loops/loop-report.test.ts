import { describe, expect, it } from 'vitest';
import { LoopQuery, loopReport, loopReports } from '../../src/loops/loop-report.js';
import type { LoopRow } from '../../src/store/loops.js';
import type { Store } from '../../src/store/store.js';

/** Loop figures from rows a store returns: the grouping, and one read for several groupings. */
const NOW = new Date('2026-11-20T00:00:00Z');
const hoursAfter = (at: string, h: number) => new Date(Date.parse(at) + h * 3_600_000).toISOString();

function row(i: number, category: string, plan: string | null, ackHours: number | null): LoopRow {
  const received = new Date(Date.parse('2026-11-01T00:00:00Z') + i * 60_000).toISOString();
  return { response_id: `r${i}`, received_at: received, category, source: 'generic', survey_id: null, acknowledged_at: ackHours === null ? null : hoursAfter(received, ackHours), acknowledged_by: ackHours === null ? null : 'Dana', closed_at: null, closed_by: null, segments: { plan } };
}

// 3,000 loops: a third each detractor / passive / promoter, plans in turn, every fourth never answered.
const ROWS = Array.from({ length: 3_000 }, (_, i) => row(i, ['detractor', 'passive', 'promoter'][i % 3]!, ['basic', 'pro', null][Math.floor(i / 3) % 3]!, i % 4 === 0 ? null : (i % 97) + 1));

function countingStore() {
  const reads: unknown[] = [];
  const store = { loopRows: async (filter: unknown) => (reads.push(filter), ROWS) } as unknown as Store;
  return { store, reads };
}

describe('loop reports', () => {
  it('groups every row once, by category and by a segment, and an absent segment is "(none)"', async () => {
    const { store } = countingStore();
    const report = await loopReport(store, LoopQuery.parse({ since: '2026-11-01T00:00:00Z', by: 'plan' }), NOW);
    expect(report.groups.map((g) => [g.group, g.loops])).toEqual([
      // Plans turn every three rows over 1,000 turns: basic 334 turns, pro and none 333 each.
      ['(none)', 999],
      ['basic', 1_002],
      ['pro', 999],
    ]);
    expect(report.all.loops).toBe(3_000);
    expect(report.groups.reduce((n, g) => n + g.open, 0)).toBe(750);
  });

  it('reads the period once for several groupings, each as loopReport gives it alone', async () => {
    const { store, reads } = countingStore();
    const [byCategory, byPlan] = await loopReports(store, LoopQuery.parse({ since: '30d' }), ['category', 'plan'], NOW);
    expect(reads).toHaveLength(1);
    expect(byCategory).toEqual(await loopReport(store, LoopQuery.parse({ since: '30d', by: 'category' }), NOW));
    expect(byPlan).toEqual(await loopReport(store, LoopQuery.parse({ since: '30d', by: 'plan' }), NOW));
    expect(byCategory!.groups.map((g) => g.group)).toEqual(['detractor', 'passive', 'promoter']);
  });

  it('refuses a period that ends before it starts, naming until, before reading anything', async () => {
    const { store, reads } = countingStore();
    await expect(loopReports(store, LoopQuery.parse({ since: '2026-11-10T00:00:00Z', until: '2026-11-01T00:00:00Z' }), ['category'], NOW)).rejects.toMatchObject({ status: 422, issues: [{ field: 'until' }] });
    expect(reads).toHaveLength(0);
  });
});
