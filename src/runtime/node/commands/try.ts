import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { actionRegistry, CONNECTORS } from '../../../../connectors/registry.js';
import type { Env } from '../../../core/env.js';
import { loadConfig } from '../../../core/config.js';
import { HubError } from '../../../core/errors.js';
import { silentLogger, type Logger } from '../../../core/logger.js';
import { NormalizedResponse } from '../../../core/response.js';
import { emptyEnrichment, type Account, type Enrichment } from '../../../core/account.js';
import { chooseCrm, enricherFromEnv } from '../../../enrichment/enricher-from-env.js';
import { parseAccountOption } from '../../../recipes/account-option.js';
import { parseRecipes } from '../../../recipes/parse.js';
import { planResponse } from '../../../recipes/plan.js';
import type { Recipe } from '../../../recipes/recipe.js';
import { SOURCES } from '../../../sources/registry.js';
import { loadRecipesDir } from '../recipes-dir.js';
import { loadThemesFile } from '../themes-file.js';

/** Options of {@link tryRecipe}, as `closeloop try` takes them. */
export interface TryOptions {
  /** Recipe name (from CLOSELOOP_RECIPES) or path to a recipe file. */
  recipe: string;
  /** Path to a webhook body (JSON). */
  payload: string;
  /** Survey source that sent the payload. Default `generic`. */
  source?: string;
  /** `plan=pro,tier=gold`: the account to plan with instead of asking the CRM. Default: the configured CRM, else none. */
  account?: string;
  /** Where the CRM look-up logs (its failures). Default: silent. */
  log?: Logger;
}

/** `closeloop try <recipe> <payload>`: a dry run, nothing stored or sent; with `--since`, a backtest over stored responses. */
export function registerTry(program: Command, env: Env) {
  program
    .command('try')
    .description('Dry run: which actions a recipe fires for a payload, rendered; with --since, a backtest over stored responses. Nothing is stored or sent')
    .argument('<recipe>', 'recipe name (from CLOSELOOP_RECIPES) or path to a recipe file')
    .argument('[payload]', 'path to a webhook body (JSON); not with --since')
    .option('-s, --source <name>', 'survey source that sent the payload (default generic); with --since, only stored responses from this source')
    .option('-a, --account <fields>', 'the account to plan with, e.g. plan=pro,tier=gold,arr=120000 (default: the configured CRM, else none)')
    .option('--since <time>', 'backtest over stored responses received since a duration back from now (30d) or an ISO date or time')
    .option('--until <time>', 'with --since: received before, in the same form (default now)')
    .option('--limit <n>', 'with --since: at most the first n responses of the window')
    .option('--examples <n>', 'with --since: rendered examples per action (default 3)')
    .option('--json', 'with --since: the report as JSON')
    .action(async (recipe: string, payload: string | undefined, opts: TryCommandOptions) => {
      const backtest = opts.since !== undefined || opts.until !== undefined || opts.limit !== undefined || opts.examples !== undefined || opts.json;
      if (backtest) {
        if (payload !== undefined) throw new HubError(400, 'invalid_arguments', 'Give a payload or --since (a backtest over stored responses), not both');
        if (opts.account !== undefined) throw new HubError(400, 'invalid_arguments', 'A backtest uses the account snapshot stored with each response', [{ field: '--account', message: 'not with --since' }]);
        const { backtestCommand } = await import('./try-backtest.js');
        return console.log(await backtestCommand({ recipe, ...opts }, env));
      }
      if (payload === undefined) throw new HubError(400, 'invalid_arguments', 'Give a payload file to try the recipe on, or --since 30d to backtest it over stored responses', [{ field: 'payload', message: 'is required without --since' }]);
      console.log(await tryRecipe({ recipe, payload, source: opts.source ?? 'generic', account: opts.account }, env));
    });
}

interface TryCommandOptions {
  source?: string;
  account?: string;
  since?: string;
  until?: string;
  limit?: string;
  examples?: string;
  json?: boolean;
}

/** The recipe `try` names: a `.yaml` file, or a recipe of CLOSELOOP_RECIPES (throws RecipeLoadError with file:line:col for either). */
export function recipeToTry(nameOrFile: string, env: Env, known: ReadonlySet<string>): Recipe {
  const recipes = /\.ya?ml$/.test(nameOrFile)
    ? parseRecipes([{ file: nameOrFile, text: readFileSync(nameOrFile, 'utf8') }], known)
    : loadRecipesDir(loadConfig(env).CLOSELOOP_RECIPES, known).filter((r) => r.name === nameOrFile);
  if (!recipes.length) throw new HubError(404, 'unknown_recipe', `No recipe named "${nameOrFile}"`);
  return recipes[0]!;
}

