import { actionRegistry, ConnectorClients, CONNECTORS } from '../../../connectors/registry.js';
import type { Enricher } from '../../core/account.js';
import { HUB_SECRET_VARIABLES } from '../../core/config.js';
import { HubError } from '../../core/errors.js';
import type { DeliveryRateLimiter } from '../../core/rate-limit.js';
import type { RetryPolicy } from '../../core/retry-policy.js';
import { enricherFromEnv } from '../../enrichment/enricher-from-env.js';
import { createApp } from '../../http/app.js';
import { loadHubConfig } from '../../jobs/hub-config.js';
import type { IncidentLedger } from '../../jobs/incidents.js';
import { OperatorAlerts } from '../../jobs/operator-alerts.js';
import type { JobDeps } from '../../jobs/process-job.js';
import { secretRedactor, secretValues, secretVariables } from '../../jobs/redact.js';
import type { Recipe } from '../../recipes/recipe.js';
import { RecipeSet } from '../../recipes/recipe-set.js';
import { SOURCES } from '../../sources/registry.js';
import { webhookPolicy } from '../../sources/webhook-policy.js';
import type { SqlDriver } from '../../store/sql-driver.js';
import type { SqlStoreOptions } from '../../store/sql-store.js';
import type { Store } from '../../store/store.js';
import { themeTagger, type ThemeTagger } from '../../themes/tagger.js';
import { NO_THEME_RULES } from '../../themes/theme-rules.js';
import type { Logger } from '../../core/logger.js';
import type { Env } from '../../core/env.js';
import { slackAppCredentials } from '../../slack-app/endpoint.js';
import { slackActionStore } from '../../store/slack-actions.js';
import { consoleLogger } from './console-logger.js';
import { createSlackEdgeEndpoint } from './slack-edge.js';
import { JobSender } from './job-sender.js';
import { planWithNewResponse, sendingStore } from './sending-store.js';
import { settingsOf, type WorkerEnv } from './worker-env.js';

/** What a Worker hub is built from beside its environment; each has the production default. */
export interface WorkerHubOptions {
  /** The store over a SQL driver with the hub's store options (production: the D1 store over `env.DB`). */
  store: (driver: SqlDriver, options: SqlStoreOptions) => Store;
  /** The SQL driver the store and the queue's statements run on (production: D1 over `env.DB`). */
  driver: SqlDriver;
  /** The recipes, bundled at build time (a Worker has no folder to read). */
  recipes: Recipe[];
  /** Theme rules, bundled with the recipes. Default: none (sentiment only). */
  themes?: ThemeTagger;
  /** Shared across isolates (a Durable Object). Default: none (no rate limits). */
  rateLimiter?: DeliveryRateLimiter;
  /** Shared across isolates (a Durable Object), so an operator alert is sent once. Default: this isolate's own. */
  incidents?: IncidentLedger;
  /** Applied over every retry policy (tests). */
  retry?: Partial<RetryPolicy>;
  /** Enricher instead of the one the environment configures (tests). */
  enricher?: Enricher;
  /** Jitter of retry delays (tests). Default Math.random. */
  random?: () => number;
  now?: () => Date;
  /** Where log lines go. Default console.log. */
  log?: Logger;
}

/**
 * Everything one Worker isolate runs, wired from its env as the Node hub is from the process
 * environment: the same settings (same names), the same Hono app, the same job processing. What
 * differs is glue: jobs travel on the JOBS queue (each write that queues jobs sends their
 * messages), and the admin API refuses to serve without CLOSELOOP_ADMIN_TOKEN (a Worker has no
 * file to keep a generated one in).
 */
