import type { StoredResponse } from '../core/response.js';
import type { RecipeDecision } from './plan.js';

/**
 * What planning decided about one recipe for one response: it fired (`matched`), its condition
 * was false or could not be evaluated (`not_matched`), it had fired for this respondent within
 * its throttle period (`throttled`), it is switched off (`disabled`), or the response carries no
 * score (`no_score`: no recipe runs).
 */
export const VERDICTS = ['matched', 'not_matched', 'throttled', 'disabled', 'no_score'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** One recipe's verdict on one version of a response, recorded with its plan (`GET /api/responses/{id}`, `closeloop show`). */
export interface RecipeVerdict {
  responseId: string;
  responseVersion: number;
  recipe: string;
  verdict: Verdict;
  /** Why, in words (the condition, the time it last fired…). */
  reason: string;
  /** Actions of a firing recipe left out by their own `when`, with why. */
  skippedActions: { id: string; action: string; reason: string }[];
  plannedAt: string;
}

/** The verdicts a plan records, one per recipe, in the order the recipes were considered. */
export function verdictsOfPlan(response: StoredResponse, decisions: readonly RecipeDecision[], plannedAt: string): RecipeVerdict[] {
  return decisions.map((d) => ({
    responseId: response.id,
    responseVersion: response.version,
    recipe: d.recipe,
    verdict: d.verdict,
    reason: d.reason,
    skippedActions: d.skippedActions ?? [],
    plannedAt,
  }));
}
