import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Env } from '../core/env.js';
import { HubError } from '../core/errors.js';
import type { SlackEndpoint } from '../slack-app/endpoint.js';

export interface SlackRouteDeps {
  env: Env;
  bodyLimit: number;
  /** The Slack app's framework adapter (built by the runtime when SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are set). */
  slack?: SlackEndpoint;
}

/**
 * `POST /slack/events`: the Slack app's one Request URL (interactivity, slash commands, events;
 * slack/manifest.yaml). Fails closed: without SLACK_SIGNING_SECRET every request is refused (401
 * naming it), since an unsigned click would close loops and open tickets; without a bot token the
 * app cannot answer (503). The signature itself is checked by the framework (Bolt or slack-edge).
 */
export function slackRoutes(deps: SlackRouteDeps) {
  const app = new Hono();
  const limit = bodyLimit({ maxSize: deps.bodyLimit, onError: () => { throw new HubError(413, 'body_too_large', `Body exceeds ${deps.bodyLimit} bytes`, [{ field: '(body)', message: `larger than ${deps.bodyLimit} bytes` }]); } });
  app.post('/events', limit, async (c) => {
    if (!deps.env.SLACK_SIGNING_SECRET) throw new HubError(401, 'unsigned', 'SLACK_SIGNING_SECRET is not set: the Slack app refuses every request until it is', [{ field: 'SLACK_SIGNING_SECRET', message: 'is not set' }]);
    if (!deps.slack) throw new HubError(503, 'slack_app_unavailable', 'SLACK_BOT_TOKEN is not set: the Slack app cannot answer', [{ field: 'SLACK_BOT_TOKEN', message: 'is not set' }]);
    const ctx = executionContext(c);
    return deps.slack.handle(c.req.raw, ctx ? (work) => ctx.waitUntil(work) : undefined);
  });
  return app;
}

/** Workers' execution context of the request (Hono throws on runtimes that have none, such as Node). */
function executionContext(c: { executionCtx: { waitUntil(work: Promise<unknown>): void } }) {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}
