import { CONNECTORS, type ActionRegistry, type ConnectorClients } from '../../connectors/registry.js';
import type { Enricher } from '../core/account.js';
import { HUB_SECRET_VARIABLES, type HubConfig } from '../core/config.js';
import type { Env } from '../core/env.js';
import type { Logger } from '../core/logger.js';
import type { DeliveryRateLimiter } from '../core/rate-limit.js';
import { enricherFromEnv } from '../enrichment/enricher-from-env.js';
import { createApp, type AppDeps } from '../http/app.js';
import type { RecipeSet } from '../recipes/recipe-set.js';
import { slackAppCredentials, type SlackEndpoint, type SlackEndpointOptions } from '../slack-app/endpoint.js';
import { SOURCES } from '../sources/registry.js';
import { webhookPolicy } from '../sources/webhook-policy.js';
import { slackActionStore, type SlackActionsDriver } from '../store/slack-actions.js';
import type { Store } from '../store/store.js';
import type { ThemeTagger } from '../themes/tagger.js';
import type { DeliveryPolicies } from './delivery-policy.js';
import type { IncidentLedger } from './incidents.js';
import { OperatorAlerts } from './operator-alerts.js';
import type { JobDeps } from './process-job.js';
import { secretRedactor, secretValues, secretVariables, type Redact } from './redact.js';

/**
 * Scrubs every declared secret's value (connectors', sources', the hub's) from stored errors, logs
 * and operator alerts, and `also` (a generated admin token).
 */
export function hubRedactor(env: Env, also: readonly string[] = []): Redact {
  return secretRedactor([...secretValues(secretVariables(CONNECTORS, SOURCES.values(), HUB_SECRET_VARIABLES), env), ...also]);
}

/**
 * What a runtime brings to the hub: what it builds its own way (the store, the connector clients,
 * the logger, the recipes and themes it reads) and its glue (a rate limiter, an incident ledger,
 * the Slack framework, how queued jobs get run).
 */
export interface HubParts {
  env: Env;
  config: HubConfig;
  policies: DeliveryPolicies;
  registry: ActionRegistry;
  recipes: RecipeSet;
  themes: ThemeTagger;
  store: Store;
  /** The SQL driver under `store` (the Slack app's clicks are kept through it). */
  driver: SlackActionsDriver;
  clients: ConnectorClients;
  redact: Redact;
  log: Logger;
  now: () => Date;
  /** Instead of the one the environment configures (`CLOSELOOP_CRM`). */
  enricher?: Enricher;
  /** Jitter of retry delays (tests). Default Math.random. */
  random?: () => number;
  /** Shared by every runner of the jobs. Default: none (no rate limits). */
  rateLimiter?: DeliveryRateLimiter;
  /** Where incidents are decided. Default: this process's own. */
  incidents?: IncidentLedger;
  /** The Slack app's framework adapter. */
  slackEndpoint: (options: SlackEndpointOptions) => SlackEndpoint;
  /** Called after a request queued jobs (an in-process runner wakes). Default: nothing (the store sends their messages). */
  onJobsQueued?: () => void;
  /** The HTTP app's settings that differ between runtimes. */
  http: Pick<AppDeps, 'adminToken' | 'bodyLimit' | 'bodyDigest' | 'onIngested' | 'onReplayed'>;
}

/**
 * The hub as both runtimes wire it from their parts: operator alerts, the jobs' deps, the Slack
 * app (only with its signing secret and bot token: /slack/events refuses otherwise) and the HTTP app.
 */
export function wireHub(parts: HubParts) {
  const { env, config, policies, registry, recipes, themes, store, clients, log, now } = parts;
  const maxAttempts = (action: string) => policies.retryOf(action).maxAttempts;
  const slack = CONNECTORS.find((c) => c.name === 'slack');
  const alerts = new OperatorAlerts({
    log,
    store,
    ...(parts.incidents ? { tracker: parts.incidents } : {}),
    alertChannel: config.CLOSELOOP_ALERT_CHANNEL,
    slackConfigured: !!slack && !clients.isSandboxed(slack),
    maxAttempts: maxAttempts('slack'),
    titles: new Map(CONNECTORS.map((c) => [c.name, c.title])),
  });
  // CLOSELOOP_CRM / credentials pick the CRM; a bad enrichment setting stops the hub here.
  const enricher = parts.enricher ?? enricherFromEnv(env, { store, log, now });
  const jobs: JobDeps = {
    store,
    recipes,
    registry,
    clients,
    enricher,
    retry: policies.fallback,
    policies,
    ...(parts.rateLimiter ? { rateLimiter: parts.rateLimiter } : {}),
    alerts,
    redact: parts.redact,
    random: parts.random,
    log,
    now,
    sources: SOURCES,
    env,
    themes,
  };
  const queued = parts.onJobsQueued ? { onJobsQueued: parts.onJobsQueued } : {};
  const slackActions = slackActionStore(parts.driver);
  const slackCredentials = slackAppCredentials(env);
  const slackApp = slackCredentials && parts.slackEndpoint({ ...slackCredentials, store, actions: slackActions, registry, maxAttempts, now, env, log, sources: [...SOURCES.keys()], themes, ...queued });
  const policy = { env, enabled: config.CLOSELOOP_SOURCES, allowUnsigned: config.CLOSELOOP_ALLOW_UNSIGNED, anyConnectorLive: CONNECTORS.some((c) => !clients.isSandboxed(c)) };
  const app = createApp({
    ...parts.http,
    store,
    sources: SOURCES,
    policy: webhookPolicy(policy),
    env,
    log,
    now,
    loopEvents: { registry, maxAttempts, ...queued },
    openIncidents: () => alerts.openIncidents(),
    recipes: () => recipes.current(),
    themes,
    erasure: { registry, maxAttempts },
    backtest: { reader: store, registry, recipes: () => recipes.current(), tag: (comment) => themes.tag(comment) },
    campaigns: { registry, maxAttempts, ...queued },
    slack: slackApp,
    slackActions,
  });
  return {
    alerts,
    /** What running a job needs (the Node loop's runners, the Workers queue consumer). */
    jobs,
    /** What decides which sources take webhooks, unsigned or not (the Node start-up log reports it). */
    webhookPolicy: policy,
    /** The Slack app's adapter, when it runs. */
    slackApp,
    app,
  };
}
