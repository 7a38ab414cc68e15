import { bisect, errorFunction } from 'simple-statistics';
import type { Metric } from '../core/response.js';

/**
 * The figures of one set of answers (a period, a segment), as pure functions of their counts:
 * NPS with its margin of error from the variance of the +1/0/−1 coding, CSAT as the share
 * satisfied, CES as the mean score; and the test of a change between two of them (two periods,
 * two segments). The normal distribution comes from simple-statistics. NPS, CSAT and CES are
 * never mixed: a figure is of one metric, and two figures of different metrics do not compare.
 */

/** Counts of one metric's answers: by category, with the sum of the scores and of their squares (CES means). */
export interface AnswerCounts {
  promoters: number;
  passives: number;
  detractors: number;
  satisfied: number;
  neutral: number;
  dissatisfied: number;
  scoreSum: number;
  scoreSquares: number;
}

export function emptyCounts(): AnswerCounts {
  return { promoters: 0, passives: 0, detractors: 0, satisfied: 0, neutral: 0, dissatisfied: 0, scoreSum: 0, scoreSquares: 0 };
}

/** Add a category's count (as stored: `promoter`, `satisfied`…) and its score sums into `into`. */
export function addCounts(into: AnswerCounts, category: string, n: number, scoreSum = 0, scoreSquares = 0): AnswerCounts {
  const key = CATEGORY_KEYS[category];
  if (key) into[key] += n;
  into.scoreSum += scoreSum;
  into.scoreSquares += scoreSquares;
  return into;
}

const CATEGORY_KEYS: Record<string, keyof AnswerCounts> = {
  promoter: 'promoters',
  passive: 'passives',
  detractor: 'detractors',
  satisfied: 'satisfied',
  neutral: 'neutral',
  dissatisfied: 'dissatisfied',
};

export interface FigureOptions {
  /** Confidence level of the interval. Default 0.95. */
  confidence?: number;
  /** Fewer answers than this: the figure is flagged `lowSample` (shown, never ranked). Default 30. */
  minSample?: number;
}

/** One metric's figure over a set of answers. `value` is null with no answers. */
export interface Figure {
  metric: Metric;
  /** Answers counted. */
  responses: number;
  /** Answers by category (NPS: promoters, passives, detractors; CSAT and CES: satisfied, neutral, dissatisfied). */
  counts: Record<string, number>;
  /** Each category's share of the answers, in percent. */
  shares: Record<string, number>;
  /** NPS (−100…+100), CSAT (% satisfied, 0…100) or CES (mean score on its scale). */
  value: number | null;
  /** Standard error of `value`, in its units. */
  standardError: number | null;
  /** Half-width of the confidence interval of `value`. */
  marginOfError: number | null;
  /** The confidence interval, clipped to the metric's range. */
  low: number | null;
  high: number | null;
  /** Fewer answers than the minimum sample: shown, flagged, never ranked among the best or worst. */
  lowSample: boolean;
}

/** Default minimum sample below which a segment is flagged, not ranked. */
export const DEFAULT_MIN_SAMPLE = 30;
/** Default confidence level of intervals, and 1 − the significance level of changes. */
export const DEFAULT_CONFIDENCE = 0.95;

