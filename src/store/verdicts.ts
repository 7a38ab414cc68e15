import type { RecipeVerdict, Verdict } from '../recipes/verdict.js';

/**
 * Recipe verdicts in SQL (migration 14), shared by every SQL store: each statement with the
 * function that gives its values, in order.
 */
export const VERDICT_SQL = {
  /** A plan of the same version written again (it cannot be, but a replayed plan job could) replaces its verdicts. */
  insert: `INSERT OR REPLACE INTO recipe_verdicts (response_id, response_version, recipe, position, verdict, reason, skipped_actions, planned_at)
    SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM responses WHERE id = ?)`,
  /** Newest version first, recipes in the order they were considered. */
  list: `SELECT * FROM recipe_verdicts WHERE response_id = ? ORDER BY response_version DESC, planned_at, position`,
  /** Responses of one respondent, newest first (migration 14's index). */
  responsesByEmail: `SELECT id, received_at, version, data FROM responses WHERE respondent_email = ? ORDER BY seq DESC LIMIT ?`,
} as const;

/** Values of {@link VERDICT_SQL.insert}; `position` is the recipe's place in the plan. Written only while the response exists (its plan commits). */
export function verdictValues(v: RecipeVerdict, position: number) {
  return [v.responseId, v.responseVersion, v.recipe, position, v.verdict, v.reason, v.skippedActions.length ? JSON.stringify(v.skippedActions) : null, v.plannedAt, v.responseId];
}

/** Values of {@link VERDICT_SQL.list}. */
export function verdictListValues(responseId: string) {
  return [responseId];
}

/** Values of {@link VERDICT_SQL.responsesByEmail}: emails are stored lower-cased. */
export function responsesByEmailValues(email: string, limit: number) {
  return [email.trim().toLowerCase(), limit];
}

export interface VerdictRow {
  response_id: string;
  response_version: number;
  recipe: string;
  position: number;
  verdict: string;
  reason: string;
  skipped_actions: string | null;
  planned_at: string;
}

export function verdictFromRow(row: VerdictRow): RecipeVerdict {
  return {
    responseId: row.response_id,
    responseVersion: row.response_version,
    recipe: row.recipe,
    verdict: row.verdict as Verdict,
    reason: row.reason,
    skippedActions: row.skipped_actions ? JSON.parse(row.skipped_actions) : [],
    plannedAt: row.planned_at,
  };
}
