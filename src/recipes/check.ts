import { issuePath } from '../core/errors.js';
import { NormalizedResponse, type StoredResponse } from '../core/response.js';
import { emptyEnrichment, type Enrichment } from '../core/account.js';
import type { ActionRegistry } from '../../connectors/registry.js';
import { renderParams } from './template.js';
import { recipeContext } from './plan.js';
import type { Recipe, RecipeIssue } from './recipe.js';

/** A detractor, a passive and a promoter, with and without CRM data, to render recipes against. */
export function sampleInputs(): { response: StoredResponse; enrichment: Enrichment }[] {
  const known = emptyEnrichment();
  known.account = {
    ...known.account,
    id: '1001',
    name: 'Example Corp',
    domain: 'example.com',
    plan: 'Enterprise',
    tier: 'enterprise',
    arr: 120000,
    owner: { id: '7001', name: 'Alex Owner', email: 'alex.owner@example.com' },
    region: 'EMEA',
    lifecycle: 'customer',
  };
  return [2, 7, 10].flatMap((score, i) => {
    const response: StoredResponse = {
      ...NormalizedResponse.parse({
        source: 'sample',
        sourceResponseId: `sample-${score}`,
        score,
        comment: 'Sample verbatim <with> "quotes" & ünïcödé',
        respondent: { email: 'sam.sample@example.com', name: 'Sam Sample' },
        answeredAt: '2026-01-01T00:00:00Z',
      }),
      id: `00000000-0000-4000-8000-00000000000${i}`,
      receivedAt: '2026-01-01T00:00:00Z',
      version: 1,
    };
    return [
      { response, enrichment: known },
      { response, enrichment: emptyEnrichment() },
    ];
  });
}

/**
 * Render every action of every recipe against the samples and validate the parameters with
 * the action's schema: what would fail at delivery is reported now, with its line.
 */
export function checkRecipeParams(recipes: readonly Recipe[], registry: ActionRegistry): RecipeIssue[] {
  const issues = new Map<string, RecipeIssue>();
  for (const recipe of recipes) {
    recipe.actions.forEach((action, i) => {
      const definition = registry.get(action.action);
      if (!definition) return;
      for (const { response, enrichment } of sampleInputs()) {
        const parsed = definition.action.params.safeParse(renderParams(action.params, recipeContext(response, enrichment)));
        if (parsed.success) continue;
        for (const issue of parsed.error.issues) {
          const path = ['actions', i, 'params', ...(issue.path as (string | number)[])];
          const field = issuePath(path); // same notation as load errors: actions[0].params.channel
          const key = `${recipe.file}:${field}`;
          if (!issues.has(key)) {
            const where = enrichment.account.id ? 'with CRM data' : 'for an unknown respondent';
            issues.set(key, { file: recipe.file, ...recipe.locate(path), field, message: `${issue.message} (score ${response.score}, ${where})` });
          }
        }
      }
    });
  }
  return [...issues.values()];
}
