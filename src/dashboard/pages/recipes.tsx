import type { Recipe } from '../../recipes/recipe.js';
import type { RecipeMatchCount } from '../../store/response-search.js';
import type { DashboardDeps } from '../deps.js';
import { Layout } from '../components/layout.js';

const DAY = 86_400_000;

export interface RecipesData {
  recipes: readonly Recipe[];
  counts: Map<string, RecipeMatchCount>;
}

/** The recipes running now, and how many responses each matched in the last 7 and 30 days (stored verdicts). */
export async function recipesData(deps: DashboardDeps): Promise<RecipesData> {
  const now = deps.now().getTime();
  const counts = await deps.store.recipeMatchCounts(new Date(now - 7 * DAY).toISOString(), new Date(now - 30 * DAY).toISOString());
  return { recipes: deps.recipes?.() ?? [], counts: new Map(counts.map((c) => [c.recipe, c])) };
}

export function RecipesPage(props: { data: RecipesData; csrf: string }) {
  const { recipes, counts } = props.data;
  return (
    <Layout title="Recipes" section="recipes" csrf={props.csrf}>
      {recipes.length === 0 && <p>No recipes are loaded (CLOSELOOP_RECIPES).</p>}
      {recipes.map((r) => {
        const c = counts.get(r.name);
        return (
          <article class="card recipe" data-testid="recipe" aria-labelledby={`recipe-${r.name}`}>
            <h2 id={`recipe-${r.name}`}>
              {r.name} <span class={`status ${r.enabled ? 's-succeeded' : 's-dead'}`}>{r.enabled ? 'enabled' : 'disabled'}</span>
            </h2>
            {r.description && <p>{r.description}</p>}
            <dl class="facts">
              <dt>On</dt>
              <dd>{r.on}</dd>
              <dt>When</dt>
              <dd>
                <code>{r.when.source}</code>
              </dd>
              <dt>Matched</dt>
              <dd data-testid="recipe-matches">
                {c?.recent ?? 0} responses in the last 7 days, {c?.longer ?? 0} in the last 30
              </dd>
              {r.throttle && (
                <>
                  <dt>Throttle</dt>
                  <dd>
                    <code>{JSON.stringify(r.throttle)}</code>
                  </dd>
                </>
              )}
              <dt>File</dt>
              <dd>
                <code>{r.file}</code>
              </dd>
            </dl>
            <h3>Actions</h3>
            <ul>
              {r.actions.map((a) => (
                <li>
                  <code>{a.id}</code>: {a.action}
                  {a.when && (
                    <>
                      {' '}
                      when <code>{a.when.source}</code>
                    </>
                  )}
                </li>
              ))}
            </ul>
          </article>
        );
      })}
    </Layout>
  );
}
