import type { Statement } from './statement.js';
import type { Metric } from '../core/response.js';
import { ROLLED_UP_DIMENSIONS, type ResponseSegments, type RolledUpDimension } from '../insights/segments.js';

/** A statement and its values, kept together. */
export type Query = Statement;

/**
 * Store a response's segments as its plan saw them (migration 15), replacing those of an older
 * version; migration 15's triggers move its counts in the rollups. A plan of an older version
 * that commits after a newer one's leaves the newer segments alone (the version guard, then the
 * insert ignored on the key). Run in the plan's transaction.
 */
export function segmentWrites(s: ResponseSegments): Query[] {
  const columns = ['response_id', 'version', 'received_at', 'metric', 'category', 'score', ...ROLLED_UP_DIMENSIONS, 'account', 'planned_at'];
  return [
    { sql: `DELETE FROM response_segments WHERE response_id = ? AND version <= ?`, params: [s.responseId, s.version] },
    {
      // Only while the response exists: a plan committing after its erasure writes nothing.
      sql: `INSERT OR IGNORE INTO response_segments (${columns.join(', ')}) SELECT ${columns.map(() => '?').join(', ')}
        WHERE EXISTS (SELECT 1 FROM responses WHERE id = ?)`,
      params: [s.responseId, s.version, s.receivedAt, s.metric, s.category, s.score, ...ROLLED_UP_DIMENSIONS.map((d) => s.values[d]), JSON.stringify(s.account), s.plannedAt, s.responseId],
    },
  ];
}

/** What a figure is sliced by: nothing (the whole), a rolled-up column, or any path in the account snapshot or the response's `extra`. */
export type Dimension =
  | { kind: 'whole' }
  | { kind: 'column'; name: RolledUpDimension }
  | { kind: 'account'; path: readonly string[] }
  | { kind: 'extra'; path: readonly string[] };

/** Counts of one metric's answers by window (a period, labelled by the caller) and segment value. */
export interface SegmentCountsQuery {
  metric: Metric;
  dimension: Dimension;
  source?: string;
  survey?: string;
  /** Half-open [from, to) windows of received time (ISO 8601 UTC), each with its label. */
  windows: readonly { label: string; from: string; to: string }[];
}

export interface SegmentCountRow {
  window: string;
  /** The segment's value; null when unknown, and for the whole. */
  value: string | null;
  category: string;
  n: number;
  scoreSum: number;
  scoreSquares: number;
}

const HOUR_MS = 3_600_000;
/** The rollups' hour key: `2026-03-02T10`. */
const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13);

/**
 * The reads behind a {@link SegmentCountsQuery}; their rows, added up, are its answer. A rolled-up
 * dimension (or the whole, filtered by at most a source or a survey) reads the rollups for each
 * window's whole hours, and the segments table only for the minutes before the first and after
 * the last whole hour (a `since=90d` starts mid-hour; a zone half an hour off UTC starts its days
 * mid-hour): the cost grows with the hours asked for, not with the responses. Any other slice
 * (an account path, an `extra` field, a dimension with a filter) reads the segments table.
 */