/** The dry run's report: the response, where its account came from, and each recipe's decision with its rendered requests. */
export async function tryRecipe(options: TryOptions, env: Env): Promise<string> {
  const registry = actionRegistry(CONNECTORS);
  const known = new Set(registry.keys());
  // Checked first: a mistake in the option is reported before any file is read.
  const given = options.account === undefined ? undefined : parseAccountOption(options.account);
  const recipes = [recipeToTry(options.recipe, env, known)];
  const sourceName = options.source ?? 'generic';
  const source = SOURCES.get(sourceName);
  if (!source) throw new HubError(404, 'unknown_source', `Unknown source "${sourceName}"; known: ${[...SOURCES.keys()].join(', ')}`);
  const raw = readFileSync(options.payload);
  const text = raw.toString('utf8');
  const input = await source.parse({ headers: new Headers({ 'content-type': 'application/json' }), rawBody: raw, text, contentType: 'application/json' }, env);
  const parsed = NormalizedResponse.safeParse(input);
  if (!parsed.success) throw new HubError(422, 'invalid_response', `Invalid payload: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const response = { ...parsed.data, id: 'dry-run', receivedAt: new Date().toISOString(), version: 1 };
  const { enrichment, from } = await accountFor(response.respondent.email, given, env, options.log ?? silentLogger);
  const tags = loadThemesFile(loadConfig(env)).tag(response.comment);
  const decisions = await planResponse(response, enrichment, {
    tags,
    recipes,
    registry,
    now: new Date(),
    maxAttempts: () => 1,
    lastRun: async () => undefined,
  });
  const lines = [`response: score ${response.score} (${response.category}), ${response.respondent.email ?? 'no email'}, comment: ${response.comment ? JSON.stringify(response.comment) : 'none'}`];
  if (response.comment) lines.push(`themes: ${tags.themes.join(', ') || 'none'}; sentiment ${tags.sentiment}`);
  if (from) lines.push(`account: ${from}`);
  for (const d of decisions) {
    lines.push('', `${d.matched ? 'FIRES' : 'skips'}  ${d.recipe}: ${d.reason}`);
    for (const a of d.actions) {
      const def = registry.get(a.action)!;
      lines.push('', `  ${a.id} → ${a.action} (${def.connector.configured(env) ? 'live' : 'sandbox'})`);
      if (a.issues.length) for (const i of a.issues) lines.push(`    ! ${i.field}: ${i.message}`);
      else lines.push(indent(JSON.stringify(def.action.request(a.params), null, 2), 4));
    }
    for (const a of d.skippedActions ?? []) lines.push('', `  ${a.id} → ${a.action}: skipped, ${a.reason}`);
  }
  return lines.join('\n');
}

/**
 * The account to plan with: the one given, else the configured CRM's answer (read-only, its
 * cache kept in memory: a dry run writes nothing), else none. `from` says which, for the report.
 */
async function accountFor(email: string | null, given: Account | undefined, env: Env, log: Logger): Promise<{ enrichment: Enrichment; from?: string }> {
  const enrichment = emptyEnrichment();
  if (given) return { enrichment: { ...enrichment, account: given }, from: `given, ${describeAccount(given)}` };
  const crm = chooseCrm(env);
  if (crm === 'none') return { enrichment };
  const memory = new Map<string, unknown>();
  const enricher = enricherFromEnv(env, {
    store: { getCachedEnrichment: async (key) => memory.get(key), putCachedEnrichment: async (key, value) => void memory.set(key, value) },
    log,
    now: () => new Date(),
  });
  const found = await enricher.enrich(email).catch((error: unknown) => {
    const why = (error as Error)?.message ?? String(error);
    throw new HubError(503, 'crm_unavailable', `Could not look the respondent up in ${crm}: ${why}`, [{ field: '--account', message: 'give the account instead, e.g. --account plan=pro,tier=gold' }]);
  });
  return { enrichment: found, from: `from ${crm}, ${found.account.id ? describeAccount(found.account) : 'no account for this respondent'}` };
}

function describeAccount(a: Account): string {
  const facts = [a.name, a.plan && `plan ${a.plan}`, a.tier && `tier ${a.tier}`, a.arr !== null && `ARR ${a.arr}`, a.owner.name && `owner ${a.owner.name}`].filter(Boolean);
  return facts.length ? facts.join(', ') : 'no fields';
}

function indent(text: string, n: number) {
  return text.replace(/^/gm, ' '.repeat(n));
}
