import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Env } from '../core/env.js';
import { HubError, issuePath } from '../core/errors.js';
import { assertJsonShape, EXTRA_LIMITS } from '../core/json-limits.js';
import type { Logger } from '../core/logger.js';
import { NormalizedResponse } from '../core/response.js';
import type { SourceAdapter, WebhookRequest } from '../sources/source.js';
import type { WebhookPolicy } from '../sources/webhook-policy.js';
import { IgnoredEvent } from '../sources/vendor-body.js';
import type { Store } from '../store/store.js';

export interface WebhookDeps {
  store: Store;
  sources: ReadonlyMap<string, SourceAdapter>;
  /** Which sources take webhooks, and which may take them unsigned. */
  policy: WebhookPolicy;
  env: Env;
  bodyLimit: number;
  log: Logger;
  /**
   * SHA-256 (hex) of a raw body, which recognises a replayed request. Default: Web Crypto; Node
   * passes its synchronous hash (Web Crypto's digest is a thread-pool round trip per webhook there).
   */
  bodyDigest?: (body: Uint8Array) => string | Promise<string>;
  /** Called after a new response is committed (wakes the in-process runner). */
  onIngested?: () => void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `POST /webhooks/:source`: verify, parse, validate, store (the response row with its raw body,
 * committed with the other webhooks of the same turn) and answer 202. Nothing slower happens on
 * this path: the runner's next claim writes the response's plan job.
 */
export function webhookRoutes(deps: WebhookDeps) {
  const app = new Hono();
  const enabledNames = () => [...deps.sources.keys()].filter((n) => deps.policy.enabled(n));
  const sourceOf = (name: string) => {
    const source = deps.sources.get(name);
    if (!source) throw new HubError(404, 'unknown_source', `Unknown source "${name}"; known: ${enabledNames().join(', ')}`, [{ field: 'source', message: 'is not a known survey source' }]);
    if (!deps.policy.enabled(name)) throw new HubError(404, 'unknown_source', `Source "${name}" is not enabled (CLOSELOOP_SOURCES); enabled: ${enabledNames().join(', ')}`, [{ field: 'source', message: 'is not enabled' }]);
    return source;
  };

  // Some tools (SurveyMonkey) probe the URL with HEAD before subscribing. Hono answers HEAD
  // through the GET route (a HEAD-only route is never matched), so this serves both.
  app.get('/:source', (c) => {
    sourceOf(c.req.param('source'));
    return c.body(null, 200);
  });

  const tooLarge = () => {
    throw new HubError(413, 'body_too_large', `Body exceeds ${deps.bodyLimit} bytes`, [{ field: '(body)', message: `larger than ${deps.bodyLimit} bytes` }]);
  };
  const streamedLimit = bodyLimit({ maxSize: deps.bodyLimit, onError: tooLarge });

  app.post(
    '/:source',
    // A declared length is checked from the header alone, so the body is then read in one go
    // (touching `request.body` would build a web stream per request: a third of ingest's time).
    // Only a chunked body, with no length, is counted through Hono's streaming body limit.
    async (c, next) => {
      const length = c.req.header('content-length');
      if (length === undefined || c.req.header('transfer-encoding')) return streamedLimit(c, next);
      if (!/^\d+$/.test(length)) throw new HubError(400, 'invalid_content_length', 'Content-Length must be a whole number', [{ field: 'content-length', message: 'must be a whole number' }]);
      if (Number(length) > deps.bodyLimit) tooLarge();
      return next();
    },
    async (c) => {
      const source = sourceOf(c.req.param('source'));
      // Before the body is read: a source that may not take unsigned webhooks and has no secret refuses.
      const secret = deps.policy.secretFor(source);
      const rawBody = new Uint8Array(await c.req.arrayBuffer());
      let text: string;
      try {
        text = utf8.decode(rawBody);
      } catch {
        throw new HubError(400, 'invalid_encoding', 'Body is not valid UTF-8', [{ field: '(body)', message: 'is not valid UTF-8' }]);
      }
      const request: WebhookRequest = { headers: c.req.raw.headers, rawBody, text, contentType: c.req.header('content-type') ?? '', url: c.req.url };

      if (secret !== undefined) await source.verify(request, secret);

      let input;
      try {
        input = await source.parse(request, deps.env);
      } catch (error) {
        if (!(error instanceof IgnoredEvent)) throw error;
        deps.log.info({ source: source.name, field: error.field, reason: error.reason }, 'event ignored: not a response');
        return c.json({ ignored: true, reason: error.message }, 200);
      }
      const parsed = NormalizedResponse.safeParse(input);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => {
          const field = issuePath(i.path);
          return { field: source.bodyPath?.(field, deps.env) ?? field, message: i.message };
        });
        throw new HubError(422, 'invalid_response', `Invalid ${source.name} response: ${issues[0]!.field} ${issues[0]!.message}`, issues);
      }
      const response = parsed.data;
      // Before the store: a too-deep `extra` would throw in JSON.stringify inside the group commit.
      assertJsonShape(response.extra, EXTRA_LIMITS, 'extra');
      const marks = { digest: await (deps.bodyDigest ?? sha256Hex)(rawBody), revision: source.revision?.(response) ?? null };
      const result = await deps.store.ingest({ response, rawBody: text, contentType: request.contentType, marks });
      if (result.erased) {
        // A 2xx, so the tool does not retry a response that must never be stored again (docs/privacy.md).
        deps.log.info({ source: source.name }, 'response refused: its respondent was erased');
        return c.json({ erased: true, stored: false, message: 'This response was erased at the respondent\'s request; nothing was stored' }, 200);
      }
      if (result.stale) {
        // 200, not a 4xx: the tool must not retry it (nor disable the webhook); nothing was stored.
        deps.log.warn({ response: result.id, source: source.name, sourceResponseId: response.sourceResponseId, version: result.version, reason: result.stale }, 'webhook refused: older than the stored version');
        return c.json({ id: result.id, ignored: true, reason: result.stale }, 200);
      }
      deps.log.info(
        { response: result.id, source: source.name, sourceResponseId: response.sourceResponseId, score: response.score, duplicate: result.duplicate, version: result.version },
        result.duplicate ? 'response duplicate' : result.updated ? 'response updated' : 'response received',
      );
      if (!result.duplicate) deps.onIngested?.();
      // `updated: true` only for a new version of a stored response (see "Updates and late comments").
      return c.json(result.updated ? { id: result.id, duplicate: false, updated: true } : { id: result.id, duplicate: result.duplicate }, 202);
    },
  );
  return app;
}

/** SHA-256 of the raw body, hex (Web Crypto: the same on Node and Workers). */
async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