export function segmentCountQueries(q: SegmentCountsQuery): Query[] {
  const filters = [q.source !== undefined && 'source', q.survey !== undefined && 'survey'].filter((f): f is 'source' | 'survey' => !!f);
  let rollup: { dimension: string; value?: string } | null = null;
  if (q.dimension.kind === 'column' && filters.length === 0) rollup = { dimension: q.dimension.name };
  else if (q.dimension.kind === 'whole' && filters.length === 0) rollup = { dimension: '' };
  else if (q.dimension.kind === 'whole' && filters.length === 1) rollup = { dimension: filters[0]!, value: filters[0] === 'source' ? q.source! : q.survey! };
  if (!rollup) return q.windows.length ? [rawCounts(q, q.windows)] : [];

  const hours: { label: string; from: string; to: string }[] = [];
  const edges: { label: string; from: string; to: string }[] = [];
  for (const w of q.windows) {
    const from = Date.parse(w.from);
    const to = Date.parse(w.to);
    const firstHour = Math.ceil(from / HOUR_MS) * HOUR_MS;
    const lastHour = Math.floor(to / HOUR_MS) * HOUR_MS;
    if (firstHour >= lastHour) {
      edges.push(w);
      continue;
    }
    hours.push({ label: w.label, from: hourKey(firstHour), to: hourKey(lastHour) });
    if (from < firstHour) edges.push({ label: w.label, from: w.from, to: new Date(firstHour).toISOString() });
    if (lastHour < to) edges.push({ label: w.label, from: new Date(lastHour).toISOString(), to: w.to });
  }
  const queries: Query[] = [];
  if (hours.length) {
    // The window list drives the join (CROSS JOIN keeps it outside): one range of the rollups' key per window.
    // By a column, the whole comes along: the unknown value has no row of its own (see foldUnknown).
    const byColumn = rollup.dimension !== '' && rollup.value === undefined;
    queries.push({
      sql: `WITH w (label, from_hour, to_hour) AS (VALUES ${hours.map(() => '(?, ?, ?)').join(', ')})
        SELECT w.label AS window, ${byColumn ? 'r.dimension' : 'NULL'} AS dimension, ${byColumn ? 'r.value' : `''`} AS value, r.category AS category,
          SUM(r.n) AS n, SUM(r.score_sum) AS scoreSum, SUM(r.score_squares) AS scoreSquares
        FROM w CROSS JOIN insight_rollups r
        WHERE r.metric = ? AND r.dimension ${byColumn ? `IN ('', ?)` : '= ?'} AND r.hour >= w.from_hour AND r.hour < w.to_hour${rollup.value !== undefined ? ' AND r.value = ?' : ''}
        GROUP BY 1, 2, 3, 4`,
      params: [...hours.flatMap((h) => [h.label, h.from, h.to]), q.metric, rollup.dimension, ...(rollup.value !== undefined ? [rollup.value] : [])],
    });
  }
  if (edges.length) queries.push(rawCounts(q, edges));
  return queries;
}

/**
 * The rows of {@link segmentCountQueries}, the unknown value counted: a rollup row of the whole
 * (`dimension` '') becomes, per window and category, the whole less the known values' rows of the
 * same window and category, as value null. Other rows pass as they are. The stores' answer.
 */
export function foldUnknown(rows: readonly (SegmentCountRow & { dimension?: string | null })[]): SegmentCountRow[] {
  const out: SegmentCountRow[] = [];
  const unknown = new Map<string, SegmentCountRow>();
  const bucket = (r: SegmentCountRow) => {
    const key = `${r.window}\u0000${r.category}`;
    let u = unknown.get(key);
    if (!u) unknown.set(key, (u = { window: r.window, value: null, category: r.category, n: 0, scoreSum: 0, scoreSquares: 0 }));
    return u;
  };
  for (const { dimension, ...r } of rows) {
    const row = { ...r, value: r.value === '' ? null : r.value };
    if (dimension === '') {
      const u = bucket(row);
      (u.n += row.n), (u.scoreSum += row.scoreSum), (u.scoreSquares += row.scoreSquares);
      continue;
    }
    if (typeof dimension === 'string') {
      const u = bucket(row);
      (u.n -= row.n), (u.scoreSum -= row.scoreSum), (u.scoreSquares -= row.scoreSquares);
    }
    out.push(row);
  }
  for (const u of unknown.values()) if (u.n !== 0) out.push(u);
  return out;
}

/** A JSON path of the keys as given, each quoted (`$."custom"."industry"`). */
function jsonPath(keys: readonly string[]): string {
  return '$' + keys.map((k) => `."${k.replace(/"/g, '')}"`).join('');
}

function rawCounts(q: SegmentCountsQuery, windows: readonly { label: string; from: string; to: string }[]): Query {
  const d = q.dimension;
  const value =
    d.kind === 'whole'
      ? { sql: `''`, params: [] }
      : d.kind === 'column'
        ? { sql: `s.${ROLLED_UP_DIMENSIONS.find((c) => c === d.name)}`, params: [] }
        : d.kind === 'account'
          ? { sql: `CAST(json_extract(s.account, ?) AS TEXT)`, params: [jsonPath(d.path)] }
          : { sql: `CAST(json_extract(r.data, ?) AS TEXT)`, params: [jsonPath(['extra', ...d.path])] };
  const where = ['s.metric = ?', 's.received_at >= w.from_at', 's.received_at < w.to_at', 's.category IS NOT NULL'];
  const params: unknown[] = [q.metric];
  if (q.source !== undefined) (where.push('s.source = ?'), params.push(q.source));
  if (q.survey !== undefined) (where.push('s.survey = ?'), params.push(q.survey));
  return {
    sql: `WITH w (label, from_at, to_at) AS (VALUES ${windows.map(() => '(?, ?, ?)').join(', ')})
      SELECT w.label AS window, ${value.sql} AS value, s.category AS category, COUNT(*) AS n, COALESCE(SUM(s.score), 0) AS scoreSum, COALESCE(SUM(s.score * s.score), 0) AS scoreSquares
      FROM w CROSS JOIN response_segments s${d.kind === 'extra' ? ' JOIN responses r ON r.id = s.response_id' : ''}
      WHERE ${where.join(' AND ')}
      GROUP BY 1, 2, 3`,
    params: [...windows.flatMap((w) => [w.label, w.from, w.to]), ...value.params, ...params],
  };
}

