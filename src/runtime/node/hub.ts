import { actionRegistry, ConnectorClients, CONNECTORS } from '../../../connectors/registry.js';
import type { Env } from '../../core/env.js';
import type { Logger } from '../../core/logger.js';
import type { Enricher } from '../../core/account.js';
import type { RetryPolicy } from '../../core/retry-policy.js';
import type { Recipe } from '../../recipes/recipe.js';
import { RecipeSet, reloadRecipes, type ReloadOutcome } from '../../recipes/recipe-set.js';
import { SOURCES } from '../../sources/registry.js';
import { resolveAdminToken } from './admin-token.js';
import { DigestSchedule } from './digest-schedule.js';
import { loadHubConfig } from '../../jobs/hub-config.js';
import { hubRedactor, wireHub } from '../../jobs/hub-wiring.js';
import { topThemesFrom } from '../../insights/digest.js';
import { createHash } from 'node:crypto';
import { JobLoop } from './job-loop.js';
import { MemoryRateLimiter } from '../../jobs/memory-rate-limiter.js';
import { RetentionSchedule } from './retention-schedule.js';
import { createLogger } from './logger.js';
import { loadRecipesDir } from './recipes-dir.js';
import { loadThemesFile } from './themes-file.js';
import type { ThemeTagger } from '../../themes/tagger.js';
import { SqliteStore } from './sqlite-store.js';
import { publicFetch } from './public-fetch.js';
import { createBoltEndpoint } from './slack-bolt.js';
import type { SlackEndpoint, SlackEndpointOptions } from '../../slack-app/endpoint.js';

/** Moved to src/jobs (Workers read their settings the same way); still exported here for the CLI and tests. */
export { loadHubConfig };

export interface NodeHubOptions {
  env: Env;
  log?: Logger;
  now?: () => Date;
  /** Recipes to start with instead of reading CLOSELOOP_RECIPES (a reload reads the folder). Default: the folder. */
  recipes?: Recipe[];
  /** Theme rules to use instead of reading CLOSELOOP_THEMES. */
  themes?: ThemeTagger;
  /** Enricher to use instead of the one the environment configures (`CLOSELOOP_CRM`). */
  enricher?: Enricher;
  /**
   * Applied over every connector's retry policy, and the plan jobs' (tests: millisecond
   * backoffs). Default: each connector's own, with the environment's overrides.
   */
  retry?: Partial<RetryPolicy>;
  /** Jitter source of retry delays (tests). Default Math.random. */
  random?: () => number;
  /** Where the hub's own logger writes, when `log` is not given (tests read it). Default stdout. */
  logDestination?: import('pino').DestinationStream;
  /** The Slack app's framework adapter. Default Bolt (src/runtime/node/slack-bolt.ts); tests also run slack-edge's. */
  slackEndpoint?: (options: SlackEndpointOptions) => SlackEndpoint;
}

/** Everything one Node process runs, wired together. Throws on invalid config or recipes. */
export function createNodeHub(options: NodeHubOptions) {
  // Per-connector retry patience and rate limits come with the settings.
  const { config, policies } = loadHubConfig(options.env, options.retry);
  const registry = actionRegistry(CONNECTORS);
  const loadRecipes = () => loadRecipesDir(config.CLOSELOOP_RECIPES, new Set(registry.keys()));
  const recipes = new RecipeSet(options.recipes ?? loadRecipes());
  const adminToken = resolveAdminToken(config);
  // Every declared secret's value (connectors', sources', the hub's, a generated admin token) is
  // scrubbed from stored errors, logs and operator alerts.
  const redact = hubRedactor(options.env, [adminToken.token]);
  const log = options.log ?? createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, destination: options.logDestination, redact });
  const now = options.now ?? (() => new Date());
  const themes = options.themes ?? loadThemesFile(config);
  const store = new SqliteStore({
    path: config.CLOSELOOP_DB,
    synchronous: config.CLOSELOOP_SYNC,
    now,
    onCheckpointError: (message) => log.warn({ error: message }, 'background WAL checkpoint failed (the next one retries)'),
  });
  // Outbound webhooks reach only public addresses, checked where the connection is made.
  const clients = new ConnectorClients(options.env, { publicFetch });
  const { alerts, jobs, webhookPolicy, slackApp, app } = wireHub({
    env: options.env, config, policies, registry, recipes, themes, store, driver: store.driver, clients, redact, log, now,
    enricher: options.enricher,
    random: options.random,
    // One limiter for the whole process: every runner of the loop shares each key's budget.
    rateLimiter: new MemoryRateLimiter(),
    slackEndpoint: options.slackEndpoint ?? createBoltEndpoint,
    // The loop runs queued jobs in this process: it wakes when a request queued some.
    onJobsQueued: () => loop.wake(),
    http: {
      adminToken: adminToken.token,
      bodyLimit: config.CLOSELOOP_BODY_LIMIT,
      bodyDigest: (body) => createHash('sha256').update(body).digest('hex'),
      onIngested: () => loop.ingested(),
      onReplayed: () => loop.wake(),
    },
  });
  const loop = new JobLoop(jobs, { concurrency: config.CLOSELOOP_CONCURRENCY, leaseMs: config.CLOSELOOP_LEASE_SECONDS * 1000, overdueAfterMs: config.CLOSELOOP_LOOP_OVERDUE_AFTER });
  // CLOSELOOP_RETENTION: started with the server (serve.ts), not by tests that build a hub.
  const retention = config.CLOSELOOP_RETENTION ? new RetentionSchedule({ store, retentionMs: config.CLOSELOOP_RETENTION, log, now }) : null;
  // The weekly digest, only when its channel is set.
  const digest = config.CLOSELOOP_DIGEST_CHANNEL
    ? new DigestSchedule({ store, log, now, channel: config.CLOSELOOP_DIGEST_CHANNEL, schedule: config.CLOSELOOP_DIGEST_SCHEDULE, tz: config.CLOSELOOP_DIGEST_TZ, by: config.CLOSELOOP_DIGEST_BY, sources: [...SOURCES.keys()], topThemes: topThemesFrom(store, () => themes.fingerprint()), maxAttempts: policies.retryOf('slack').maxAttempts, onQueued: () => loop.wake() })
    : null;
  return {
    config,
    /** The admin API's token, and where it is kept. */
    adminToken,
    /** What decides which sources take webhooks, unsigned or not (the start-up log reports it). */
    webhookPolicy,
    redact,
    log,
    digest,
    store,
    recipes,
    themes,
    registry,
    clients,
    policies,
    alerts,
    loop,
    app,
    /**
     * Read every file of CLOSELOOP_RECIPES again: all valid, the set is swapped (logged); any
     * problem, the running set stays and the operator is told (log at error level, Slack alert).
     */
    async reloadRecipes(): Promise<ReloadOutcome> {
      const outcome = reloadRecipes(recipes, loadRecipes);
      if (outcome.reloaded) {
        alerts.recipesReloaded();
        log.info({ recipes: outcome.recipes.map((r) => r.name) }, 'recipes reloaded');
      } else await alerts.recipesRefused(outcome.error, now());
      return outcome;
    },
    retention,
    /** The Slack app's adapter, when it runs. */
    slackApp,
    async close() {
      await slackApp?.idle();
      await retention?.stop();
      digest?.stop();
      await loop.stop();
      await store.close();
    },
  };
}
export type NodeHub = ReturnType<typeof createNodeHub>;
