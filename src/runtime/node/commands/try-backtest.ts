import { actionRegistry, CONNECTORS } from '../../../../connectors/registry.js';
import type { Env } from '../../../core/env.js';
import { loadConfig } from '../../../core/config.js';
import { HubError, zodIssues } from '../../../core/errors.js';
import { BacktestQuery, backtestFilter, backtestRecipe, notBacktestable, unknownSource, type BacktestReport } from '../../../recipes/backtest.js';
import { SOURCES } from '../../../sources/registry.js';
import { loadThemesFile } from '../themes-file.js';
import { asCliOptions, withHubDatabase } from './insights-database.js';
import { recipeToTry } from './try.js';

/** What `closeloop try <recipe> --since …` takes (the strings commander gives). */
export interface BacktestCommandOptions {
  recipe: string;
  since?: string;
  until?: string;
  source?: string;
  limit?: string;
  examples?: string;
  json?: boolean;
}

/**
 * `closeloop try <recipe> --since 30d`: the recipe over the stored responses of the window, from
 * CLOSELOOP_DB (which must exist); no CRM call, no connector call, nothing written.
 */
export async function backtestCommand(options: BacktestCommandOptions, env: Env): Promise<string> {
  // The window is checked before any file is read: a bad --since is named first.
  const parsed = BacktestQuery.safeParse({ since: options.since, until: options.until, source: options.source, limit: options.limit, examples: options.examples });
  if (!parsed.success) throw new HubError(422, 'invalid_arguments', 'Invalid options:', asCliOptions(zodIssues(parsed.error)));
  const source = unknownSource(parsed.data.source, SOURCES.keys());
  if (source) throw new HubError(422, 'invalid_arguments', 'Invalid options:', asCliOptions([source]));
  const registry = actionRegistry(CONNECTORS);
  const recipe = recipeToTry(options.recipe, env, new Set(registry.keys()));
  const refused = notBacktestable(recipe);
  if (refused) throw new HubError(422, 'not_backtestable', refused);
  const config = loadConfig(env);
  const themes = loadThemesFile(config);
  const report = await withHubDatabase(env, (store) =>
    backtestRecipe(store, { recipe, registry, filter: backtestFilter(parsed.data, new Date()), limit: parsed.data.limit, examplesPerAction: parsed.data.examples, tag: (c) => themes.tag(c) }),
  );
  if (options.json) return JSON.stringify(report);
  return formatBacktest(report, (action) => (registry.get(action)?.connector.configured(env) ? 'live' : 'sandbox'));
}

/** The report for people: counts per action, examples, who would have been throttled. */
export function formatBacktest(r: BacktestReport, mode: (action: string) => string): string {
  const lines = [
    `backtest  ${r.recipe.name} (${r.recipe.file})${r.recipe.throttle ? `, throttle once per respondent per ${r.recipe.throttle}` : ''}${r.recipe.enabled ? '' : ', disabled: evaluated as if enabled'}`,
    `window    ${r.window.since} → ${r.window.until}, ${r.window.source ? `source ${r.window.source}` : 'every source'}${r.window.limit !== null ? `, first ${r.window.limit}` : ''}`,
    'no side effects: stored responses with the account snapshot their plan stored; no CRM or connector called, nothing written',
  ];
  const { responses: n, decisions: d } = r;
  if (n.scanned === 0) {
    lines.push('', 'nothing matched: no stored response was received in this window');
    return lines.join('\n');
  }
  lines.push(
    `responses ${n.scanned}${n.limitReached ? ' (more in the window: --limit reached)' : ''}${n.withoutAccountSnapshot ? `; ${n.withoutAccountSnapshot} never planned, evaluated with an empty account` : ''}`,
    '',
    `recipe    fires ${d.fires}, condition false ${d.conditionFalse}${d.conditionErrors ? ` (${d.conditionErrors} could not be evaluated)` : ''}, throttled ${d.throttled}, no score ${d.noScore}`,
  );
  for (const e of r.conditionErrors) lines.push(`          ${e.count}× ${e.reason}`);
  if (d.fires === 0) lines.push('', `nothing matched: the recipe would not have fired for any of the ${n.scanned} response(s)`);

  const header = ['action', 'would fire', 'invalid params', 'condition false', 'throttled', 'skipped by when'];
  const rows = r.actions.map((a) => [`${a.id} → ${a.action}`, a.wouldFire, a.invalidParams, a.conditionFalse, a.throttled, a.skippedByWhen].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  lines.push('');
  for (const row of [header, ...rows]) lines.push(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));

  for (const a of r.actions) {
    if (!a.examples.length) continue;
    lines.push('', `${a.id} → ${a.action} (${mode(a.action)}), ${a.examples.length} example(s):`);
    for (const e of a.examples) {
      lines.push('', `  ${e.receivedAt}  ${e.respondent ?? 'anonymous'}  score ${e.score ?? 'none'} (${e.category ?? 'none'})  response ${e.responseId}${e.accountSnapshot ? '' : '  (no account snapshot)'}`);
      if (e.issues.length) for (const i of e.issues) lines.push(`    ! ${i.field}: ${i.message}`);
      else lines.push(JSON.stringify(e.request, null, 2).replace(/^/gm, '    '));
    }
  }

  if (r.throttled.responses) {
    lines.push('', `throttled: ${r.throttled.responses} response(s) of ${r.throttled.respondents} respondent(s)${r.throttled.listed.length < r.throttled.responses ? `, the first ${r.throttled.listed.length}` : ''}:`);
    for (const t of r.throttled.listed) {
      lines.push(`  ${t.receivedAt}  ${t.respondent}  score ${t.score ?? 'none'}  response ${t.responseId}  last fired ${t.lastFiredAt}${t.lastFiredBeforeWindow ? ' (before the window)' : ''}`);
    }
  }
  return lines.join('\n');
}
