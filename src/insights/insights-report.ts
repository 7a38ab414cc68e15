import { z } from 'zod';
import { HubError } from '../core/errors.js';
import { Metric } from '../core/response.js';
import { parseSince } from '../core/time.js';
import { NpsQuery } from '../reports/nps-report.js';
import type { Dimension, SegmentCountRow } from '../store/segments-sql.js';
import type { Store } from '../store/store.js';
import { addCounts, compareFigures, DEFAULT_MIN_SAMPLE, emptyCounts, figureOf, type AnswerCounts, type Change, type Figure } from './figures.js';
import { INTERVALS, isTimeZone, periodsBack, periodsBetween, type Interval } from './periods.js';
import { ROLLED_UP_DIMENSIONS, type RolledUpDimension } from './segments.js';

/** Fields of the account snapshot that are rolled-up columns too (`account.plan` is `plan`). */
const ACCOUNT_COLUMNS: readonly string[] = ['plan', 'tier', 'region', 'lifecycle', 'crm'];
const BY_MESSAGE = `must be one of ${ROLLED_UP_DIMENSIONS.join(', ')}, account.<field> (account.custom.industry) or extra.<field> (a hidden field the survey passed)`;

/** Periods a series holds at most (three years of days). */
export const MAX_PERIODS = 1100;
/** Segments listed at most (most answers first); the figures and rankings still count every segment. */
export const MAX_SEGMENTS = 200;
/** Periods a series covers when `since` is not given. */
const DEFAULT_SPAN: Record<Interval, number> = { day: 30, week: 12, month: 12 };

/** NPS, CSAT or CES by segment, by period, compared with an earlier period (`GET /api/nps`, `closeloop nps`). */
export const InsightsQuery = NpsQuery.extend({
  /** Which score: `nps` (default), `csat` (% satisfied) or `ces` (mean effort score). Never mixed. */
  metric: Metric.optional(),
  /** Segment by a rolled-up dimension, an account field (`account.custom.industry`) or a hidden field (`extra.cohort`). Default: none. */
  by: z
    .string()
    .max(200)
    .regex(new RegExp(`^(${ROLLED_UP_DIMENSIONS.join('|')}|(account|extra)(\\.[A-Za-z0-9_-]{1,64}){1,4})$`), BY_MESSAGE)
    .optional(),
  /** A trend series by `day`, `week` (from Monday) or `month`, in `tz`. Default: none. */
  interval: z.enum(INTERVALS).optional(),
  /** Compare with the `previous` period of the same length, or the same period a `year` before, and test the change. Default: none. */
  compare: z.enum(['previous', 'year']).optional(),
  /** IANA time zone of the periods (`Europe/Paris`). Default UTC. */
  tz: z
    .string()
    .max(64)
    .refine(isTimeZone, 'must be an IANA time zone name such as Europe/Paris')
    .default('UTC'),
  /** Segments and periods with fewer answers are flagged, not ranked, and their changes never significant. Default 30. */
  minSample: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_MIN_SAMPLE),
  /** How many best and worst segments to name. Default 3. */
  top: z.coerce.number().int().min(1).max(50).default(3),
});
export type InsightsQuery = z.output<typeof InsightsQuery>;

/** Whether a request asks for more than today's NPS answer (which keeps its shape). */
export function wantsInsights(q: { metric?: unknown; by?: unknown; interval?: unknown; compare?: unknown }): boolean {
  return q.metric !== undefined || q.by !== undefined || q.interval !== undefined || q.compare !== undefined;
}

/** A figure as answered: rounded for reading (one decimal; CES two), the standard error dropped. */
export interface FigureOut {
  responses: number;
  counts: Record<string, number>;
  shares: Record<string, number>;
  value: number | null;
  marginOfError: number | null;
  low: number | null;
  high: number | null;
  lowSample: boolean;
}
export interface ChangeOut {
  delta: number | null;
  z: number | null;
  pValue: number | null;
  significant: boolean;
}
export interface SegmentOut {
  /** The segment's value; null for answers whose account (or field) is unknown. */
  value: string | null;
  figure: FigureOut;
  /** With `compare`: the segment's figure in the earlier period and the change. */
  previous: FigureOut | null;
  change: ChangeOut | null;
}
export interface SeriesPoint {
  period: string;
  start: string;
  end: string;
  figure: FigureOut;
  /** Against the period before it in the series (null for the first). */
  change: ChangeOut | null;
  /** With `by`: each segment's figure in this period. */
  segments: { value: string | null; figure: FigureOut }[] | null;
}
export interface InsightsReport {
  metric: Metric;
  since: string | null;
  until: string;
  source: string | null;
  survey: string | null;
  by: string | null;
  interval: Interval | null;
  compare: 'previous' | 'year' | null;
  tz: string;
  minSample: number;
  figure: FigureOut;
  previous: { since: string; until: string; figure: FigureOut; change: ChangeOut } | null;
  segments: SegmentOut[] | null;
  /** How many segments there are (the list holds at most {@link MAX_SEGMENTS}). */
  segmentCount: number | null;
  top: SegmentOut[] | null;
  bottom: SegmentOut[] | null;
  /** With `by` and `compare`: the segments whose change is significant, largest first. */
  moved: SegmentOut[] | null;
  series: SeriesPoint[] | null;
}

