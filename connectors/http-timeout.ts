import type { Env } from './connector.js';

/** Default time a connector waits for a vendor's answer before the attempt counts as a (retryable) timeout. */
export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;

/**
 * `CLOSELOOP_HTTP_TIMEOUT_MS` (validated at start-up by the hub's config), else 15 s. Every
 * connector passes it to its SDK so a hung vendor call fails the attempt instead of the runner.
 */
export function httpTimeoutMs(env: Env): number {
  const n = Number(env.CLOSELOOP_HTTP_TIMEOUT_MS);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_HTTP_TIMEOUT_MS;
}
