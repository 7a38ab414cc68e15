import { actionRegistry, ConnectorClients, CONNECTORS } from '../../../connectors/registry.js';
import type { Enricher } from '../../core/account.js';
import { HubError } from '../../core/errors.js';
import type { DeliveryRateLimiter } from '../../core/rate-limit.js';
import type { RetryPolicy } from '../../core/retry-policy.js';
import { loadHubConfig } from '../../jobs/hub-config.js';
import { hubRedactor, wireHub } from '../../jobs/hub-wiring.js';
import type { IncidentLedger } from '../../jobs/incidents.js';
import type { Recipe } from '../../recipes/recipe.js';
import { RecipeSet } from '../../recipes/recipe-set.js';
import type { SqlDriver } from '../../store/sql-driver.js';
import type { SqlStoreOptions } from '../../store/sql-store.js';
import type { Store } from '../../store/store.js';
import { themeTagger, type ThemeTagger } from '../../themes/tagger.js';
import { NO_THEME_RULES } from '../../themes/theme-rules.js';
import type { Logger } from '../../core/logger.js';
import type { Env } from '../../core/env.js';
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
  const redact = hubRedactor(settings);
  const log = options.log ?? consoleLogger({ level: config.LOG_LEVEL, redact });
  const now = options.now ?? (() => new Date());
  const themes = options.themes ?? themeTagger(NO_THEME_RULES);
  const driver = options.driver;
  const sender = new JobSender(env.JOBS, now);
  // A new response and its plan job are written in one D1 batch; the message follows.
  const store = sendingStore(options.store(driver, { withNewResponse: planWithNewResponse }), driver, sender);
  const { alerts, jobs, app } = wireHub({
    env: settings, config, policies, registry, recipes, themes, store, driver, redact, log, now,
    // Workers reach only public addresses: no address check of our own is needed (nor possible) here.
    clients: new ConnectorClients(settings),
    enricher: options.enricher,
    random: options.random,
    rateLimiter: options.rateLimiter,
    incidents: options.incidents,
    // The Slack app on slack-edge (Bolt does not bundle for workerd), with the same handlers as on Node.
    slackEndpoint: createSlackEdgeEndpoint,
    http: {
      bodyLimit,
      // Fail closed: without CLOSELOOP_ADMIN_TOKEN the admin API is refused below, before the app
      // (which is given a random token nobody holds, as a second lock).
      adminToken: adminToken ?? crypto.randomUUID() + crypto.randomUUID(),
    },
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