/** The dimension a `by` names. */
export function dimensionOf(by: string | undefined): Dimension {
  if (by === undefined) return { kind: 'whole' };
  const [head, ...path] = by.split('.');
  if (head === 'account' && path.length === 1 && ACCOUNT_COLUMNS.includes(path[0]!)) return { kind: 'column', name: path[0] as RolledUpDimension };
  if (head === 'account') return { kind: 'account', path };
  if (head === 'extra') return { kind: 'extra', path };
  return { kind: 'column', name: by as RolledUpDimension };
}

const DECIMALS = { nps: 1, csat: 1, ces: 2 } as const;
function round(value: number | null, decimals: number): number | null {
  if (value === null) return null;
  const f = 10 ** decimals;
  const r = (Math.sign(value) * Math.round(Math.abs(value) * f)) / f;
  return r === 0 ? 0 : r;
}

export function presentFigure(f: Figure): FigureOut {
  const d = DECIMALS[f.metric];
  return {
    responses: f.responses,
    counts: f.counts,
    shares: Object.fromEntries(Object.entries(f.shares).map(([k, v]) => [k, round(v, 1)!])),
    value: round(f.value, d),
    marginOfError: round(f.marginOfError, d),
    low: round(f.low, d),
    high: round(f.high, d),
    lowSample: f.lowSample,
  };
}

export function presentChange(c: Change, metric: Metric): ChangeOut {
  return { delta: round(c.delta, DECIMALS[metric]), z: round(c.z, 2), pValue: round(c.pValue, 4), significant: c.significant };
}

/** Rows added up: window → segment value → counts. */
function tally(rows: readonly SegmentCountRow[]): Map<string, Map<string | null, AnswerCounts>> {
  const windows = new Map<string, Map<string | null, AnswerCounts>>();
  for (const r of rows) {
    let values = windows.get(r.window);
    if (!values) windows.set(r.window, (values = new Map()));
    let counts = values.get(r.value);
    if (!counts) values.set(r.value, (counts = emptyCounts()));
    addCounts(counts, r.category, r.n, r.scoreSum, r.scoreSquares);
  }
  return windows;
}

function total(values: Iterable<AnswerCounts>): AnswerCounts {
  const sum = emptyCounts();
  for (const c of values) for (const k of Object.keys(sum) as (keyof AnswerCounts)[]) sum[k] += c[k];
  return sum;
}

function invalid(field: string, message: string, detail = message): HubError {
  return new HubError(422, 'invalid_request', `${field} ${detail}`, [{ field, message }]);
}

/**
 * The figures a query asks for, from the stored segments (responses count once planned, with the
 * account their plan saw). Refuses, naming the field: an unknown source, a period that ends before
 * it starts, a comparison without a period to compare, a series longer than {@link MAX_PERIODS}.
 */