/** One commented answer for the digest: the category's longest comment of the period (newest first on a tie). */
export interface DigestVerbatimRow {
  category: string;
  score: number | null;
  comment: string;
  plan: string | null;
  accountName: string | null;
}

/** A promoter's, a passive's and a detractor's comment received in [since, until) (each when there is one). */
export function digestVerbatimsQuery(since: string, until: string): Query {
  const one = `SELECT * FROM (SELECT s.category AS category, r.score AS score, r.comment AS comment, s.plan AS plan, json_extract(s.account, '$.name') AS accountName
      FROM response_segments s JOIN responses r ON r.id = s.response_id
      WHERE s.metric = 'nps' AND s.received_at >= ? AND s.received_at < ? AND s.category = ? AND r.comment IS NOT NULL
      ORDER BY length(r.comment) DESC, s.received_at DESC LIMIT 1)`;
  return { sql: [one, one, one].join(' UNION ALL '), params: ['promoter', 'passive', 'detractor'].flatMap((c) => [since, until, c]) };
}

/** Which responses `closeloop export` writes: received in [since, until). */
export interface ExportFilter {
  since?: string;
  until?: string;
}

/**
 * A stored response as a page of responses reads it in arrival order (the export's, a recipe
 * backtest's): the newest version with what its plan stored beside it.
 */
export interface ResponsePageRow {
  seq: number;
  id: string;
  received_at: string;
  version: number;
  /** The normalized response (JSON), newest version. */
  data: string;
  /** The account snapshot its plan stored (JSON, migration 15); null for a response not planned yet (no segments stored). */
  account: string | null;
  /** The comment's themes as JSON (migration 16), null until the response is tagged. */
  themes: string | null;
  sentiment: number | null;
}

/**
 * One page of responses after `afterSeq` matching `where` (over `r`, the responses), in arrival
 * order: keyset, so each page is one index walk however far in. `segmentColumns`: columns of
 * `s` (the response's segments row) read beside the account.
 */
export function responsePageQuery(where: readonly string[], params: readonly unknown[], limit: number, segmentColumns: readonly string[] = []): Query {
  const columns = ['r.seq AS seq', 'r.id AS id', 'r.received_at AS received_at', 'r.version AS version', 'r.data AS data', 's.account AS account', ...segmentColumns.map((c) => `s.${c} AS ${c}`), 'r.themes AS themes', 'r.sentiment AS sentiment'];
  return {
    sql: `SELECT ${columns.join(', ')}
      FROM responses r LEFT JOIN response_segments s ON s.response_id = r.id
      WHERE ${where.join(' AND ')} ORDER BY r.seq LIMIT ?`,
    params: [...params, limit],
  };
}

/** A response with its segments, as read for an export page. */
export interface ExportRow extends ResponsePageRow {
  plan: string | null;
  tier: string | null;
  arr: string | null;
  region: string | null;
  owner: string | null;
  lifecycle: string | null;
  crm: string | null;
  planned_at: string | null;
}

/** One page of the export, in arrival order after `afterSeq` (keyset: each page is one index walk, however far in). */
export function exportPageQuery(filter: ExportFilter, afterSeq: number, limit: number): Query {
  const where = ['r.seq > ?'];
  const params: unknown[] = [afterSeq];
  if (filter.since) (where.push('r.received_at >= ?'), params.push(filter.since));
  if (filter.until) (where.push('r.received_at < ?'), params.push(filter.until));
  return responsePageQuery(where, params, limit, ['plan', 'tier', 'arr', 'region', 'owner', 'lifecycle', 'crm', 'planned_at']);
}
