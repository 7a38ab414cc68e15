import ms from 'ms';
import { quantileSorted } from 'simple-statistics';
import { z } from 'zod';
import { HubError } from '../core/errors.js';
import { parseSince, TimeOrAgo } from '../core/time.js';
import type { LoopRow } from '../store/loops.js';
import type { Store } from '../store/store.js';
import { ROLLED_UP_DIMENSIONS } from '../insights/segments.js';

const Duration = z.string().refine((v) => {
  const n = ms(v as ms.StringValue);
  return typeof n === 'number' && n > 0;
}, 'must be a duration such as 48h or 2d');

/** Which loops the figures count and how they are grouped, as `GET /api/loops` and `closeloop loops` take it. */
export const LoopQuery = z.object({
  /** Responses received at or after: an ISO 8601 time or a duration back from now (`30d`). Default: the beginning. */
  since: TimeOrAgo.optional(),
  /** Received before, in the same form. Default: now. */
  until: TimeOrAgo.optional(),
  /** Group by the response's category (default), or a segment its plan saw (as `GET /api/nps?by=`: source, survey, touchpoint, plan, tier, arr, region, owner, lifecycle, crm). */
  by: z.enum(['category', ...ROLLED_UP_DIMENSIONS]).default('category'),
  /** The promise to customers: answered within this long (`48h`, default). */
  target: Duration.default('48h'),
});
export type LoopQuery = z.output<typeof LoopQuery>;

/** Loop figures of one group of responses. Times are in hours, one decimal; null with nothing to measure. */
export interface LoopFigures {
  group: string;
  /** Responses the hub acted on (at least one action job). */
  loops: number;
  open: number;
  acknowledged: number;
  closed: number;
  hoursToFirstResponse: { median: number | null; p90: number | null };
  hoursToClose: { median: number | null; p90: number | null };
  /**
   * Answered (acknowledged) within the target, out of the loops whose outcome is known: those
   * answered, and those open longer than the target. A loop younger than the target and not yet
   * answered is not counted either way. `share` in percent, one decimal; null when none is known.
   */
  withinTarget: { answered: number; of: number; share: number | null };
}

export interface LoopReport {
  since: string | null;
  until: string | null;
  by: LoopQuery['by'];
  targetHours: number;
  groups: LoopFigures[];
  all: LoopFigures;
}

const HOUR = 3_600_000;
const round1 = (n: number) => Math.round(n * 10) / 10;

function quantiles(hours: number[]) {
  if (!hours.length) return { median: null, p90: null };
  const sorted = [...hours].sort((a, b) => a - b);
  return { median: round1(quantileSorted(sorted, 0.5)), p90: round1(quantileSorted(sorted, 0.9)) };
}

/** The figures of one group of loops at `now` (pure). */
export function loopFigures(group: string, rows: readonly LoopRow[], targetMs: number, now: Date): LoopFigures {
  const since = (row: LoopRow, at: string | null) => (at === null ? null : Math.max(0, Date.parse(at) - Date.parse(row.received_at)));
  const toAck = rows.map((r) => since(r, r.acknowledged_at)).filter((t): t is number => t !== null);
  const toClose = rows.map((r) => since(r, r.closed_at)).filter((t): t is number => t !== null);
  const known = rows.filter((r) => r.acknowledged_at !== null || now.getTime() - Date.parse(r.received_at) >= targetMs);
  const answered = known.filter((r) => r.acknowledged_at !== null && (since(r, r.acknowledged_at) ?? Infinity) <= targetMs).length;
  return {
    group,
    loops: rows.length,
    open: rows.filter((r) => r.acknowledged_at === null && r.closed_at === null).length,
    acknowledged: rows.filter((r) => r.acknowledged_at !== null && r.closed_at === null).length,
    closed: rows.filter((r) => r.closed_at !== null).length,
    hoursToFirstResponse: quantiles(toAck.map((t) => t / HOUR)),
    hoursToClose: quantiles(toClose.map((t) => t / HOUR)),
    withinTarget: { answered, of: known.length, share: known.length ? round1((answered / known.length) * 100) : null },
  };
}

/** Loop figures over the query's period, per group and for all. A period that ends before it starts is refused naming the field. */
export async function loopReport(store: Store, query: LoopQuery, now: Date): Promise<LoopReport> {
  const [report] = await loopReports(store, query, [query.by], now);
  return report!;
}

/**
 * The figures of one period grouped each way asked (the dashboard shows by category and by a
 * segment): the period's loops are read once, whatever the number of groupings.
 */
export async function loopReports(store: Store, query: Omit<LoopQuery, 'by'>, groupings: readonly LoopQuery['by'][], now: Date): Promise<LoopReport[]> {
  const since = query.since === undefined ? undefined : parseSince(query.since, now);
  const until = query.until === undefined ? undefined : parseSince(query.until, now);
  if (since !== undefined && until !== undefined && until <= since) {
    throw new HubError(422, 'invalid_request', 'until must be after since', [{ field: 'until', message: 'must be after since' }]);
  }
  const targetMs = ms(query.target as ms.StringValue);
  const rows = await store.loopRows({ since, until });
  const all = loopFigures('all', rows, targetMs, now);
  return groupings.map((by) => {
    const key = (r: LoopRow) => (by === 'category' ? r.category : by === 'source' ? r.source : by === 'survey' ? r.survey_id : r.segments?.[by]) ?? '(none)';
    const groups = new Map<string, LoopRow[]>();
    for (const r of rows) {
      const group = groups.get(key(r));
      if (group) group.push(r);
      else groups.set(key(r), [r]);
    }
    return {
      since: since ?? null,
      until: until ?? null,
      by,
      targetHours: round1(targetMs / HOUR),
      groups: [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([g, rs]) => loopFigures(g, rs, targetMs, now)),
      all,
    };
  });
}
