import type { ChangeOut, FigureOut, InsightsReport } from './insights-report.js';

/** One CSV line (RFC 4180): a field with a comma, a quote or a line break is quoted, its quotes doubled. */
export function csvLine(values: readonly unknown[]): string {
  return values
    .map((v) => {
      const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}

const LABEL = { nps: 'NPS', csat: 'CSAT', ces: 'CES' } as const;
const signed = (v: number | null, metric: InsightsReport['metric']) => (v === null ? '–' : metric === 'nps' && v > 0 ? `+${v}` : String(v));
const segmentName = (value: string | null) => value ?? '(unknown)';

function changeText(c: ChangeOut | null, metric: InsightsReport['metric']): string {
  if (!c || c.delta === null) return '';
  return `${c.delta > 0 ? '▲' : c.delta < 0 ? '▼' : '='} ${signed(c.delta, metric)}${c.significant ? ` (significant, p=${c.pValue})` : c.pValue !== null ? ` (p=${c.pValue})` : ''}`;
}

function cells(f: FigureOut, metric: InsightsReport['metric']): string[] {
  const shares = Object.values(f.shares).map((s) => `${s.toFixed(1)}%`);
  return [String(f.responses), signed(f.value, metric), f.marginOfError === null ? '' : `±${f.marginOfError}`, ...shares, f.lowSample ? 'low sample' : ''];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** The report as text for a terminal: the headline, then a table of segments and/or periods. */
export function insightsTable(r: InsightsReport): string {
  const label = LABEL[r.metric];
  const scope = [r.since && `since ${r.since}`, `until ${r.until}`, r.source && `source ${r.source}`, r.survey && `survey ${r.survey}`, r.interval && r.tz !== 'UTC' && `in ${r.tz}`].filter(Boolean).join(', ');
  const lines = [`${label}${r.by ? ` by ${r.by}` : ''}: ${signed(r.figure.value, r.metric)}${r.figure.marginOfError !== null ? ` ±${r.figure.marginOfError}` : ''} (${r.figure.responses} responses; ${scope})`];
  if (r.previous) lines.push(`previous period (${r.previous.since} – ${r.previous.until}): ${signed(r.previous.figure.value, r.metric)}, ${r.previous.figure.responses} responses; change ${changeText(r.previous.change, r.metric) || '–'}`);
  const categories = Object.keys(r.figure.shares);
  if (r.segments) {
    lines.push('');
    const head = [r.by!, 'responses', label, 'margin', ...categories, 'flag', ...(r.previous ? ['change'] : [])];
    lines.push(table([head, ...r.segments.map((s) => [segmentName(s.value), ...cells(s.figure, r.metric), ...(r.previous ? [changeText(s.change, r.metric)] : [])])]));
    if (r.segmentCount! > r.segments.length) lines.push(`… ${r.segmentCount! - r.segments.length} more segments (--json or --csv for all listed)`);
    const names = (list: { value: string | null; figure: FigureOut }[] | null) => (list?.length ? list.map((s) => `${segmentName(s.value)} ${signed(s.figure.value, r.metric)}`).join(', ') : '–');
    lines.push('', `best: ${names(r.top)}`, `worst: ${names(r.bottom)}`);
    if (r.moved) lines.push(`moved: ${r.moved.length ? r.moved.map((s) => `${segmentName(s.value)} ${changeText(s.change, r.metric)}`).join(', ') : 'no significant change'}`);
  }
  if (r.series) {
    lines.push('');
    lines.push(table([[r.interval!, 'responses', label, 'margin', ...categories, 'flag', 'change'], ...r.series.map((p) => [p.period, ...cells(p.figure, r.metric), changeText(p.change, r.metric)])]));
  }
  return lines.join('\n');
}

/** The report as CSV lines (header first): one row per segment, per period, or per period × segment. */
export function insightsCsv(r: InsightsReport): string[] {
  const categories = Object.keys(r.figure.counts);
  const figureHead = ['responses', ...categories, ...categories.map((c) => `${c}_share`), 'value', 'margin_of_error', 'low', 'high', 'low_sample'];
  const figure = (f: FigureOut) => [f.responses, ...categories.map((c) => f.counts[c]), ...categories.map((c) => f.shares[c]), f.value, f.marginOfError, f.low, f.high, f.lowSample];
  const change = (c: ChangeOut | null) => [c?.delta ?? null, c?.pValue ?? null, c?.significant ?? null];
  const out: unknown[][] = [];
  if (r.series) {
    out.push(['period', 'start', 'end', ...(r.by ? ['segment'] : []), 'metric', ...figureHead, ...(r.by ? [] : ['change', 'p_value', 'significant'])]);
    for (const p of r.series) {
      if (r.by) for (const s of p.segments ?? []) out.push([p.period, p.start, p.end, s.value, r.metric, ...figure(s.figure)]);
      else out.push([p.period, p.start, p.end, r.metric, ...figure(p.figure), ...change(p.change)]);
    }
  } else if (r.segments) {
    out.push(['segment', 'metric', ...figureHead, ...(r.previous ? ['previous_value', 'change', 'p_value', 'significant'] : [])]);
    for (const s of r.segments) out.push([s.value, r.metric, ...figure(s.figure), ...(r.previous ? [s.previous?.value ?? null, ...change(s.change)] : [])]);
  } else {
    out.push(['metric', ...figureHead, ...(r.previous ? ['previous_value', 'change', 'p_value', 'significant'] : [])]);
    out.push([r.metric, ...figure(r.figure), ...(r.previous ? [r.previous.figure.value, ...change(r.previous.change)] : [])]);
  }
  return out.map(csvLine);
}
