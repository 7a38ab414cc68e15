import type { Logger } from '../core/logger.js';
import type { StoredResponse } from '../core/response.js';
import type { Enricher } from '../core/account.js';
import { segmentsOf } from '../insights/segments.js';
import { jobsOfPlan, planResponse } from '../recipes/plan.js';
import { verdictsOfPlan } from '../recipes/verdict.js';
import type { RecipeSet } from '../recipes/recipe-set.js';
import type { Store } from '../store/store.js';
import type { ActionRegistry, ConnectorClients } from '../../connectors/registry.js';
import type { Env } from '../core/env.js';
import { pendingFetchOf, type SourceAdapter } from '../sources/source.js';
import { DeliveryError } from '../core/delivery-error.js';
import { completePendingFetch } from './fetch-response.js';
import { planFollowUps } from './follow-ups.js';
import { planJobTrigger, planJobVersion } from './plan-job.js';
import type { AttemptResult, Job } from '../core/job.js';
import type { DeliveryPolicies } from './delivery-policy.js';
import type { OperatorAlerts } from './operator-alerts.js';
import { takeRateLimitSlot, type DeliveryRateLimiter, type RateLimitWait } from '../core/rate-limit.js';
import type { Redact } from './redact.js';
import type { ThemeTagger } from '../themes/tagger.js';
import { nextAttempt, type RetryPolicy } from '../core/retry-policy.js';

/** Everything a job needs to run; built once per process (or per Worker invocation). */
export interface JobDeps {
  store: Store;
  /** The recipes; read once per plan (a reload swaps the whole set). */
  recipes: Pick<RecipeSet, 'current'>;
  registry: ActionRegistry;
  clients: ConnectorClients;
  enricher: Enricher;
  /** Retry policy of plan jobs, and of actions when `policies` is not given. */
  retry: RetryPolicy;
  /** Each connector's retry policy and rate limit. Default: `retry` for all, no rate limits. */
  policies?: DeliveryPolicies;
  /** The process's rate limiter, shared by every runner. Default: none (no waiting). */
  rateLimiter?: DeliveryRateLimiter;
  /** How long a job may wait for its rate limit in its runner slot (default 250 ms). */
  rateLimitWait?: RateLimitWait;
  /** Incident tracking and operator alerts. Default: none. */
  alerts?: OperatorAlerts;
  /** Scrubs secrets from errors before they are stored. Default: stored as they are. */
  redact?: Redact;
  /** Jitter source (tests inject one). Default Math.random. */
  random?: () => number;
  log: Logger;
  now: () => Date;
  /** Survey sources, for responses whose answers are read through the vendor's API. */
  sources?: ReadonlyMap<string, SourceAdapter>;
  /** Environment (vendor API credentials of those sources). */
  env?: Env;
  /** Tags each planned response's comment with themes and sentiment, stored with the plan. Default: none (nothing stored, recipes see no themes). */
  themes?: ThemeTagger;
}

/** A job that waited for its rate limit: given back to the queue, its attempt not counted. */
export interface Deferred {
  outcome: 'deferred';
  runAt: string;
}

/** Run one claimed job to its next state. Never throws: every failure is recorded on the job. */
export async function processJob(job: Job, deps: JobDeps): Promise<AttemptResult | Deferred> {
  const startedAt = deps.now().toISOString();
  let result: AttemptResult | Deferred;
  try {
    result = job.type === 'plan' ? await runPlan(job, deps) : await runAction(job, deps);
  } catch (error) {
    result = await failure(job, error, deps);
  }
  const log = deps.log.child({ job: job.id, key: job.key, action: job.action ?? 'plan', attempt: job.attempts });
  if (result.outcome === 'deferred') {
    await deps.store.releaseJob(job, result.runAt, deps.now().toISOString());
    log.debug({ runAt: result.runAt }, 'job waits for its rate limit');
    return result;
  }
  if (result.error && deps.redact) result = { ...result, error: deps.redact(result.error) };
  if (!(job.type === 'plan' && result.outcome === 'succeeded')) {
    // (A plan job that succeeded was finished by commitPlan.)
    await deps.store.finishAttempt(job, { jobId: job.id, attempt: job.attempts, startedAt, finishedAt: deps.now().toISOString() }, result);
  }
  if (result.outcome === 'retry') log.warn({ error: result.error, runAt: result.runAt }, 'job attempt failed, will retry');
  else if (result.outcome === 'dead') log.error({ error: result.error }, 'job dead');
  else log.info({ outcome: result.outcome }, 'job done');
  if (result.outcome !== 'sandboxed') await deps.alerts?.record(job, result.outcome, deps.now(), result.error ?? null);
  return result;
}

function retryPolicyOf(action: string | null, deps: JobDeps): RetryPolicy {
  return action && deps.policies ? deps.policies.retryOf(action) : deps.retry;
}

