import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { HubError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Incident } from '../jobs/incidents.js';
import { adminRoutes, type AdminDeps } from './admin.js';
import { dashboardRoutes } from '../dashboard/routes.js';
import type { Recipe } from '../recipes/recipe.js';
import { loopEventRoutes, type LoopEventDeps } from './loop-events.js';
import { webhookRoutes, type WebhookDeps } from './webhooks.js';
import { slackRoutes, type SlackRouteDeps } from './slack.js';

export type AppDeps = WebhookDeps &
  AdminDeps & {
    log: Logger;
    /** Ticket and conversation events that move loops: what they need beyond the webhooks' deps. */
    loopEvents: Pick<LoopEventDeps, 'registry' | 'maxAttempts' | 'onJobsQueued'>;
    /** Connectors in trouble now (operator alerts), shown by /healthz and /readyz. Default: none known. */
    openIncidents?: () => Incident[];
    /** The recipes running now, for the dashboard's Recipes page. Default: none shown. */
    recipes?: () => readonly Recipe[];
  } & Pick<SlackRouteDeps, 'slack'>;

/** The hub's HTTP surface. Runtime-agnostic: Node serves it with @hono/node-server, Workers export it. */
export function createApp(deps: AppDeps) {
  const app = new Hono();
  // Before the survey sources' `/webhooks/:source`, which would take these names for sources.
  app.route('/webhooks', loopEventRoutes({ ...deps, ...deps.loopEvents }));
  app.route('/webhooks', webhookRoutes(deps));
  app.route('/api', adminRoutes(deps));
  app.route('/slack', slackRoutes(deps));

  // Both report the queue: jobs by status, how late the oldest due job is (oldestWaitingSeconds:
  // the runner is behind) and how old the oldest undelivered one is (oldestPendingSeconds: a
  // vendor is down and jobs wait for their retry), and the connectors in trouble.
  const status = async () => {
    const incidents = (deps.openIncidents?.() ?? []).map((i) => ({ connector: i.connector, since: i.openedAt, reason: i.reason, failures: i.failures, deadLettered: i.deadLettered }));
    try {
      return { queue: await deps.store.queueStats(deps.now().toISOString()), incidents, error: null };
    } catch (error) {
      deps.log.error({ err: error }, 'health check: the database cannot be read');
      return { queue: null, incidents, error: `database unavailable: ${(error as Error)?.message ?? String(error)}` };
    }
  };
  // Liveness: 200 whenever the process serves requests (restarting it would not fix a database).
  app.get('/healthz', async (c) => {
    const { error, ...report } = await status();
    return c.json({ ok: true, ...report, ...(error ? { error } : {}) });
  });
  // Readiness: 503 when the database cannot be used, so a balancer sends webhooks elsewhere.
  app.get('/readyz', async (c) => {
    const { error, ...report } = await status();
    return error ? c.json({ ready: false, error, ...report }, 503) : c.json({ ready: true, ...report });
  });

  // The dashboard (src/dashboard): pages at /, behind a cookie session got with the admin token.
  // Its Campaigns page takes `deps.campaigns` as /api/campaigns does (the same runner wake-up).
  app.route('/', dashboardRoutes({ ...deps, registry: deps.loopEvents.registry }));

  app.notFound((c) => c.json(new HubError(404, 'not_found', 'No such endpoint', [{ field: 'path', message: 'not found' }]).toJSON(), 404));
  app.onError((error, c) => {
    if (error instanceof HubError) return c.json(error.toJSON(), error.status);
    if (error instanceof HTTPException && error.status < 500) {
      // A response made by the middleware (bearer auth's, with its WWW-Authenticate) goes out as is;
      // Hono's own plain-text ones (malformed JSON, unsupported media type) get our JSON error shape.
      if (error.res) return error.getResponse();
      const field = error.status === 415 ? 'content-type' : '(body)';
      return c.json({ error: { code: 'bad_request', message: error.message, issues: [{ field, message: error.message }] } }, error.status);
    }
    if (c.req.raw.signal.aborted) {
      // The client went away mid-request (reading its body failed): nobody reads an answer, and it
      // is not the hub's fault — one debug line, no stack.
      deps.log.debug({ path: c.req.path, reason: (error as Error)?.message ?? String(error) }, 'client disconnected before the request was read');
      return c.body(null, 400);
    }
    deps.log.error({ err: error, path: c.req.path }, 'request failed');
    return c.json(new HubError(500, 'internal', 'Internal error; it has been logged').toJSON(), 500);
  });
  return app;
}
