import type { Statement } from './statement.js';

export type { Statement };
import type { Category } from '../core/response.js';
import type { RolledUpDimension } from '../insights/segments.js';

/**
 * Theme tags in SQL (migration 16), shared by every SQL store: each statement is built with its
 * values. A response's tags live in three places written together: `responses.themes` (JSON, in
 * the rules' order, read back with the verbatim), `responses.sentiment`, `responses.themes_rules`
 * (the fingerprint of the rules that tagged it), and one `response_themes` row per theme (the
 * index that counts and filters by theme).
 */

/** One response's tags, for the version they were computed from. */
export interface TaggedResponse {
  responseId: string;
  /** The version whose comment was tagged: a newer version keeps its own tags. */
  version: number;
  themes: string[];
  sentiment: number;
  /** Fingerprint of the rules (ThemeTagger.fingerprint). */
  rules: string;
}

/** A response that re-tagging looks at. */
export interface ResponseToTag {
  seq: number;
  id: string;
  version: number;
  comment: string | null;
  /** Its themes as last tagged (JSON), or null. */
  themes: string | null;
}

/** Which verbatims to list: newest first, after `before` (keyset). */
export interface VerbatimFilter {
  theme?: string;
  category?: Category;
  since?: string;
  until?: string;
  /** Id of the last verbatim of the previous page. */
  before?: string;
  /** Only responses whose plan saw this segment value (`response_segments`, migration 15). */
  segment?: { dimension: RolledUpDimension; value: string };
  limit: number;
}

/** A comment with what it was tagged with. */
export interface Verbatim {
  id: string;
  receivedAt: string;
  source: string;
  surveyId: string | null;
  metric: string;
  score: number | null;
  category: string | null;
  comment: string;
  /** Null until the response is planned (or re-tagged). */
  themes: string[] | null;
  sentiment: number | null;
}

/** Period of the theme figures (received at or after `since`, before `until`) and the current rules. */
export interface ThemeCountsFilter {
  since?: string;
  until?: string;
  rules: string;
}

/** Scored NPS responses with a comment, by category: those tagged, and how many the current rules have not tagged. */
export interface ThemeCounts {
  /** Tagged responses with a comment (the denominators of the shares). */
  commented: { promoters: number; passives: number; detractors: number };
  /** Responses with a comment not tagged by the current rules (never tagged, or by other rules). */
  untagged: number;
  byTheme: { theme: string; promoters: number; passives: number; detractors: number }[];
}

/**
 * Replace a response's tags, guarded by version: tags computed from an older version's comment
 * change nothing once a newer version is stored (its own plan tags it).
 */
export function tagStatements(t: TaggedResponse): Statement[] {
  return [
    {
      sql: `DELETE FROM response_themes WHERE response_seq = (SELECT seq FROM responses WHERE id = ? AND version = ?)`,
      params: [t.responseId, t.version],
    },
    ...t.themes.map((theme) => ({
      sql: `INSERT OR IGNORE INTO response_themes (theme, response_seq) SELECT ?, seq FROM responses WHERE id = ? AND version = ?`,
      params: [theme, t.responseId, t.version],
    })),
    {
      sql: `UPDATE responses SET themes = ?, sentiment = ?, themes_rules = ? WHERE id = ? AND version = ?`,
      params: [JSON.stringify(t.themes), t.sentiment, t.rules, t.responseId, t.version],
    },
  ];
}

/** Responses past `afterSeq` not tagged by these rules, in arrival order (re-tagging walks them in batches). */
export function responsesToTagQuery(afterSeq: number, rules: string, limit: number): Statement {
  return {
    sql: `SELECT seq, id, version, comment, themes FROM responses WHERE seq > ? AND themes_rules IS NOT ? ORDER BY seq LIMIT ?`,
    params: [afterSeq, rules, limit],
  };
}

function period(filter: { since?: string; until?: string }, column: string, where: string[], params: unknown[]) {
  if (filter.since) (where.push(`${column} >= ?`), params.push(filter.since));
  if (filter.until) (where.push(`${column} < ?`), params.push(filter.until));
}