async function runPlan(job: Job, deps: JobDeps): Promise<AttemptResult> {
  let response = await deps.store.getResponse(job.responseId);
  if (!response) return { outcome: 'dead', error: `response ${job.responseId} not found` };
  const trigger = planJobTrigger(job);
  if (trigger === 'response' && planJobVersion(job) < response.version) {
    // A newer version arrived; its own plan job plans the newest content.
    await deps.store.commitPlan({ planJobId: job.id, responseId: response.id, jobs: [], recipeRuns: [], verdicts: [] }, deps.now().toISOString());
    return { outcome: 'succeeded' };
  }
  if (pendingFetchOf(response)) {
    response = await completePendingFetch(response, { store: deps.store, sources: deps.sources ?? new Map(), env: deps.env ?? {} });
  }
  const enrichment = await deps.enricher.enrich(response.respondent.email);
  const now = deps.now();
  // Tagged here, not at ingest: off the request path, after a stub's comment is fetched, and
  // stored in the plan's transaction, so the tags kept are those the recipes decided on.
  const tags = deps.themes?.tag(response.comment);
  const options = {
    tags,
    recipes: deps.recipes.current(),
    registry: deps.registry,
    now,
    maxAttempts: (action: string) => retryPolicyOf(action, deps).maxAttempts,
    lastRun: (recipe: string, key: string) => deps.store.lastRecipeRun(recipe, key, response.id),
    trigger,
  };
  const decisions = await planResponse(response, enrichment, options);
  const { jobs, recipeRuns } = jobsOfPlan(response, decisions, options);
  // An update: what was already sent hears about the change (a comment on the ticket, a thread reply).
  const followUps =
    trigger === 'response' && response.version > 1
      ? await planFollowUps(response, jobs, now.toISOString(), { store: deps.store, registry: deps.registry, maxAttempts: options.maxAttempts })
      : [];
  const tagged = tags && { responseId: response.id, version: response.version, ...tags, rules: await deps.themes!.fingerprint() };
  const segments = segmentsOf(response, enrichment.account, now.toISOString());
  const verdicts = verdictsOfPlan(response, decisions, now.toISOString());
  const committed = await deps.store.commitPlan({ planJobId: job.id, responseId: response.id, jobs: [...jobs, ...followUps], recipeRuns, verdicts, segments, ...(tagged ? { tags: tagged } : {}) }, now.toISOString());
  if (!committed) {
    // Erased while it was planned: nothing was written, and what enrichment cached for the email goes too.
    if (response.respondent.email) await deps.store.forgetCachedEnrichment(response.respondent.email);
    deps.log.info({ response: response.id }, 'response erased while it was planned: nothing planned');
    return { outcome: 'succeeded' };
  }
  logPlan(deps.log, response, decisions);
  return { outcome: 'succeeded' };
}

function logPlan(log: Logger, response: StoredResponse, decisions: Awaited<ReturnType<typeof planResponse>>) {
  log.info(
    {
      response: response.id,
      source: response.source,
      score: response.score,
      category: response.category,
      fired: decisions.filter((d) => d.matched).map((d) => d.recipe),
      // Why each other recipe did not fire (condition false, throttled, disabled…).
      skipped: Object.fromEntries(decisions.filter((d) => !d.matched).map((d) => [d.recipe, d.reason])),
      actions: decisions.reduce((n, d) => n + d.actions.length, 0),
    },
    'response planned',
  );
}

async function runAction(job: Job, deps: JobDeps): Promise<AttemptResult | Deferred> {
  const registered = job.action ? deps.registry.get(job.action) : undefined;
  if (!registered) return { outcome: 'dead', error: `unknown action ${job.action}` };
  const params = registered.action.params.safeParse(job.params);
  if (!params.success) {
    const first = params.error.issues[0];
    return { outcome: 'dead', error: `invalid parameters for ${job.action}: ${first?.path.join('.') || '(root)'} ${first?.message ?? ''}`.trim() };
  }
  if (deps.clients.isSandboxed(registered.connector)) {
    return { outcome: 'sandboxed', result: { sandbox: true, request: registered.action.request(params.data, job) } };
  }
  const log = deps.log.child({ job: job.id, action: job.action });
  const parent = job.parentJobId ? await parentOf(job, deps) : undefined;
  const limit = deps.rateLimiter && deps.policies?.rateLimitOf(registered.connector.name);
  if (limit) {
    const key = `${registered.connector.name}:${registered.action.rateLimitKey?.(params.data, parent) ?? 'account'}`;
    const waitMs = await takeRateLimitSlot(deps.rateLimiter!, key, limit, deps.rateLimitWait);
    if (waitMs > 0) return { outcome: 'deferred', runAt: new Date(deps.now().getTime() + waitMs).toISOString() };
  }
  // Its respondent may have been erased since the claim (the row is gone): then nothing is sent.
  if (!(await deps.store.getJob(job.id))) return { outcome: 'dead', error: 'job erased before it was sent' };
  try {
    const earlierAttemptWindows = () => attemptWindows(job, deps);
    const remote = await registered.action.run(deps.clients.get(registered.connector), params.data, { job, log, parent, earlierAttemptWindows });
    return { outcome: 'succeeded', result: remote };
  } catch (error) {
    throw error instanceof DeliveryError ? error : registered.connector.classify(error);
  }
}

