import ms from 'ms';
import { z } from 'zod';
import type { ActionRegistry } from '../../connectors/registry.js';
import type { ActionRequest } from '../../connectors/connector.js';
import { emptyEnrichment, type Account, type Enrichment } from '../core/account.js';
import type { FieldIssue } from '../core/errors.js';
import { parseSince } from '../core/time.js';
import type { Job } from '../core/job.js';
import type { StoredResponse } from '../core/response.js';
import type { BacktestFilter, BacktestRow, ThrottleMarkRow } from '../store/backtest.js';
import { responseFromRow } from '../store/rows.js';
import { NO_TAGS, type ThemeTags } from '../themes/tagger.js';
import { whyNotMatched } from './condition.js';
import { jobsOfPlan, planResponse, respondentKey, type RecipeDecision } from './plan.js';
import type { Recipe } from './recipe.js';

/** A window bound: a duration back from now (`30d`), an ISO date (`2026-11-01`, midnight UTC) or an ISO time; undefined when it is none. */
export function windowTime(value: string, now: Date): string | undefined {
  const v = value.trim();
  return parseSince(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v, now);
}

const WindowTime = z
  .string()
  .max(64)
  .refine((v) => windowTime(v, new Date()) !== undefined, 'must be a duration back from now (30d, 12h, 2w) or an ISO date (2026-11-01) or time (2026-11-01T00:00:00Z)');

/** The fields of a backtest's window, for a surface that adds its own (the admin API names the recipe). */
export const BACKTEST_WINDOW_FIELDS = {
  since: WindowTime,
  until: WindowTime.optional(),
  source: z.string().trim().min(1).max(64).optional(),
  limit: z.coerce.number().int().positive().max(10_000_000).optional(),
  examples: z.coerce.number().int().min(0).max(20).default(3),
};

/** `until`, when given, after `since`: the check of a schema holding {@link BACKTEST_WINDOW_FIELDS}. */
export function untilAfterSince(q: { since: string; until?: string }): boolean {
  return q.until === undefined || Date.parse(windowTime(q.until, new Date())!) > Date.parse(windowTime(q.since, new Date())!);
}
/** Where and why {@link untilAfterSince} refuses. */
export const UNTIL_AFTER_SINCE_ISSUE = { path: ['until'], message: 'must be after since' };

/** What a backtest is asked for (`closeloop try --since`), validated. */
export const BacktestQuery = z.object(BACKTEST_WINDOW_FIELDS).refine(untilAfterSince, UNTIL_AFTER_SINCE_ISSUE);
export type BacktestQuery = z.output<typeof BacktestQuery>;

/** The window of a validated query, resolved against the clock: [since, until or now). */
export function backtestFilter(q: BacktestQuery, now: Date): BacktestFilter {
  return { since: windowTime(q.since, now)!, until: q.until === undefined ? now.toISOString() : windowTime(q.until, now)!, ...(q.source !== undefined ? { source: q.source } : {}) };
}

/** The store's part in a backtest: reads only (src/store/backtest.ts). */
export interface BacktestReader {
  /** Up to `limit` responses received in the filter's window after `afterSeq`, in arrival order. */
  backtestPage(filter: BacktestFilter, afterSeq: number, limit: number): Promise<BacktestRow[]>;
  /** Each respondent's newest mark of `recipe` in [notBefore, before). */
  throttleMarks(recipe: string, respondentKeys: readonly string[], notBefore: string, before: string): Promise<ThrottleMarkRow[]>;
}

/** Options of {@link backtestRecipe}. */
export interface BacktestOptions {
  recipe: Recipe;
  registry: ActionRegistry;
  /** The window (received in [since, until)) and the source. */
  filter: BacktestFilter;
  /** At most this many responses, the first in arrival order. Default: all in the window. */
  limit?: number;
  /** Rendered examples kept per action. Default 3. */
  examplesPerAction?: number;
  /** Throttled responses listed (all are counted). Default 100. */
  throttledListed?: number;
  /** Responses read per page: memory holds one page. Default 500. */
  pageSize?: number;
  /** Tags a comment the hub has not tagged yet (stored themes are used otherwise). Default: no themes. */
  tag?: (comment: string | null) => ThemeTags;
}