/** Critical value of the standard normal distribution for a two-sided interval at `confidence`. */
export function criticalValue(confidence = DEFAULT_CONFIDENCE): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1, got ${confidence}`);
  // The root of erf(z/√2) = confidence, by simple-statistics' bisection: its \`probit\` is 0.1–0.3% off.
  return bisect((z) => errorFunction(z / Math.SQRT2) - confidence, 0, 10, 200, 1e-12);
}

/** Two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|) = 1 − erf(|z|/√2). */
export function twoSidedPValue(z: number): number {
  return Math.max(0, 1 - errorFunction(Math.abs(z) / Math.SQRT2));
}

/** The figure of `metric` over these counts (only that metric's categories are read). */
export function figureOf(metric: Metric, counts: AnswerCounts, options: FigureOptions = {}): Figure {
  if (metric === 'nps') return npsFigure(counts, options);
  if (metric === 'csat') return csatFigure(counts, options);
  return cesFigure(counts, options);
}

/**
 * NPS with its interval. Each answer is coded +1 (promoter), 0 (passive), −1 (detractor); NPS is
 * the mean ×100, and its variance p + d − (p − d)² (p, d: shares of promoters and detractors).
 */
export function npsFigure(counts: Pick<AnswerCounts, 'promoters' | 'passives' | 'detractors'>, options: FigureOptions = {}): Figure {
  const n = counts.promoters + counts.passives + counts.detractors;
  const byCategory = { promoters: counts.promoters, passives: counts.passives, detractors: counts.detractors };
  if (n === 0) return empty('nps', byCategory, options);
  const p = counts.promoters / n;
  const d = counts.detractors / n;
  const mean = p - d;
  const variance = Math.max(0, p + d - mean * mean);
  return withInterval('nps', n, byCategory, mean * 100, Math.sqrt(variance / n) * 100, [-100, 100], options);
}

/** CSAT: the share of satisfied answers, in percent, with its (Wald) interval. */
export function csatFigure(counts: Pick<AnswerCounts, 'satisfied' | 'neutral' | 'dissatisfied'>, options: FigureOptions = {}): Figure {
  const byCategory = { satisfied: counts.satisfied, neutral: counts.neutral, dissatisfied: counts.dissatisfied };
  const n = counts.satisfied + counts.neutral + counts.dissatisfied;
  if (n === 0) return empty('csat', byCategory, options);
  const p = counts.satisfied / n;
  return withInterval('csat', n, byCategory, p * 100, Math.sqrt((p * (1 - p)) / n) * 100, [0, 100], options);
}

/** CES: the mean score (on the survey's scale), with the interval of the mean (sample variance). */
export function cesFigure(counts: Pick<AnswerCounts, 'satisfied' | 'neutral' | 'dissatisfied' | 'scoreSum' | 'scoreSquares'>, options: FigureOptions = {}): Figure {
  const byCategory = { satisfied: counts.satisfied, neutral: counts.neutral, dissatisfied: counts.dissatisfied };
  const n = counts.satisfied + counts.neutral + counts.dissatisfied;
  if (n === 0) return empty('ces', byCategory, options);
  const mean = counts.scoreSum / n;
  const variance = n > 1 ? Math.max(0, (counts.scoreSquares - n * mean * mean) / (n - 1)) : 0;
  return withInterval('ces', n, byCategory, mean, Math.sqrt(variance / n), [-Infinity, Infinity], options);
}

function sharesOf(byCategory: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(Object.entries(byCategory).map(([k, v]) => [k, n === 0 ? 0 : (v / n) * 100]));
}

function empty(metric: Metric, byCategory: Record<string, number>, options: FigureOptions): Figure {
  return { metric, responses: 0, counts: byCategory, shares: sharesOf(byCategory, 0), value: null, standardError: null, marginOfError: null, low: null, high: null, lowSample: 0 < (options.minSample ?? DEFAULT_MIN_SAMPLE) };
}

function withInterval(metric: Metric, n: number, byCategory: Record<string, number>, value: number, standardError: number, [min, max]: [number, number], options: FigureOptions): Figure {
  const marginOfError = criticalValue(options.confidence) * standardError;
  return {
    metric,
    responses: n,
    counts: byCategory,
    shares: sharesOf(byCategory, n),
    value,
    standardError,
    marginOfError,
    low: Math.max(min, value - marginOfError),
    high: Math.min(max, value + marginOfError),
    lowSample: n < (options.minSample ?? DEFAULT_MIN_SAMPLE),
  };
}

/** A change between two figures of one metric (two periods, two segments), and whether it is significant. */
export interface Change {
  /** `after.value − before.value`, in the metric's units; null when either has no answers. */
  delta: number | null;
  /** Standard error of the difference, and the z statistic. */
  standardError: number | null;
  z: number | null;
  /** Two-sided p-value. */
  pValue: number | null;
  /** p < 1 − confidence, with both samples at least the minimum: a change worth reporting. */
  significant: boolean;
}

/**
 * Test the change from `before` to `after`, two independent samples: z = Δ / √(SE₁² + SE₂²),
 * except CSAT, a difference of two proportions, whose standard error pools both samples under
 * the null hypothesis (the usual two-proportion z-test). Never significant when either sample is
 * below the minimum sample.
 */
export function compareFigures(before: Figure, after: Figure, options: FigureOptions = {}): Change {
  if (before.metric !== after.metric) throw new RangeError(`cannot compare ${before.metric} with ${after.metric}`);
  if (before.value === null || after.value === null) return { delta: null, standardError: null, z: null, pValue: null, significant: false };
  const delta = after.value - before.value;
  let standardError: number;
  if (after.metric === 'csat') {
    const pooled = (before.counts.satisfied! + after.counts.satisfied!) / (before.responses + after.responses);
    standardError = Math.sqrt(pooled * (1 - pooled) * (1 / before.responses + 1 / after.responses)) * 100;
  } else {
    standardError = Math.sqrt(before.standardError! ** 2 + after.standardError! ** 2);
  }
  if (standardError === 0) {
    // No spread in either sample: equal values are no change; different ones cannot be tested.
    return { delta, standardError, z: null, pValue: delta === 0 ? 1 : null, significant: false };
  }
  const z = delta / standardError;
  const pValue = twoSidedPValue(z);
  const minSample = options.minSample ?? DEFAULT_MIN_SAMPLE;
  const enough = before.responses >= minSample && after.responses >= minSample;
  return { delta, standardError, z, pValue, significant: enough && pValue < 1 - (options.confidence ?? DEFAULT_CONFIDENCE) };
}