/**
 * A follow-up's parent, once it has succeeded (its result holds the ticket id, the message ts).
 * Still queued or retrying: this job waits (retryable, not before the parent's next attempt).
 */
async function parentOf(job: Job, deps: JobDeps): Promise<Job> {
  const parent = await deps.store.getJob(job.parentJobId!);
  if (!parent) throw new DeliveryError(`parent job ${job.parentJobId} not found`, false);
  if (parent.status === 'succeeded') return parent;
  if (parent.status === 'dead') {
    throw new DeliveryError(`parent job ${parent.key} is dead (${parent.lastError ?? 'no error recorded'}): replay it, then replay this follow-up`, false);
  }
  if (parent.status === 'sandboxed') {
    throw new DeliveryError(`parent job ${parent.key} ran in sandbox mode: there is no remote object to follow up`, false);
  }
  const wait = Math.max(0, Date.parse(parent.runAt) - deps.now().getTime());
  throw new DeliveryError(`waiting for parent job ${parent.key} (${parent.status}) to succeed`, true, { retryAfterMs: wait });
}

/**
 * The spans in which an earlier attempt of this job can have acted: each recorded attempt since
 * the job was created or last replayed (from 5 s before its start to 5 s after it gave up; kept
 * tight, so that a busy channel has few messages to read), and — when fewer attempts are recorded than were made (the
 * process died mid-attempt) — from the last recorded one until now.
 */
async function attemptWindows(job: Job, deps: JobDeps): Promise<{ from: Date; to: Date }[]> {
  const cycleStart = Date.parse(job.replayedAt ?? job.createdAt);
  const recorded = (await deps.store.listAttempts(job.id)).filter((a) => Date.parse(a.startedAt) >= cycleStart - 1000);
  const windows = recorded.map((a) => ({ from: new Date(Date.parse(a.startedAt) - 5_000), to: new Date(Date.parse(a.finishedAt) + 5_000) }));
  if (recorded.length < job.attempts - 1) {
    const since = recorded.length ? Date.parse(recorded[recorded.length - 1]!.finishedAt) : cycleStart;
    windows.push({ from: new Date(since - 5_000), to: deps.now() });
  }
  // Overlapping spans (quick retries) are read once: each read is a call that can fail too.
  const merged: { from: Date; to: Date }[] = [];
  for (const w of windows.sort((a, b) => a.from.getTime() - b.from.getTime())) {
    const last = merged[merged.length - 1];
    if (last && w.from.getTime() <= last.to.getTime()) last.to = new Date(Math.max(last.to.getTime(), w.to.getTime()));
    else merged.push({ ...w });
  }
  return merged;
}

/**
 * This cycle's (since created or last replayed) vendor failures, this one included, and the
 * attempts a crash cut short: claimed (counted in `job.attempts`) but never recorded.
 */
async function failureCounts(job: Job, deps: JobDeps): Promise<{ failures: number; crashes: number }> {
  const cycleStart = Date.parse(job.replayedAt ?? job.createdAt);
  const recorded = (await deps.store.listAttempts(job.id)).filter((a) => Date.parse(a.startedAt) >= cycleStart - 1000);
  return { failures: recorded.filter((a) => a.outcome === 'retry').length + 1, crashes: Math.max(0, job.attempts - 1 - recorded.length) };
}

async function failure(job: Job, error: unknown, deps: JobDeps): Promise<AttemptResult> {
  const e = error instanceof DeliveryError ? error : new DeliveryError((error as Error)?.message ?? String(error), true, { cause: error });
  const base = { error: e.message, remoteStatus: e.status ?? null };
  if (!e.retryable) return { ...base, outcome: 'dead' };
  const counts = await failureCounts(job, deps);
  const now = deps.now().getTime();
  const ageMs = now - Date.parse(job.replayedAt ?? job.createdAt);
  const next = nextAttempt(retryPolicyOf(job.type === 'plan' ? null : job.action, deps), { ...counts, maxAttempts: job.maxAttempts, ageMs }, e.retryAfterMs, deps.random);
  if (!next.retry) return { ...base, outcome: 'dead', error: `${e.message} (${next.reason})` };
  return { ...base, outcome: 'retry', runAt: new Date(now + next.delayMs).toISOString() };
}