export async function insightsReport(store: Store, query: InsightsQuery, now: Date, sources: Iterable<string>): Promise<InsightsReport> {
  const known = [...sources];
  if (query.source !== undefined && !known.includes(query.source)) {
    throw new HubError(422, 'invalid_request', `Unknown source "${query.source}"; known: ${known.join(', ')}`, [{ field: 'source', message: 'is not a known survey source' }]);
  }
  const metric = query.metric ?? 'nps';
  const options = { minSample: query.minSample };
  const until = query.until === undefined ? now.toISOString() : parseSince(query.until, now)!;
  let since = query.since === undefined ? undefined : parseSince(query.since, now);
  if (query.interval && since === undefined) since = periodsBack(Date.parse(until) - 1, query.interval, DEFAULT_SPAN[query.interval] - 1, query.tz);
  if (since !== undefined && until <= since) throw invalid('until', 'must be later than since');
  if (query.compare && since === undefined) throw invalid('compare', 'needs since (or interval): the period to compare with an earlier one');

  const periods = query.interval ? periodsBetween(since!, until, query.interval, query.tz, MAX_PERIODS) : null;
  if (periods === null && query.interval) throw invalid('interval', `makes more than ${MAX_PERIODS} periods from since to until`);
  if (periods?.length) since = periods[0]!.start;

  const windows: { label: string; from: string; to: string }[] = periods
    ? periods.map((p) => ({ label: p.start, from: p.start, to: p.end < until ? p.end : until }))
    : [{ label: 'current', from: since ?? '0000-01-01T00:00:00.000Z', to: until }];
  let previousWindow: { since: string; until: string } | null = null;
  if (query.compare === 'previous') {
    const span = Date.parse(until) - Date.parse(since!);
    previousWindow = { since: new Date(Date.parse(since!) - span).toISOString(), until: since! };
  } else if (query.compare === 'year') {
    const yearBefore = (iso: string) => {
      const d = new Date(iso);
      d.setUTCFullYear(d.getUTCFullYear() - 1);
      return d.toISOString();
    };
    previousWindow = { since: yearBefore(since!), until: yearBefore(until) };
  }
  if (previousWindow) windows.push({ label: 'previous', from: previousWindow.since, to: previousWindow.until });

  const rows = await store.segmentCounts({ metric, dimension: dimensionOf(query.by), source: query.source, survey: query.survey, windows });
  const tallied = tally(rows);
  const current = new Map<string | null, AnswerCounts>();
  for (const w of windows) {
    if (w.label === 'previous') continue;
    for (const [value, counts] of tallied.get(w.label) ?? []) current.set(value, total([current.get(value) ?? emptyCounts(), counts]));
  }
  const previous = tallied.get('previous') ?? new Map<string | null, AnswerCounts>();
  const figure = figureOf(metric, total(current.values()), options);

  let segments: SegmentOut[] | null = null;
  let all: SegmentOut[] = [];
  if (query.by) {
    all = [...current.entries()].map(([value, counts]) => {
      const f = figureOf(metric, counts, options);
      const before = previousWindow ? figureOf(metric, previous.get(value) ?? emptyCounts(), options) : null;
      return { value, f, figure: presentFigure(f), previous: before && presentFigure(before), change: before && presentChange(compareFigures(before, f, options), metric) };
    }).sort((a, b) => b.f.responses - a.f.responses || String(a.value).localeCompare(String(b.value))).map(({ f: _, ...s }) => s);
    segments = all.slice(0, MAX_SEGMENTS);
  }
  const ranked = all.filter((s) => !s.figure.lowSample && s.figure.value !== null);
  const byValue = (a: SegmentOut, b: SegmentOut) => b.figure.value! - a.figure.value! || b.figure.responses - a.figure.responses;

  let series: SeriesPoint[] | null = null;
  if (periods) {
    let before: Figure | null = null;
    series = periods.map((p) => {
      const values = tallied.get(p.start) ?? new Map<string | null, AnswerCounts>();
      const f = figureOf(metric, total(values.values()), options);
      const change = before ? presentChange(compareFigures(before, f, options), metric) : null;
      before = f;
      const bySegment = query.by
        ? [...values.entries()].map(([value, counts]) => ({ value, figure: presentFigure(figureOf(metric, counts, options)) })).sort((a, b) => b.figure.responses - a.figure.responses).slice(0, MAX_SEGMENTS)
        : null;
      return { ...p, figure: presentFigure(f), change, segments: bySegment };
    });
  }

  const previousFigure = previousWindow ? figureOf(metric, total(previous.values()), options) : null;
  return {
    metric,
    since: since ?? null,
    until,
    source: query.source ?? null,
    survey: query.survey ?? null,
    by: query.by ?? null,
    interval: query.interval ?? null,
    compare: query.compare ?? null,
    tz: query.tz,
    minSample: query.minSample,
    figure: presentFigure(figure),
    previous: previousWindow && previousFigure ? { ...previousWindow, figure: presentFigure(previousFigure), change: presentChange(compareFigures(previousFigure, figure, options), metric) } : null,
    segments,
    segmentCount: query.by ? all.length : null,
    top: query.by ? [...ranked].sort(byValue).slice(0, query.top) : null,
    bottom: query.by ? [...ranked].sort((a, b) => byValue(b, a)).slice(0, query.top) : null,
    moved: query.by && previousWindow ? all.filter((s) => s.change?.significant).sort((a, b) => Math.abs(b.change!.delta!) - Math.abs(a.change!.delta!)) : null,
    series,
  };
}
