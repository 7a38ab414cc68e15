import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ActionRegistry } from '../../connectors/registry.js';
import { HubError } from '../core/errors.js';
import { BACKTEST_WINDOW_FIELDS, backtestFilter, backtestRecipe, notBacktestable, UNTIL_AFTER_SINCE_ISSUE, unknownSource, untilAfterSince, type BacktestReader, type BacktestReport } from '../recipes/backtest.js';
import { parseRecipes } from '../recipes/parse.js';
import { RecipeLoadError, type Recipe } from '../recipes/recipe.js';
import type { ThemeTags } from '../themes/tagger.js';
import { Errors, Json } from './openapi-shapes.js';

/** What `POST /api/recipes/backtest` needs; absent, the route answers 404 (a runtime whose store cannot page responses yet). */
export interface BacktestRouteDeps {
  reader: BacktestReader;
  registry: ActionRegistry;
  /** The running recipes, for a backtest by name. */
  recipes: () => readonly Recipe[];
  /** Tags a comment the hub has not tagged yet. Default: no themes. */
  tag?: (comment: string | null) => ThemeTags;
}

const BacktestRequest = z
  .object({
    recipe: z.string().trim().min(1).max(200).optional().openapi({ description: 'Name of a running recipe (give this or `yaml`)' }),
    yaml: z.string().min(1).max(100_000).optional().openapi({ description: 'A recipe file, as text (give this or `recipe`)' }),
    ...BACKTEST_WINDOW_FIELDS,
  })
  .refine(untilAfterSince, UNTIL_AFTER_SINCE_ISSUE)
  .refine((b) => (b.recipe === undefined) !== (b.yaml === undefined), { path: ['recipe'], message: 'give either recipe (a name) or yaml (a recipe file), not both' })
  .openapi('BacktestRequest');

const Example = z.object({
  responseId: z.string(),
  receivedAt: z.string(),
  respondent: z.string().nullable(),
  score: z.number().nullable(),
  category: z.string().nullable(),
  accountSnapshot: z.boolean(),
  request: z.object({ method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']), path: z.string(), body: z.unknown() }).nullable(),
  issues: z.array(z.object({ field: z.string(), message: z.string() })),
});
const BacktestReportSchema = z
  .object({
    recipe: z.object({ name: z.string(), file: z.string(), enabled: z.boolean(), throttle: z.string().nullable(), actions: z.array(z.object({ id: z.string(), action: z.string() })) }),
    window: z.object({ since: z.string(), until: z.string(), source: z.string().nullable(), limit: z.number().nullable() }),
    responses: z.object({ scanned: z.number(), withoutAccountSnapshot: z.number(), limitReached: z.boolean() }),
    decisions: z.object({ fires: z.number(), conditionFalse: z.number(), conditionErrors: z.number(), throttled: z.number(), noScore: z.number() }),
    conditionErrors: z.array(z.object({ reason: z.string(), count: z.number() })),
    actions: z.array(
      z.object({
        id: z.string(),
        action: z.string(),
        wouldFire: z.number(),
        invalidParams: z.number(),
        conditionFalse: z.number(),
        throttled: z.number(),
        skippedByWhen: z.number(),
        noScore: z.number(),
        examples: z.array(Example),
      }),
    ),
    throttled: z.object({
      responses: z.number(),
      respondents: z.number(),
      listed: z.array(z.object({ respondent: z.string(), responseId: z.string(), receivedAt: z.string(), score: z.number().nullable(), lastFiredAt: z.string(), lastFiredBeforeWindow: z.boolean() })),
    }),
  })
  // What backtestRecipe answers: a field added there and not here fails the type check.
  .openapi('BacktestReport') satisfies z.ZodType<BacktestReport>;

/** `POST /api/recipes/backtest`: what a recipe would have done over stored responses (docs/recipes.md), on the admin API's app. */
export function registerBacktestRoute(app: OpenAPIHono, deps: { backtest?: BacktestRouteDeps; now: () => Date; sources: ReadonlyMap<string, unknown> }) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/recipes/backtest',
      summary: 'Backtest a recipe over the stored responses of a window: counts per action, rendered examples, who would have been throttled. No CRM or connector is called, nothing is written',
      request: { body: { content: { 'application/json': { schema: BacktestRequest } }, required: true } },
      responses: { 200: Json(BacktestReportSchema, 'What the recipe would have done'), ...Errors },
    }),
    async (c) => {
      const backtest = deps.backtest;
      if (!backtest) throw new HubError(404, 'not_available', 'Backtests are not available on this runtime', [{ field: 'path', message: 'not available' }]);
      const body = c.req.valid('json');
      const source = unknownSource(body.source, deps.sources.keys());
      if (source) throw new HubError(422, 'invalid_request', `Invalid request: source ${source.message}`, [source]);
      const recipe = body.yaml !== undefined ? recipeOfYaml(body.yaml, backtest.registry) : backtest.recipes().find((r) => r.name === body.recipe);
      if (!recipe) throw new HubError(404, 'unknown_recipe', `No running recipe named "${body.recipe}"`, [{ field: 'recipe', message: 'no such recipe' }]);
      const refused = notBacktestable(recipe);
      if (refused) throw new HubError(422, 'not_backtestable', refused, [{ field: body.yaml !== undefined ? 'yaml' : 'recipe', message: refused }]);
      const report = await backtestRecipe(backtest.reader, {
        recipe,
        registry: backtest.registry,
        filter: backtestFilter(body, deps.now()),
        limit: body.limit,
        examplesPerAction: body.examples,
        ...(backtest.tag ? { tag: backtest.tag } : {}),
      });
      return c.json(report, 200);
    },
  );
}

/** The recipe in a request's `yaml`; its problems as 422 issues on `yaml`, each with its line and column. */
function recipeOfYaml(text: string, registry: ActionRegistry): Recipe {
  try {
    return parseRecipes([{ file: 'yaml', text }], new Set(registry.keys()))[0]!;
  } catch (error) {
    if (!(error instanceof RecipeLoadError)) throw error;
    const issues = error.issues.map((i) => ({ field: 'yaml', message: `line ${i.line}, column ${i.column}: ${i.field}: ${i.message}` }));
    throw new HubError(422, 'invalid_recipe', `Invalid recipe: ${issues[0]?.message ?? 'invalid'}`, issues);
  }
}