const byCategory = (prefix: string, guard = '') =>
  (['promoter', 'passive', 'detractor'] as const).map((c) => `COALESCE(SUM(${guard}${prefix}category = '${c}'), 0) AS ${c}s`).join(', ');

/** The commented, scored NPS responses of the period: tagged ones by category, and those the current rules have not tagged. */
export function commentedCountsQuery(filter: ThemeCountsFilter): Statement {
  const where = [`metric = 'nps'`, 'category IS NOT NULL', 'comment IS NOT NULL'];
  const params: unknown[] = [filter.rules];
  period(filter, 'received_at', where, params);
  return {
    sql: `SELECT ${byCategory('', 'themes_rules IS NOT NULL AND ')}, COALESCE(SUM(themes_rules IS NOT ?), 0) AS untagged FROM responses WHERE ${where.join(' AND ')}`,
    // The fingerprint is the first placeholder (in the SELECT), then the period's.
    params,
  };
}

/**
 * Scored NPS responses mentioning each theme, by category, over the period: one row, `byTheme`
 * holding a JSON array of {theme, promoters, passives, detractors} (one row, so that a store can
 * run it on a reader that returns one).
 */
export function themeCountsQuery(filter: { since?: string; until?: string }): Statement {
  const where = [`r.metric = 'nps'`, 'r.category IS NOT NULL'];
  const params: unknown[] = [];
  period(filter, 'r.received_at', where, params);
  return {
    sql: `SELECT json_group_array(json_object('theme', theme, 'promoters', promoters, 'passives', passives, 'detractors', detractors)) AS byTheme
      FROM (SELECT t.theme AS theme, ${byCategory('r.')} FROM response_themes t JOIN responses r ON r.seq = t.response_seq
        WHERE ${where.join(' AND ')} GROUP BY t.theme)`,
    params,
  };
}

export interface VerbatimRow {
  id: string;
  received_at: string;
  source: string;
  survey_id: string | null;
  metric: string;
  score: number | null;
  category: string | null;
  comment: string;
  themes: string | null;
  sentiment: number | null;
}

/**
 * Comments newest first. With a theme, the walk is down that theme's rows of `response_themes`
 * (keyed by theme, then arrival), so a page costs its own rows whatever the theme's history.
 */
export function verbatimsQuery(filter: VerbatimFilter): Statement {
  const where = ['r.comment IS NOT NULL'];
  const params: unknown[] = [];
  if (filter.theme) (where.push('t.theme = ?'), params.push(filter.theme));
  if (filter.category) (where.push('r.category = ?'), params.push(filter.category));
  period(filter, 'r.received_at', where, params);
  // The column is one of the fixed dimension names, never the caller's text.
  if (filter.segment) (where.push(`EXISTS (SELECT 1 FROM response_segments s WHERE s.response_id = r.id AND s.${filter.segment.dimension} = ?)`), params.push(filter.segment.value));
  const seq = filter.theme ? 't.response_seq' : 'r.seq';
  if (filter.before) (where.push(`${seq} < (SELECT seq FROM responses WHERE id = ?)`), params.push(filter.before));
  const from = filter.theme ? 'response_themes t JOIN responses r ON r.seq = t.response_seq' : 'responses r';
  return {
    sql: `SELECT r.id, r.received_at, r.source, r.survey_id, r.metric, r.score, r.category, r.comment, r.themes, r.sentiment
      FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${seq} DESC LIMIT ?`,
    params: [...params, filter.limit],
  };
}

export function verbatimFromRow(row: VerbatimRow): Verbatim {
  return {
    id: row.id,
    receivedAt: row.received_at,
    source: row.source,
    surveyId: row.survey_id,
    metric: row.metric,
    score: row.score,
    category: row.category,
    comment: row.comment,
    themes: row.themes === null ? null : (JSON.parse(row.themes) as string[]),
    sentiment: row.sentiment,
  };
}
