import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { HubError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { adminRoutes, type AdminDeps } from './admin.js';
import { webhookRoutes, type WebhookDeps } from './webhooks.js';

export type AppDeps = WebhookDeps & AdminDeps & { log: Logger };

/** The hub's HTTP surface. Runtime-agnostic: Node serves it with @hono/node-server, Workers export it. */
export function createApp(deps: AppDeps) {
  const app = new Hono();
  app.route('/webhooks', webhookRoutes(deps));
  app.route('/api', adminRoutes(deps));

  app.get('/healthz', async (c) => c.json({ ok: true, queue: await deps.store.queueStats(deps.now().toISOString()) }));
  app.get('/readyz', async (c) => c.json({ ready: true, queue: await deps.store.queueStats(deps.now().toISOString()) }));

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
    deps.log.error({ err: error, path: c.req.path }, 'request failed');
    return c.json(new HubError(500, 'internal', 'Internal error; it has been logged').toJSON(), 500);
  });
  return app;
}
