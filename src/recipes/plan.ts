import type { StoredResponse } from '../core/response.js';
import type { Enrichment } from '../core/account.js';
import type { NewJob } from '../core/job.js';
import type { ActionRegistry } from '../../connectors/registry.js';
import { zodIssues, type FieldIssue } from '../core/errors.js';
import { renderParams } from './template.js';
import type { Recipe } from './recipe.js';
import type { RecipeTrigger } from './schema.js';
import { whyNotMatched } from './condition.js';
import { NO_TAGS, type ThemeTags } from '../themes/tagger.js';
import type { Verdict } from './verdict.js';

export interface PlannedAction {
  id: string;
  action: string;
  /** Rendered parameters (validated when `issues` is empty). */
  params: unknown;
  /** Problems with the rendered parameters: the job will dead-letter with them. */
  issues: FieldIssue[];
  key: string;
}

export interface RecipeDecision {
  recipe: string;
  matched: boolean;
  /** Why it fired or not, as a kind (recorded with the plan). */
  verdict: Verdict;
  /** Why it did or did not fire, in words. */
  reason: string;
  actions: PlannedAction[];
  /** Actions of a firing recipe left out by their own `when`, with why. */
  skippedActions?: { id: string; action: string; reason: string }[];
}

export interface PlanOptions {
  recipes: readonly Recipe[];
  registry: ActionRegistry;
  /** Last time a recipe fired for this respondent on another response (throttle). */
  lastRun(recipe: string, respondentKey: string): Promise<string | undefined>;
  now: Date;
  /** Attempts for each action job. */
  maxAttempts(action: string): number;
  /** Which recipes are considered: those listening to this trigger. Default `response`. */
  trigger?: RecipeTrigger;
  /** The comment's themes and sentiment (`response.themes`, `response.sentiment`). Default: none, 0. */
  tags?: ThemeTags;
}

/** Variables that conditions and templates see; the response carries its comment's `themes` (list of names) and `sentiment` (number). */
export function recipeContext(response: StoredResponse, enrichment: Enrichment, tags: ThemeTags = NO_TAGS) {
  return { response: { ...response, themes: tags.themes, sentiment: tags.sentiment }, account: enrichment.account, contact: enrichment.contact };
}

/** Whose throttle a response counts against: email, else the source's person id, else itself. */
export function respondentKey(r: StoredResponse): string {
  if (r.respondent.email) return `email:${r.respondent.email}`;
  if (r.respondent.externalId) return `${r.source}:${r.respondent.externalId}`;
  return `response:${r.id}`;
}

export function actionJobKey(responseId: string, recipe: string, actionId: string): string {
  return `${responseId}:${recipe}:${actionId}`;
}

/**
 * Decide, for one response, which recipes fire and render their actions. Pure apart from the
 * throttle lookup: the caller stores the jobs (and `closeloop try` just prints them).
 */
export async function planResponse(response: StoredResponse, enrichment: Enrichment, options: PlanOptions): Promise<RecipeDecision[]> {
  const decisions: RecipeDecision[] = [];
  if (response.score === null) {
    return options.recipes.filter((r) => r.on === (options.trigger ?? 'response')).map((r) => ({ recipe: r.name, matched: false, verdict: 'no_score' as const, reason: 'response has no score', actions: [] }));
  }
  const context = recipeContext(response, enrichment, options.tags);
  const trigger = options.trigger ?? 'response';
  for (const recipe of options.recipes.filter((r) => r.on === trigger)) {
    const decide = (verdict: Verdict, reason: string, actions: PlannedAction[] = [], skippedActions: RecipeDecision['skippedActions'] = []) =>
      decisions.push({ recipe: recipe.name, matched: verdict === 'matched', verdict, reason, actions, ...(skippedActions.length ? { skippedActions } : {}) });
    if (!recipe.enabled) {
      decide('disabled', 'recipe is disabled');
      continue;
    }
    const condition = recipe.when.evaluate(context);
    if (!condition.matched) {
      decide('not_matched', whyNotMatched(condition, recipe.when));
      continue;
    }
    if (recipe.throttle) {
      const last = await options.lastRun(recipe.name, respondentKey(response));
      if (last && options.now.getTime() - Date.parse(last) < recipe.throttle.period) {
        decide('throttled', `throttled: already fired for this respondent at ${last}`);
        continue;
      }
    }
    const skippedActions: NonNullable<RecipeDecision['skippedActions']> = [];
    const included = recipe.actions.filter((a) => {
      if (!a.when) return true;
      const own = a.when.evaluate(context);
      if (own.matched) return true;
      skippedActions.push({ id: a.id, action: a.action, reason: whyNotMatched(own, a.when) });
      return false;
    });
    const actions = included.map((a): PlannedAction => {
      const key = actionJobKey(response.id, recipe.name, a.id);
      let rendered: unknown;
      try {
        rendered = renderParams(a.params, context);
      } catch (error) {
        // A template that fails for this response fails every time: the job dead-letters with
        // the reason instead of the whole plan being retried.
        return { id: a.id, action: a.action, params: null, issues: [{ field: 'params', message: `template failed: ${(error as Error).message.split('\n')[0]}` }], key };
      }
      const definition = options.registry.get(a.action);
      const fromContext = definition?.action.contextParams?.(context);
      if (fromContext && rendered !== null && typeof rendered === 'object') rendered = { ...rendered, ...fromContext };
      const parsed = definition ? definition.action.params.safeParse(rendered) : undefined;
      return {
        id: a.id,
        action: a.action,
        params: parsed?.success ? parsed.data : rendered,
        issues: !definition ? [{ field: 'action', message: `unknown action ${a.action}` }] : parsed?.success ? [] : zodIssues(parsed!.error),
        key,
      };
    });
    decide('matched', `condition is true: ${recipe.when.source}`, actions, skippedActions);
  }
  return decisions;
}

/** The jobs and throttle marks a plan writes. */
export function jobsOfPlan(response: StoredResponse, decisions: RecipeDecision[], options: Pick<PlanOptions, 'now' | 'maxAttempts' | 'recipes'>) {
  const now = options.now.toISOString();
  const jobs: NewJob[] = [];
  const recipeRuns: { recipe: string; respondentKey: string; at: string }[] = [];
  for (const d of decisions) {
    if (!d.matched) continue;
    const recipe = options.recipes.find((r) => r.name === d.recipe);
    if (recipe?.throttle) recipeRuns.push({ recipe: d.recipe, respondentKey: respondentKey(response), at: now });
    for (const a of d.actions) {
      jobs.push({
        key: a.key,
        type: 'action',
        responseId: response.id,
        recipe: d.recipe,
        actionId: a.id,
        action: a.action,
        params: a.params,
        maxAttempts: options.maxAttempts(a.action),
        runAt: now,
        responseVersion: response.version,
      });
    }
  }
  return { jobs, recipeRuns };
}
