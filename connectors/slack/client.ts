import { WebClient, ErrorCode, LogLevel, type FetchFunction, type WebAPICallError } from '@slack/web-api';
import { DeliveryError, isRetryableStatus, parseRetryAfter } from '../../src/core/delivery-error.js';
import type { ConnectorDefinition, Env } from '../connector.js';
import { httpTimeoutMs } from '../http-timeout.js';
import { describeNetworkError } from '../network-error.js';

export const SLACK_DEFAULT_API_URL = 'https://slack.com/api/';

/** Slack platform errors worth trying again; every other `ok: false` answer is permanent. */
const RETRYABLE_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const AUTH_ERRORS = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'missing_scope', 'no_permission']);

/**
 * The Slack Web API client. Its own retries are off (it retries 10 times over ~30 minutes by
 * default) and rate-limited calls are rejected instead of pausing the client's whole queue, so
 * the job runner alone decides when to try again (and honours `Retry-After`).
 */
export function createSlackClient(env: Env): WebClient {
  const base = env.SLACK_API_URL || SLACK_DEFAULT_API_URL;
  return new WebClient(env.SLACK_BOT_TOKEN, {
    slackApiUrl: base.endsWith('/') ? base : `${base}/`,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: httpTimeoutMs(env),
    // Failures are classified and logged once by the job runner; the SDK's own console lines would repeat them.
    logLevel: LogLevel.ERROR,
    fetch: slackFetch,
  });
}

/**
 * The SDK's fetch, runnable on Workers too: the SDK asks for `redirect: 'error'`, which workerd
 * refuses, so a redirect is not followed but answered as it is (`'manual'`; the SDK then fails on
 * its non-200 status); and `fetch` is called unbound, since the SDK's own `this.fetchFn(…)` call
 * is an "Illegal invocation" in workerd.
 */
export const slackFetch: FetchFunction = (url, init) => fetch(url, init?.redirect === 'error' ? { ...init, redirect: 'manual' } : init);

export function classifySlackError(error: unknown): DeliveryError {
  const e = error as Partial<WebAPICallError> & Error;
  switch (e?.code) {
    case ErrorCode.RateLimitedError: {
      const retryAfter = (e as { retryAfter: number }).retryAfter;
      return new DeliveryError(`Slack rate limit: retry after ${retryAfter}s`, true, { status: 429, retryAfterMs: retryAfter * 1000, cause: e });
    }
    case ErrorCode.PlatformError: {
      const { error: code, needed } = (e as { data: { error: string; needed?: string } }).data;
      if (AUTH_ERRORS.has(code)) {
        const scopes = needed ? `: it lacks the scope ${needed}` : ' and its scopes (chat:write)';
        return new DeliveryError(`Slack refused the token (${code}): check SLACK_BOT_TOKEN${scopes}`, false, { status: 401, cause: e });
      }
      if (code === 'not_in_channel' || code === 'channel_not_found') {
        return new DeliveryError(`Slack answered ${code}: invite the app to the channel (/invite @your-app) or fix the channel name`, false, { status: 200, cause: e });
      }
      return new DeliveryError(`Slack answered ${code}`, RETRYABLE_PLATFORM_ERRORS.has(code), { status: 200, cause: e });
    }
    case ErrorCode.HTTPError: {
      const { statusCode: status, headers } = e as { statusCode: number; headers?: Record<string, unknown> };
      // A 503 (or any other status) may carry Retry-After too; only 429 becomes RateLimitedError.
      const retryAfter = headers?.['retry-after'];
      const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : Array.isArray(retryAfter) ? String(retryAfter[0]) : undefined);
      return new DeliveryError(`Slack answered HTTP ${status}`, isRetryableStatus(status), { status, retryAfterMs, cause: e });
    }
    case ErrorCode.RequestError: {
      const original = (e as { original?: Error }).original;
      if (original?.name === 'TimeoutError') return new DeliveryError('Slack did not answer in time', true, { cause: e });
      return new DeliveryError(`Slack could not be reached: ${describeNetworkError(original ?? e)}`, true, { cause: e });
    }
    default:
      return new DeliveryError(`Slack call failed: ${e?.message ?? String(error)}`, true, { cause: error });
  }
}

/** `auth.test`: which bot, in which workspace. */
export async function verifySlack(client: WebClient): Promise<string> {
  const me = await client.auth.test();
  return `authenticated as ${me.user ?? '?'} (${me.user_id ?? '?'}) in workspace ${me.team ?? '?'} (${me.url ?? '?'})`;
}

export const slackVariables: ConnectorDefinition['variables'] = [
  { name: 'SLACK_BOT_TOKEN', description: 'Bot token (xoxb-…): scopes chat:write, and for effect-once retries channels:history + channels:read (groups:history + groups:read for private channels)', secret: true },
  { name: 'SLACK_SIGNING_SECRET', description: 'Signing secret of the Slack app (for interactive callbacks)', secret: true },
  { name: 'SLACK_API_URL', description: `Web API base URL (default ${SLACK_DEFAULT_API_URL})`, secret: false },
];