/** One rendered action, as it would have been sent. */
export interface BacktestExample {
  responseId: string;
  receivedAt: string;
  /** Email, else `<source>:<person id>`, else null (anonymous). */
  respondent: string | null;
  score: number | null;
  category: string | null;
  /** False when the response had no stored account snapshot (planned with an empty account). */
  accountSnapshot: boolean;
  /** The call the connector would make, its vendor-limited fields clipped as the connector clips them; null when the parameters are invalid. */
  request: ActionRequest | null;
  /** Why the parameters would be refused (the job would dead-letter); empty when valid. */
  issues: FieldIssue[];
}

/** What one action would have done over the window. */
export interface BacktestActionReport {
  id: string;
  action: string;
  /** Responses for which it would have become a job. */
  wouldFire: number;
  /** Of those, jobs whose rendered parameters are invalid (they would dead-letter). */
  invalidParams: number;
  /** The recipe's condition was false or could not be evaluated. */
  conditionFalse: number;
  /** The recipe had fired for the respondent within its throttle period. */
  throttled: number;
  /** The recipe fired but the action's own `when` left it out. */
  skippedByWhen: number;
  /** The response has no score: no recipe runs. */
  noScore: number;
  examples: BacktestExample[];
}

/** A response the throttle would have held back. */
export interface ThrottledResponse {
  respondent: string;
  responseId: string;
  receivedAt: string;
  score: number | null;
  /** When the recipe last fired (or would have) for this respondent. */
  lastFiredAt: string;
  /** True when that was a real throttle mark from before the window, false when a response of the window fired. */
  lastFiredBeforeWindow: boolean;
}

/** What a recipe would have done over stored responses. The shape of `closeloop try --since … --json` (docs/recipes.md). */
export interface BacktestReport {
  recipe: { name: string; file: string; enabled: boolean; throttle: string | null; actions: { id: string; action: string }[] };
  window: { since: string; until: string; source: string | null; limit: number | null };
  responses: {
    /** Responses evaluated. */
    scanned: number;
    /** Evaluated with an empty account: never planned, so no account snapshot is stored. */
    withoutAccountSnapshot: number;
    /** More responses were in the window than `limit`. */
    limitReached: boolean;
  };
  /** The recipe's decision per response (fires + conditionFalse + throttled + noScore = scanned); conditionErrors are among conditionFalse. */
  decisions: { fires: number; conditionFalse: number; conditionErrors: number; throttled: number; noScore: number };
  /** Why the condition could not be evaluated, the distinct reasons with their counts (first 5). */
  conditionErrors: { reason: string; count: number }[];
  actions: BacktestActionReport[];
  throttled: { responses: number; respondents: number; listed: ThrottledResponse[] };
}

const DEFAULTS = { examplesPerAction: 3, throttledListed: 100, pageSize: 500 };
const CONDITION_ERRORS_LISTED = 5;
const CONDITION_ERROR_REASONS_KEPT = 1000;

/**
 * Run a recipe over stored responses as planning would have, with no side effects: the same
 * condition, templates and action schemas (src/recipes/plan.ts), with the account snapshot each
 * response's plan stored (no CRM call) and its stored themes, the throttle simulated in arrival
 * order from the real marks before the window. Reads the store page by page; writes nothing.
 */
