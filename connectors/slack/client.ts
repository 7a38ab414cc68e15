import { WebClient, ErrorCode, type WebAPICallError } from '@slack/web-api';
import { DeliveryError, isRetryableStatus } from '../../src/jobs/delivery-error.js';
import type { ConnectorDefinition, Env } from '../connector.js';

export const SLACK_DEFAULT_API_URL = 'https://slack.com/api/';

/** Slack platform errors worth trying again; every other `ok: false` answer is permanent. */
const RETRYABLE_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const AUTH_ERRORS = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'missing_scope', 'no_permission']);

/**
 * The Slack Web API client. Its own retries are off and rate-limited calls are rejected, so
 * the job runner alone decides when to try again (and honours `Retry-After`).
 */
export function createSlackClient(env: Env): WebClient {
  return new WebClient(env.SLACK_BOT_TOKEN, {
    slackApiUrl: env.SLACK_API_URL || SLACK_DEFAULT_API_URL,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
}

export function classifySlackError(error: unknown): DeliveryError {
  const e = error as Partial<WebAPICallError> & Error;
  switch (e?.code) {
    case ErrorCode.RateLimitedError: {
      const retryAfter = (e as { retryAfter: number }).retryAfter;
      return new DeliveryError(`Slack rate limit: retry after ${retryAfter}s`, true, { status: 429, retryAfterMs: retryAfter * 1000, cause: e });
    }
    case ErrorCode.PlatformError: {
      const code = (e as { data: { error: string } }).data.error;
      if (AUTH_ERRORS.has(code)) {
        return new DeliveryError(`Slack refused the token (${code}): check SLACK_BOT_TOKEN and its scopes (chat:write)`, false, { status: 401, cause: e });
      }
      return new DeliveryError(`Slack answered ${code}`, RETRYABLE_PLATFORM_ERRORS.has(code), { status: 200, cause: e });
    }
    case ErrorCode.HTTPError: {
      const status = (e as { statusCode: number }).statusCode;
      return new DeliveryError(`Slack answered HTTP ${status}`, isRetryableStatus(status), { status, cause: e });
    }
    case ErrorCode.RequestError:
      return new DeliveryError(`Slack could not be reached: ${(e as { original: Error }).original?.message ?? e.message}`, true, { cause: e });
    default:
      return new DeliveryError(`Slack call failed: ${e?.message ?? String(error)}`, true, { cause: error });
  }
}

export const slackVariables: ConnectorDefinition['variables'] = [
  { name: 'SLACK_BOT_TOKEN', description: 'Bot token (xoxb-…) with the chat:write scope', secret: true },
  { name: 'SLACK_SIGNING_SECRET', description: 'Signing secret of the Slack app (for interactive callbacks)', secret: true },
  { name: 'SLACK_API_URL', description: `Web API base URL (default ${SLACK_DEFAULT_API_URL})`, secret: false },
];
