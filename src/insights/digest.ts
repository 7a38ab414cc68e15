import { LoopQuery, loopReport, type LoopFigures } from '../loops/loop-report.js';
import type { NewJob } from '../core/job.js';
import type { DigestVerbatimRow } from '../store/segments-sql.js';
import type { Store } from '../store/store.js';
import { InsightsQuery, insightsReport, type InsightsReport, type SeriesPoint } from './insights-report.js';
import { periodOf, periodsBack, type Period } from './periods.js';

/** A theme and how many of the period's answers carry it. */
export interface DigestTheme {
  theme: string;
  responses: number;
}

export interface DigestOptions {
  /** Slack channel (`CLOSELOOP_DIGEST_CHANNEL`). */
  channel: string;
  /** IANA zone of the weeks (`CLOSELOOP_DIGEST_TZ`). Default UTC. */
  tz?: string;
  /** Dimension of the best and worst segments (`CLOSELOOP_DIGEST_BY`). Default `plan`. */
  by?: string;
  /** Segments with fewer answers are not ranked. Default 30. */
  minSample?: number;
  /** The registered survey sources. */
  sources: Iterable<string>;
  /**
   * The period's most mentioned themes ({@link topThemesFrom}). Absent (default), or answering
   * none: the digest shows no themes line.
   */
  topThemes?: (since: string, until: string) => Promise<DigestTheme[]>;
}

export interface Digest {
  /** The week the digest is about: the last one complete at the time it is built. */
  week: Period;
  tz: string;
  report: InsightsReport;
  themes: DigestTheme[];
  verbatims: DigestVerbatimRow[];
  /** Sentences worth celebrating: `NPS up 3 months in a row`. */
  streaks: string[];
  /** How the week's detractors were answered (docs/loops.md); null when the hub acted on none. */
  detractorLoops: { figures: LoopFigures; targetHours: number } | null;
}

/** Increases in a row at the end of a series, counted from a streak of this length. */
export const STREAK_MIN = 3;

/** The last week (Monday to Monday, in `tz`) complete at `now`. */
export function digestWeek(now: Date, tz = 'UTC'): Period {
  return periodOf(Date.parse(periodOf(now.getTime(), 'week', tz).start) - 1, 'week', tz);
}

/** How many periods in a row, at the end of the series, scored higher than the one before. */
export function risingStreak(series: readonly SeriesPoint[]): number {
  let n = 0;
  for (let i = series.length - 1; i > 0; i--) {
    const now = series[i]!.figure.value;
    const before = series[i - 1]!.figure.value;
    if (now === null || before === null || now <= before) break;
    n++;
  }
  return n;
}

/**
 * The period's most mentioned themes, among comments tagged by the current rules (their
 * fingerprint), most mentions first: the digest's "Top themes".
 */
export function topThemesFrom(store: Store, rules: () => Promise<string>, top = 3): NonNullable<DigestOptions['topThemes']> {
  return async (since, until) => {
    const counts = await store.themeCounts({ since, until, rules: await rules() });
    return counts.byTheme
      .map((t) => ({ theme: t.theme, responses: t.promoters + t.passives + t.detractors }))
      .filter((t) => t.responses > 0)
      .sort((a, b) => b.responses - a.responses || a.theme.localeCompare(b.theme))
      .slice(0, top);
  };
}

/** Everything the weekly digest says about the last complete week. Reads only; sends nothing. */
export async function buildDigest(store: Store, now: Date, options: DigestOptions): Promise<Digest> {
  const tz = options.tz ?? 'UTC';
  const week = digestWeek(now, tz);
  const query = (q: Record<string, unknown>) => InsightsQuery.parse({ tz, minSample: options.minSample, ...q });
  const report = await insightsReport(store, query({ since: week.start, until: week.end, by: options.by ?? 'plan', compare: 'previous' }), now, options.sources);
  const weeks = await insightsReport(store, query({ since: periodsBack(Date.parse(week.start), 'week', 7, tz), until: week.end, interval: 'week' }), now, options.sources);
  // Complete months only: up to the start of the month the week ends in.
  const monthsUntil = periodOf(Date.parse(week.end) - 1, 'month', tz).start;
  const months = await insightsReport(store, query({ since: periodsBack(Date.parse(monthsUntil) - 1, 'month', 11, tz), until: monthsUntil, interval: 'month' }), now, options.sources);
  const streaks: string[] = [];
  const weekly = risingStreak(weeks.series ?? []);
  const monthly = risingStreak(months.series ?? []);
  if (monthly >= STREAK_MIN) streaks.push(`NPS up ${monthly} months in a row`);
  if (weekly >= STREAK_MIN) streaks.push(`NPS up ${weekly} weeks in a row`);
  const themes = (await options.topThemes?.(week.start, week.end)) ?? [];
  const verbatims = await store.digestVerbatims(week.start, week.end);
  const loops = await loopReport(store, LoopQuery.parse({ since: week.start, until: week.end }), now);
  const detractors = loops.groups.find((g) => g.group === 'detractor');
  const detractorLoops = detractors ? { figures: detractors, targetHours: loops.targetHours } : null;
  return { week, tz, report, themes, verbatims, streaks, detractorLoops };
}

