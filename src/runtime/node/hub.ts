import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { actionRegistry, ConnectorClients, CONNECTORS } from '../../../connectors/registry.js';
import type { Env } from '../../../connectors/connector.js';
import { loadConfig, type HubConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { Enricher } from '../../enrichment/account.js';
import { enricherFromEnv } from '../../enrichment/enricher-from-env.js';
import { createApp } from '../../http/app.js';
import { deliveryPolicies, type DeliveryPolicies } from '../../jobs/delivery-policy.js';
import { OperatorAlerts } from '../../jobs/operator-alerts.js';
import { secretRedactor } from '../../jobs/redact.js';
import type { RetryPolicy } from '../../jobs/retry-policy.js';
import type { Recipe } from '../../recipes/recipe.js';
import { SOURCES, sourceSecretProblems } from '../../sources/registry.js';
import { HubError } from '../../core/errors.js';
import { checkDigestBy, DigestSchedule } from './digest-schedule.js';
import { JobLoop } from './job-loop.js';
import { MemoryRateLimiter } from './rate-limiter.js';
import { createLogger } from './logger.js';
import { loadRecipesDir } from './recipes-dir.js';
import { SqliteStore } from './sqlite-store.js';

export interface NodeHubOptions {
  env: Env;
  log?: Logger;
  now?: () => Date;
  /** Recipes to use instead of reading CLOSELOOP_RECIPES. */
  recipes?: Recipe[];
  /** Enricher to use instead of the one the environment configures (`CLOSELOOP_CRM`). */
  enricher?: Enricher;
  /**
   * Applied over every connector's retry policy, and the plan jobs' (tests: millisecond
   * backoffs). Default: each connector's own, with the environment's overrides.
   */
  retry?: Partial<RetryPolicy>;
  /** Jitter source of retry delays (tests). Default Math.random. */
  random?: () => number;
}

/**
 * The hub's settings, the survey secrets' format and the per-connector delivery settings
 * (CLOSELOOP_<NAME>_MAX_ATTEMPTS, _MAX_AGE, _RATE_LIMIT), checked together (start-up and
 * `closeloop check`); throws naming the variable. `retry` is applied over every retry policy (tests).
 */
export function loadHubConfig(env: Env, retry?: Partial<RetryPolicy>): { config: HubConfig; policies: DeliveryPolicies } {
  const config = loadConfig(env);
  const problems = sourceSecretProblems(env);
  if (problems.length) {
    throw new HubError(400, 'invalid_config', `Invalid configuration: ${problems.map((i) => `${i.field} ${i.message}`).join('; ')}`, problems);
  }
  checkDigestBy(config.CLOSELOOP_DIGEST_BY);
  return { config, policies: deliveryPolicies(CONNECTORS, env, { override: retry }) };
}

/** Everything one Node process runs, wired together. Throws on invalid config or recipes. */
export function createNodeHub(options: NodeHubOptions) {
  // Per-connector retry patience and rate limits come with the settings.
  const { config, policies } = loadHubConfig(options.env, options.retry);
  const log = options.log ?? createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const now = options.now ?? (() => new Date());
  const registry = actionRegistry(CONNECTORS);
  const recipes = options.recipes ?? loadRecipesDir(config.CLOSELOOP_RECIPES, new Set(registry.keys()));
  const store = new SqliteStore({
    path: config.CLOSELOOP_DB,
    synchronous: config.CLOSELOOP_SYNC,
    now,
    onCheckpointError: (message) => log.warn({ error: message }, 'background WAL checkpoint failed (the next one retries)'),
  });
  const clients = new ConnectorClients(options.env);
  const slack = CONNECTORS.find((c) => c.name === 'slack');
  const alerts = new OperatorAlerts({
    log,
    store,
    alertChannel: config.CLOSELOOP_ALERT_CHANNEL,
    slackConfigured: !!slack && !clients.isSandboxed(slack),
    maxAttempts: policies.retryOf('slack').maxAttempts,
    titles: new Map(CONNECTORS.map((c) => [c.name, c.title])),
  });
  // CLOSELOOP_CRM / credentials pick the CRM; a bad enrichment setting stops the hub here.
  const enricher = options.enricher ?? enricherFromEnv(options.env, { store, log, now });
  const loop = new JobLoop(
    {
      store,
      recipes,
      registry,
      clients,
      enricher,
      retry: policies.fallback,
      policies,
      // One limiter for the whole process: every runner of the loop shares each key's budget.
      rateLimiter: new MemoryRateLimiter(),
      alerts,
      redact: secretRedactor(CONNECTORS, options.env),
      random: options.random,
      log,
      now,
      sources: SOURCES,
      env: options.env,
    },
    { concurrency: config.CLOSELOOP_CONCURRENCY, leaseMs: config.CLOSELOOP_LEASE_SECONDS * 1000 },
  );
  const app = createApp({
    store,
    sources: SOURCES,
    env: options.env,
    bodyLimit: config.CLOSELOOP_BODY_LIMIT,
    log,
    now,
    adminToken: config.CLOSELOOP_ADMIN_TOKEN,
    isLocalRequest,
    onIngested: () => loop.ingested(),
    onReplayed: () => loop.wake(),
    openIncidents: () => alerts.openIncidents(),
  });
  // The weekly digest, only when its channel is set.
  const digest = config.CLOSELOOP_DIGEST_CHANNEL
    ? new DigestSchedule({ store, log, now, channel: config.CLOSELOOP_DIGEST_CHANNEL, schedule: config.CLOSELOOP_DIGEST_SCHEDULE, tz: config.CLOSELOOP_DIGEST_TZ, by: config.CLOSELOOP_DIGEST_BY, sources: [...SOURCES.keys()], maxAttempts: policies.retryOf('slack').maxAttempts, onQueued: () => loop.wake() })
    : null;
  return {
    config,
    log,
    digest,
    store,
    recipes,
    registry,
    clients,
    policies,
    alerts,
    loop,
    app,
    async close() {
      digest?.stop();
      await loop.stop();
      await store.close();
    },
  };
}
export type NodeHub = ReturnType<typeof createNodeHub>;

/** Loopback peers only; `app.request()` in tests has no socket and counts as local. */
function isLocalRequest(c: Context): boolean {
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    return true;
  }
  if (!address) return true;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
