import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import { createNodeHub, type NodeHubOptions } from '../../src/runtime/node/hub.js';
import { SOURCES } from '../../src/sources/registry.js';

/**
 * Every source, for CLOSELOOP_ALLOW_UNSIGNED: tests that give connectors credentials post unsigned
 * bodies unless they test signatures. Tests of the unsigned rule set it `undefined`.
 */
export const ALL_SOURCES_UNSIGNED = [...SOURCES.keys()].join(',');

/**
 * A hub on a fresh temporary SQLite file, shipped recipes unless told otherwise, silent logs,
 * vendor rate limits off unless the test sets `CLOSELOOP_RATE_LIMITS` (Slack's 1 message per
 * second per channel would turn a test that posts a few messages into one that waits; the rate
 * limit tests turn them on), unsigned webhooks allowed (`CLOSELOOP_ALLOW_UNSIGNED`, every source)
 * unless the test sets it. `cleanup()` closes it and deletes the folder.
 * `hub.adminToken.token` is what /api wants ({@link adminRequest} sends it).
 */
export function makeTestHub(options: Partial<NodeHubOptions> & { env?: Record<string, string | undefined> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'closeloop-test-'));
  const hub = createNodeHub({
    log: silentLogger,
    ...options,
    env: { CLOSELOOP_DB: join(dir, 'hub.db'), CLOSELOOP_RECIPES: 'recipes', CLOSELOOP_RATE_LIMITS: 'off', CLOSELOOP_ALLOW_UNSIGNED: ALL_SOURCES_UNSIGNED, ...options.env },
  });
  return Object.assign(hub, {
    dir,
    async cleanup() {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** POST a webhook body through the app without opening a port. */
export function postWebhook(
  hub: { app: { request: (path: string, init: RequestInit) => Response | Promise<Response> } },
  source: string,
  body: string | Uint8Array | object,
  headers: Record<string, string> = {},
) {
  const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  return hub.app.request(`/webhooks/${source}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: payload as BodyInit,
  });
}

/** A request to the admin API with the hub's bearer token (the API answers nothing without it). */
export function adminRequest(
  hub: { adminToken: { token: string }; app: { request: (path: string, init: RequestInit) => Response | Promise<Response> } },
  path: string,
  init: RequestInit = {},
) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${hub.adminToken.token}`);
  return hub.app.request(path, { ...init, headers });
}