export async function backtestRecipe(reader: BacktestReader, options: BacktestOptions): Promise<BacktestReport> {
  const examplesPerAction = options.examplesPerAction ?? DEFAULTS.examplesPerAction;
  const throttledListed = options.throttledListed ?? DEFAULTS.throttledListed;
  const pageSize = options.pageSize ?? DEFAULTS.pageSize;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  // A disabled recipe is what one backtests before switching it on: evaluated as if enabled.
  const recipe: Recipe = { ...options.recipe, enabled: true };
  const period = recipe.throttle?.period;
  const conditionFalseReason = whyNotMatched({}, recipe.when);

  const actions = new Map<string, BacktestActionReport>(
    recipe.actions.map((a) => [a.id, { id: a.id, action: a.action, wouldFire: 0, invalidParams: 0, conditionFalse: 0, throttled: 0, skippedByWhen: 0, noScore: 0, examples: [] }]),
  );
  const decisions = { fires: 0, conditionFalse: 0, conditionErrors: 0, throttled: 0, noScore: 0 };
  const conditionErrors = new Map<string, number>();
  const throttled = { responses: 0, respondents: new Set<string>(), listed: [] as ThrottledResponse[] };
  const responses = { scanned: 0, withoutAccountSnapshot: 0, limitReached: false };
  // When the recipe last fired (in the simulation) for each respondent, pruned past the period.
  const firedInWindow = new Map<string, string>();

  for (let afterSeq = 0; ; ) {
    const room = limit - responses.scanned;
    const want = Math.min(pageSize, room + 1);
    const rows = await reader.backtestPage(options.filter, afterSeq, want);
    const page = rows.slice(0, Math.min(rows.length, room));
    if (rows.length > room) responses.limitReached = true;
    const stored = page.map((row) => ({ row, response: responseFromRow(row) }));
    const marksBefore = period ? await throttleMarksBefore(reader, recipe.name, stored.map((s) => s.response), options.filter.since, period) : new Map<string, string>();

    for (const { row, response } of stored) {
      responses.scanned++;
      if (row.account === null) responses.withoutAccountSnapshot++;
      const key = respondentKey(response);
      const lastFired = () => firedInWindow.get(key) ?? marksBefore.get(key);
      const now = new Date(response.receivedAt);
      const planOptions = { recipes: [recipe], registry: options.registry, now, maxAttempts: () => 1, lastRun: async () => lastFired(), tags: tagsOf(row, response, options.tag) };
      const decided = await planResponse(response, enrichmentOf(row), planOptions);
      const decision = decided[0]!;
      count(decision);
      if (decision.verdict === 'throttled') {
        throttled.responses++;
        const who = respondentOf(response)!;
        throttled.respondents.add(who);
        if (throttled.listed.length < throttledListed) {
          throttled.listed.push({ respondent: who, responseId: response.id, receivedAt: response.receivedAt, score: response.score, lastFiredAt: lastFired()!, lastFiredBeforeWindow: !firedInWindow.has(key) });
        }
      }
      if (decision.verdict !== 'matched') continue;
      const { jobs, recipeRuns } = jobsOfPlan(response, decided, planOptions);
      for (const run of recipeRuns) firedInWindow.set(run.respondentKey, response.receivedAt);
      for (const a of decision.actions) {
        const report = actions.get(a.id)!;
        if (report.examples.length >= examplesPerAction) continue;
        const job = jobs.find((j) => j.key === a.key)!;
        const definition = options.registry.get(a.action);
        report.examples.push({
          responseId: response.id,
          receivedAt: response.receivedAt,
          respondent: respondentOf(response),
          score: response.score,
          category: response.category,
          accountSnapshot: row.account !== null,
          request: a.issues.length || !definition ? null : definition.action.request(a.params, asJob(job, response.receivedAt)),
          issues: a.issues,
        });
      }
    }

    if (period && page.length) pruneOlderThan(firedInWindow, Date.parse(page[page.length - 1]!.received_at) - period);
    if (page.length < want || responses.limitReached) break;
    afterSeq = page[page.length - 1]!.seq;
    // A backtest asked through the admin API runs on the hub's event loop: webhooks are answered between pages.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }

  function count(decision: RecipeDecision) {
    const all = [...actions.values()];
    if (decision.verdict === 'no_score') {
      decisions.noScore++;
      for (const a of all) a.noScore++;
    } else if (decision.verdict === 'not_matched') {
      decisions.conditionFalse++;
      for (const a of all) a.conditionFalse++;
      if (decision.reason !== conditionFalseReason) {
        decisions.conditionErrors++;
        // Counted by reason up to a bound: a message that names a value would otherwise make one entry per response.
        if (conditionErrors.has(decision.reason) || conditionErrors.size < CONDITION_ERROR_REASONS_KEPT) conditionErrors.set(decision.reason, (conditionErrors.get(decision.reason) ?? 0) + 1);
      }
    } else if (decision.verdict === 'throttled') {
      decisions.throttled++;
      for (const a of all) a.throttled++;
    } else if (decision.verdict === 'matched') {
      decisions.fires++;
      for (const a of decision.actions) {
        const report = actions.get(a.id)!;
        report.wouldFire++;
        if (a.issues.length) report.invalidParams++;
      }
      for (const s of decision.skippedActions ?? []) actions.get(s.id)!.skippedByWhen++;
    }
  }

  return {
    recipe: {
      name: recipe.name,
      file: recipe.file,
      enabled: options.recipe.enabled,
      throttle: period === undefined ? null : ms(period),
      actions: recipe.actions.map((a) => ({ id: a.id, action: a.action })),
    },
    window: { since: options.filter.since, until: options.filter.until, source: options.filter.source ?? null, limit: options.limit ?? null },
    responses,
    decisions,
    conditionErrors: [...conditionErrors].sort((a, b) => b[1] - a[1]).slice(0, CONDITION_ERRORS_LISTED).map(([reason, n]) => ({ reason, count: n })),
    actions: [...actions.values()],
    throttled: { responses: throttled.responses, respondents: throttled.respondents.size, listed: throttled.listed },
  };
}

/** An unknown `source` as an issue (the surfaces name it as their field), or undefined when it is known or not given. */
export function unknownSource(source: string | undefined, known: Iterable<string>): FieldIssue | undefined {
  const names = [...known];
  if (source === undefined || names.includes(source)) return undefined;
  return { field: 'source', message: `is not a known survey source; known: ${names.join(', ')}` };
}

/** Why a recipe cannot be backtested over stored responses, or undefined when it can. */
export function notBacktestable(recipe: Recipe): string | undefined {
  if (recipe.on !== 'response') return `recipe "${recipe.name}" runs on ${recipe.on}, not on a response's arrival: only recipes on \`response\` can be backtested`;
  return undefined;
}

/** Real throttle marks from before the window that can still throttle someone in it (within one period of its start). */
async function throttleMarksBefore(reader: BacktestReader, recipe: string, page: readonly StoredResponse[], since: string, period: number): Promise<Map<string, string>> {
  // An anonymous response is its own respondent: it has no earlier mark.
  const keys = [...new Set(page.map(respondentKey).filter((k) => !k.startsWith('response:')))];
  if (!keys.length) return new Map();
  const notBefore = new Date(Math.max(0, Date.parse(since) - period)).toISOString();
  return new Map((await reader.throttleMarks(recipe, keys, notBefore, since)).map((m) => [m.respondent_key, m.at]));
}

function pruneOlderThan(fired: Map<string, string>, cutoff: number) {
  for (const [key, at] of fired) if (Date.parse(at) <= cutoff) fired.delete(key);
}

/** The account the response's plan stored (over an empty one: a snapshot from an older hub may miss fields), else an empty one. */
function enrichmentOf(row: BacktestRow): Enrichment {
  const empty = emptyEnrichment();
  if (row.account === null) return empty;
  const account = JSON.parse(row.account) as Partial<Account>;
  return { ...empty, account: { ...empty.account, ...account, owner: { ...empty.account.owner, ...account.owner } } };
}

/** Stored themes and sentiment; a response not tagged yet is tagged now (in memory only). */
function tagsOf(row: BacktestRow, response: StoredResponse, tag: BacktestOptions['tag']): ThemeTags {
  if (row.themes !== null) return { themes: JSON.parse(row.themes) as string[], sentiment: row.sentiment ?? 0 };
  return tag ? tag(response.comment) : NO_TAGS;
}

function respondentOf(r: StoredResponse): string | null {
  if (r.respondent.email) return r.respondent.email;
  if (r.respondent.externalId) return `${r.source}:${r.respondent.externalId}`;
  return null;
}

/** The job an action's request is built from: only its key and response name anything (the clip marker). */
function asJob(job: ReturnType<typeof jobsOfPlan>['jobs'][number], at: string): Job {
  return { ...job, id: 'backtest', status: 'queued', attempts: 0, leaseUntil: null, lastError: null, result: null, createdAt: at, updatedAt: at, replayedAt: null };
}
