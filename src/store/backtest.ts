import type { Statement } from './statement.js';

/**
 * The reads of a recipe backtest (src/recipes/backtest.ts), shared by every SQL store: stored
 * responses page by page with the account snapshot their plan saw, and the throttle marks that
 * exist before the window. Reads only: a backtest writes nothing.
 */

/** Which stored responses a backtest runs over: received in [since, until), of one source. */
export interface BacktestFilter {
  since: string;
  until: string;
  source?: string;
}

/** A stored response as a backtest reads it. */
export interface BacktestRow {
  seq: number;
  id: string;
  received_at: string;
  version: number;
  /** The normalized response (JSON), newest version. */
  data: string;
  /** The account snapshot its plan stored (JSON, migration 15), or null when it was never planned. */
  account: string | null;
  /** The comment's themes (JSON, migration 16), or null until it is tagged. */
  themes: string | null;
  sentiment: number | null;
}

/** One page in arrival order after `afterSeq` (keyset, like the export: each page is one index walk). */
export function backtestPageQuery(filter: BacktestFilter, afterSeq: number, limit: number): Statement {
  const where = ['r.seq > ?', 'r.received_at >= ?', 'r.received_at < ?'];
  const params: unknown[] = [afterSeq, filter.since, filter.until];
  if (filter.source !== undefined) (where.push('r.source = ?'), params.push(filter.source));
  return {
    sql: `SELECT r.seq AS seq, r.id AS id, r.received_at AS received_at, r.version AS version, r.data AS data, s.account AS account,
        r.themes AS themes, r.sentiment AS sentiment
      FROM responses r LEFT JOIN response_segments s ON s.response_id = r.id
      WHERE ${where.join(' AND ')} ORDER BY r.seq LIMIT ?`,
    params: [...params, limit],
  };
}

/** A respondent's last throttle mark of a recipe before the window. */
export interface ThrottleMarkRow {
  respondent_key: string;
  at: string;
}

/**
 * The newest mark of `recipe` for each of these respondents (keys as src/recipes/plan.ts makes
 * them) in [notBefore, before): older marks cannot throttle anything in the window. The keys go
 * as one JSON array, so the statement has four values however many keys (D1 allows 100).
 */
export function throttleMarksQuery(recipe: string, respondentKeys: readonly string[], notBefore: string, before: string): Statement {
  return {
    sql: `SELECT respondent_key, MAX(at) AS at FROM recipe_runs
      WHERE recipe = ? AND respondent_key IN (SELECT value FROM json_each(?)) AND at >= ? AND at < ?
      GROUP BY respondent_key`,
    params: [recipe, JSON.stringify(respondentKeys), notBefore, before],
  };
}
