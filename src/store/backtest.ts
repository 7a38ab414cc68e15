import { responsePageQuery, type ResponsePageRow } from './segments-sql.js';
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

/** A stored response as a backtest reads it: the account snapshot its plan saw, null when it was never planned. */
export type BacktestRow = ResponsePageRow;

/** One page in arrival order after `afterSeq` (keyset, like the export: each page is one index walk). */
export function backtestPageQuery(filter: BacktestFilter, afterSeq: number, limit: number): Statement {
  const where = ['r.seq > ?', 'r.received_at >= ?', 'r.received_at < ?'];
  const params: unknown[] = [afterSeq, filter.since, filter.until];
  if (filter.source !== undefined) (where.push('r.source = ?'), params.push(filter.source));
  return responsePageQuery(where, params, limit);
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
