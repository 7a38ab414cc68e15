import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Env } from '../core/env.js';
import { HubError, zodIssues } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { applyLoopEvent, type ApplyLoopEventDeps } from '../loops/apply-loop-event.js';
import { intercomEventsSecretVariable, parseIntercomEvent, verifyIntercomEvent } from '../loops/intercom-events.js';
import type { ParsedLoopEvent } from '../loops/loop-event.js';
import { parseZendeskEvent, verifyZendeskEvent, zendeskEventsSecretVariable } from '../loops/zendesk-events.js';

export interface LoopEventDeps extends ApplyLoopEventDeps {
  env: Env;
  log: Logger;
  bodyLimit: number;
  /** Called after a job was queued (the Slack reply of a closed loop): wakes the in-process runner. */
  onJobsQueued?: () => void;
}

/** An inbound event feed: its secret, how it signs, how its events read. */
interface LoopEventFeed {
  secretVariable: string;
  verify(secret: string, headers: Headers, body: Uint8Array): Promise<boolean>;
  parse(json: unknown): ParsedLoopEvent;
}

const FEEDS: Record<string, LoopEventFeed> = {
  'zendesk-events': { secretVariable: zendeskEventsSecretVariable, verify: verifyZendeskEvent, parse: parseZendeskEvent },
  'intercom-events': { secretVariable: intercomEventsSecretVariable, verify: verifyIntercomEvent, parse: parseIntercomEvent },
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `POST /webhooks/zendesk-events` and `/webhooks/intercom-events`: ticket and conversation events
 * that move a response's loop (answered, closed). Always signed: without its secret a feed
 * refuses everything (401 naming the variable), since a forged event would close a loop nobody
 * answered. An event that moves no loop, or is about a ticket the hub did not open, is answered
 * 200 so the sender does not retry it.
 */
export function loopEventRoutes(deps: LoopEventDeps) {
  const app = new Hono();
  for (const [path, feed] of Object.entries(FEEDS)) {
    app.post(`/${path}`, bodyLimit({ maxSize: deps.bodyLimit, onError: () => { throw new HubError(413, 'body_too_large', `Body exceeds ${deps.bodyLimit} bytes`, [{ field: '(body)', message: `larger than ${deps.bodyLimit} bytes` }]); } }), async (c) => {
      const secret = deps.env[feed.secretVariable];
      if (!secret) throw new HubError(401, 'unsigned', `${feed.secretVariable} is not set: ${path} refuses every event until it is`, [{ field: feed.secretVariable, message: 'is not set' }]);
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (!(await feed.verify(secret, c.req.raw.headers, body))) throw new HubError(401, 'invalid_signature', `The ${path} signature does not match ${feed.secretVariable}`, [{ field: 'signature', message: 'does not match' }]);
      let json: unknown;
      try {
        json = JSON.parse(utf8.decode(body));
      } catch {
        throw new HubError(400, 'invalid_json', 'Body is not JSON', [{ field: '(body)', message: 'is not JSON' }]);
      }
      const parsed = feed.parse(json);
      if (parsed.error) {
        const issues = zodIssues(parsed.error);
        throw new HubError(422, 'invalid_event', `Invalid ${path} event: ${issues[0]?.field} ${issues[0]?.message}`, issues);
      }
      if (!parsed.event) return c.json({ ignored: true, reason: 'this event moves no loop' }, 200);
      const result = await applyLoopEvent(parsed.event, deps);
      if (result.outcome === 'unmatched') {
        deps.log.info({ feed: path, event: parsed.event.eventId }, 'loop event ignored: no response of ours behind it');
        return c.json({ ignored: true, reason: 'no response of this hub is behind this ticket or conversation' }, 200);
      }
      deps.log.info({ feed: path, event: parsed.event.eventId, response: result.responseId, step: parsed.event.step, status: result.loop.status, duplicate: result.outcome === 'duplicate' }, 'loop event');
      if (result.loop.status === 'closed') deps.onJobsQueued?.();
      return c.json({ responseId: result.responseId, duplicate: result.outcome === 'duplicate', loop: result.loop }, 200);
    });
  }
  return app;
}