const signed = (v: number | null) => (v === null ? '–' : v > 0 ? `+${v}` : String(v));
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const LABEL: Record<string, string> = { promoter: 'Promoter', passive: 'Passive', detractor: 'Detractor' };

/** The digest as `slack.postMessage` parameters (plain text throughout: verbatims stay literal). */
export function digestMessage(d: Digest, channel: string) {
  const r = d.report;
  const f = r.figure;
  const change = r.previous?.change;
  const changeWords = !change || change.delta === null ? 'no answers the week before to compare' : `${change.delta > 0 ? '▲' : change.delta < 0 ? '▼' : '='} ${signed(change.delta)} vs the week before, ${change.significant ? 'significant' : 'not significant'}`;
  const text = f.value === null ? `Weekly NPS, week of ${d.week.period}: no NPS answers` : `Weekly NPS, week of ${d.week.period}: ${signed(f.value)} (${changeWords})`;
  const segments = (list: InsightsReport['top']) =>
    list?.length ? list.map((s) => `${s.value ?? '(unknown)'}: ${signed(s.figure.value)} ±${s.figure.marginOfError} (${s.figure.responses})`).join('\n') : `none with ${r.minSample}+ answers`;
  const fields = [
    { label: 'NPS', value: f.value === null ? 'no answers' : `${signed(f.value)} ±${f.marginOfError} (${f.responses} answers: ${f.counts.promoters} promoters, ${f.counts.passives} passives, ${f.counts.detractors} detractors)` },
    { label: 'Change', value: !change || change.delta === null ? changeWords : `${signed(change.delta)} from ${signed(r.previous!.figure.value)} (p = ${change.pValue ?? '–'}, ${change.significant ? 'significant' : 'not significant'})` },
    { label: `Best by ${r.by}`, value: segments(r.top) },
    { label: `Worst by ${r.by}`, value: segments(r.bottom) },
    ...(d.themes.length ? [{ label: 'Top themes', value: d.themes.slice(0, 5).map((t) => `${t.theme} (${t.responses})`).join(', ') }] : []),
    ...(d.detractorLoops ? [{ label: 'Detractors answered', value: loopWords(d.detractorLoops.figures, d.detractorLoops.targetHours) }] : []),
    ...(d.streaks.length ? [{ label: 'Streaks', value: d.streaks.join('\n') }] : []),
    ...d.verbatims.map((v) => ({ label: `${LABEL[v.category] ?? v.category} (${v.score ?? '–'}${v.accountName ? `, ${v.accountName}` : v.plan ? `, ${v.plan}` : ''})`, value: clip(v.comment, 500) })),
  ];
  const context = `closeloop weekly digest · ${d.week.start.slice(0, 10)} to ${d.week.end.slice(0, 10)} (${d.tz}) · segments with fewer than ${r.minSample} answers are not ranked`;
  return { channel, text, fields, quote: '', context };
}

/** `3 of 4 within 48 h (75%); first reply after 2.5 h (median); 1 still open` */
function loopWords(f: LoopFigures, targetHours: number): string {
  const within = f.withinTarget.of ? `${f.withinTarget.answered} of ${f.withinTarget.of} within ${targetHours} h (${f.withinTarget.share}%)` : `none due yet`;
  const median = f.hoursToFirstResponse.median === null ? '' : `; first reply after ${f.hoursToFirstResponse.median} h (median)`;
  return `${within}${median}; ${f.open} still open`;
}

/** The key of a week's digest job in a channel: one per week and channel. */
export function digestJobKey(channel: string, week: Period): string {
  return `digest:${channel}:${week.period}`;
}

/** The digest as a durable Slack job, keyed by channel and week: posted once per week, whatever restarts or schedules say. */
export function digestJob(d: Digest, channel: string, maxAttempts: number, now: Date): NewJob {
  return {
    key: digestJobKey(channel, d.week),
    type: 'action',
    // Not about one response: the week stands in for it.
    responseId: `digest:${d.week.period}`,
    recipe: null,
    actionId: 'weekly-digest',
    action: 'slack.postMessage',
    params: digestMessage(d, channel),
    maxAttempts,
    runAt: now.toISOString(),
  };
}

/** Build the last complete week's digest and queue it (once per week and channel). True when queued now. */
export async function enqueueDigest(store: Store, now: Date, options: DigestOptions & { maxAttempts: number }): Promise<boolean> {
  const digest = await buildDigest(store, now, options);
  const inserted = await store.enqueueJobs([digestJob(digest, options.channel, options.maxAttempts, now)]);
  return inserted.length > 0;
}