export function createWorkerHub(env: WorkerEnv, options: WorkerHubOptions) {
  const settings = settingsOf(env);
  const { config, policies } = loadHubConfig(settings, options.retry);
  const bodyLimit = workersBodyLimit(settings, config.CLOSELOOP_BODY_LIMIT);
  const registry = actionRegistry(CONNECTORS);
  const recipes = new RecipeSet(options.recipes);
  const adminToken = config.CLOSELOOP_ADMIN_TOKEN;
  const redact = secretRedactor(secretValues(secretVariables(CONNECTORS, SOURCES.values(), HUB_SECRET_VARIABLES), settings));
  const log = options.log ?? consoleLogger({ level: config.LOG_LEVEL, redact });
  const now = options.now ?? (() => new Date());
  const themes = options.themes ?? themeTagger(NO_THEME_RULES);
  const driver = options.driver;
  const sender = new JobSender(env.JOBS, now);
  // A new response and its plan job are written in one D1 batch; the message follows.
  const store = sendingStore(options.store(driver, { withNewResponse: planWithNewResponse }), driver, sender);
  // Workers reach only public addresses: no address check of our own is needed (nor possible) here.
  const clients = new ConnectorClients(settings);
  const slack = CONNECTORS.find((c) => c.name === 'slack');
  const alerts = new OperatorAlerts({
    log,
    store,
    ...(options.incidents ? { tracker: options.incidents } : {}),
    alertChannel: config.CLOSELOOP_ALERT_CHANNEL,
    slackConfigured: !!slack && !clients.isSandboxed(slack),
    maxAttempts: policies.retryOf('slack').maxAttempts,
    titles: new Map(CONNECTORS.map((c) => [c.name, c.title])),
  });
  const enricher = options.enricher ?? enricherFromEnv(settings, { store, log, now });
  const jobs: JobDeps = {
    store,
    recipes,
    registry,
    clients,
    enricher,
    retry: policies.fallback,
    policies,
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    alerts,
    redact,
    random: options.random,
    log,
    now,
    sources: SOURCES,
    env: settings,
    themes,
  };
  const policy = { env: settings, enabled: config.CLOSELOOP_SOURCES, allowUnsigned: config.CLOSELOOP_ALLOW_UNSIGNED, anyConnectorLive: CONNECTORS.some((c) => !clients.isSandboxed(c)) };
  const maxAttempts = (action: string) => policies.retryOf(action).maxAttempts;
  // The Slack app on slack-edge (Bolt does not bundle for workerd), with the same handlers as on Node.
  const slackCredentials = slackAppCredentials(settings);
  const slackActions = slackActionStore(driver);
  const slackApp =
    slackCredentials &&
    createSlackEdgeEndpoint({ ...slackCredentials, store, actions: slackActions, registry, maxAttempts, now, env: settings, log, sources: [...SOURCES.keys()], themes });
  const app = createApp({
    store,
    sources: SOURCES,
    policy: webhookPolicy(policy),
    env: settings,
    bodyLimit,
    log,
    now,
    // Fail closed: without CLOSELOOP_ADMIN_TOKEN the admin API is refused below, before the app
    // (which is given a random token nobody holds, as a second lock).
    adminToken: adminToken ?? crypto.randomUUID() + crypto.randomUUID(),
    loopEvents: { registry, maxAttempts },
    openIncidents: () => alerts.openIncidents(),
    themes,
    recipes: () => recipes.current(),
    erasure: { registry, maxAttempts },
    backtest: { reader: store, registry, recipes: () => recipes.current(), tag: (comment) => themes.tag(comment) },
    campaigns: { registry, maxAttempts },
    slack: slackApp,
    slackActions,
  });
  return {
    config,
    policies,
    log,
    now,
    store,
    driver,
    sender,
    alerts,
    jobs,
    /** The Hono app, behind the admin API's fail-closed guard; `ctx`: the request's execution context. */
    fetch(request: Request, ctx?: { waitUntil(work: Promise<unknown>): void; passThroughOnException(): void }): Response | Promise<Response> {
      if (!adminToken && new URL(request.url).pathname.startsWith('/api')) return noAdminToken();
      // The execution context lets work outlive the answer (the Slack app's calls after its ack).
      return app.fetch(request, undefined, ctx as never);
    },
  };
}
export type WorkerHub = ReturnType<typeof createWorkerHub>;

/**
 * Largest webhook body a Worker takes. A D1 row holds at most 2 MB, and a response's row holds
 * its raw body and the parsed response beside it: 512 KiB unless set lower; set higher, the hub
 * refuses to serve (fail closed) rather than take bodies it cannot store.
 */
export const WORKERS_MAX_BODY_LIMIT = 512 * 1024;

function workersBodyLimit(settings: Env, configured: number): number {
  if (settings.CLOSELOOP_BODY_LIMIT === undefined || settings.CLOSELOOP_BODY_LIMIT === '') return WORKERS_MAX_BODY_LIMIT;
  if (configured > WORKERS_MAX_BODY_LIMIT) {
    throw new HubError(400, 'invalid_config', `Invalid configuration: CLOSELOOP_BODY_LIMIT must be at most ${WORKERS_MAX_BODY_LIMIT} on Workers (D1 rows hold at most 2 MB)`, [
      { field: 'CLOSELOOP_BODY_LIMIT', message: `must be at most ${WORKERS_MAX_BODY_LIMIT} on Workers` },
    ]);
  }
  return configured;
}

/** The admin API without a token configured: refused, never open (a Worker cannot generate and keep one). */
function noAdminToken(): Response {
  const error = new HubError(503, 'admin_token_missing', 'The admin API is off: set CLOSELOOP_ADMIN_TOKEN (wrangler secret put CLOSELOOP_ADMIN_TOKEN)', [
    { field: 'CLOSELOOP_ADMIN_TOKEN', message: 'is not set' },
  ]);
  return Response.json(error.toJSON(), { status: 503 });
}
