/**
 * Calendar periods (day, week from Monday, month) in an IANA time zone, as UTC instants: the
 * wall clock is read with Intl, so daylight-saving days are 23 or 25 hours long where they are.
 */
export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export interface Period {
  /** Local date the period starts on (`2026-03-02`): a day, a week's Monday, a month's first day. */
  period: string;
  /** First instant of the period (ISO 8601, UTC), and the first instant after it. */
  start: string;
  end: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows this IANA time zone name. */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(ms: number, timeZone: string): WallClock {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second) };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant a local midnight falls on (the first instant of that date where midnight is skipped). */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  let t = guess - offsetAt(guess, timeZone);
  t = guess - offsetAt(t, timeZone);
  // A midnight skipped by a clock change lands on the previous day: the date starts an hour on.
  const w = wallClock(t, timeZone);
  if (w.day !== day) t += 3_600_000 - (w.minute * 60_000 + w.second * 1000);
  return t;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The period of `interval` holding the instant `ms`, in `timeZone`. */
export function periodOf(ms: number, interval: Interval, timeZone: string): Period {
  const w = wallClock(ms, timeZone);
  let { year, month, day } = w;
  if (interval === 'month') day = 1;
  if (interval === 'week') {
    // Back to Monday (ISO weeks): getUTCDay of the local date, Sunday 0.
    const date = new Date(Date.UTC(year, month - 1, day));
    date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
    (year = date.getUTCFullYear()), (month = date.getUTCMonth() + 1), (day = date.getUTCDate());
  }
  const next = new Date(Date.UTC(year, month - 1, day));
  if (interval === 'day') next.setUTCDate(next.getUTCDate() + 1);
  else if (interval === 'week') next.setUTCDate(next.getUTCDate() + 7);
  else next.setUTCMonth(next.getUTCMonth() + 1);
  const start = localMidnight(year, month, day, timeZone);
  const end = localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
  return { period: `${pad(year, 4)}-${pad(month)}-${pad(day)}`, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

/** The periods from the one holding `since` up to the one holding the instant before `until`; null past `max`. */
export function periodsBetween(since: string, until: string, interval: Interval, timeZone: string, max: number): Period[] | null {
  const periods: Period[] = [];
  const end = Date.parse(until);
  let p = periodOf(Date.parse(since), interval, timeZone);
  while (Date.parse(p.start) < end) {
    if (periods.length === max) return null;
    periods.push(p);
    p = periodOf(Date.parse(p.end), interval, timeZone);
  }
  return periods;
}

/** The start of the period `count` periods before the one holding `ms`. */
export function periodsBack(ms: number, interval: Interval, count: number, timeZone: string): string {
  let p = periodOf(ms, interval, timeZone);
  for (let i = 0; i < count; i++) p = periodOf(Date.parse(p.start) - 1, interval, timeZone);
  return p.start;
}
