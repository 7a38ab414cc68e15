// jsforce's Connection and OAuth2 alone: its main module also loads every API (bulk, metadata, streaming…).
import { Connection } from 'jsforce/lib/connection.js';
import { OAuth2 } from 'jsforce/lib/oauth2.js';
import { Transport } from 'jsforce/lib/transport.js';
import * as browserRequest from 'jsforce/lib/browser/request.js';
import { StreamPromise } from 'jsforce/lib/util/promise.js';
import type { HttpRequest, HttpRequestOptions, HttpResponse } from 'jsforce/lib/types/common.js';
import { z } from 'zod';
import { parseEnv } from '../../src/core/config.js';
import { HubError } from '../../src/core/errors.js';
import { DeliveryError, isRetryableStatus, parseRetryAfter } from '../../src/core/delivery-error.js';
import type { ConnectorDefinition, Env } from '../connector.js';
import { httpTimeoutMs } from '../http-timeout.js';
import { runsOnWorkers } from '../workers-runtime.js';
import { DEFAULT_NPS_FIELDS } from './params.js';

export const SALESFORCE_DEFAULT_API_VERSION = '62.0';

const Settings = z.object({
  SALESFORCE_INSTANCE_URL: z.url('must be a URL such as https://mycompany.my.salesforce.com').transform((u) => u.replace(/\/+$/, '')),
  SALESFORCE_ACCESS_TOKEN: z.string().optional(),
  SALESFORCE_CLIENT_ID: z.string().optional(),
  SALESFORCE_CLIENT_SECRET: z.string().optional(),
  SALESFORCE_LOGIN_URL: z.url().transform((u) => u.replace(/\/+$/, '')).optional(),
  SALESFORCE_API_VERSION: z.string().regex(/^\d{2,3}\.0$/, 'must be an API version such as 62.0').default(SALESFORCE_DEFAULT_API_VERSION),
});
export type SalesforceSettings = z.output<typeof Settings>;

export function salesforceSettings(env: Env): SalesforceSettings {
  return parseEnv(Settings, env);
}

/** Salesforce answered with an error status (thrown by {@link JobRunnerTransport}). */
export class SalesforceHttpError extends Error {
  readonly status: number;
  readonly errorCode: string | null;
  readonly retryAfterMs: number | undefined;
  /** The OAuth token endpoint answered (not the REST API). */
  readonly tokenRequest: boolean;

  constructor(response: HttpResponse, tokenRequest: boolean) {
    const { errorCode, message } = salesforceErrorBody(response.body);
    super(`HTTP ${response.statusCode}${errorCode ? ` ${errorCode}` : ''}${message ? `: ${message}` : ''}`);
    this.name = 'SalesforceHttpError';
    this.status = response.statusCode;
    this.errorCode = errorCode;
    this.retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    this.tokenRequest = tokenRequest;
  }
}

/** REST errors are `[{ message, errorCode }]`; OAuth errors `{ error, error_description }`. */
function salesforceErrorBody(body: string): { errorCode: string | null; message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { errorCode: null, message: '' };
  }
  const first = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown> | undefined;
  const errorCode = typeof first?.errorCode === 'string' ? first.errorCode : typeof first?.error === 'string' ? first.error : null;
  const message = typeof first?.message === 'string' ? first.message : typeof first?.error_description === 'string' ? first.error_description : '';
  return { errorCode, message: message.slice(0, 500) };
}

/**
 * jsforce's HTTP transport with its own retries off (it retries GET/PUT/DELETE 5× on 429/5xx
 * by default), a time limit (its default is 30 minutes), and every error status thrown with
 * its status and `Retry-After`, which jsforce's own errors do not carry. The job runner alone
 * decides when to try again.
 */
class JobRunnerTransport extends Transport {
  constructor(
    private readonly timeoutMs: number,
    private readonly tokenRequests: boolean,
    private readonly overFetch: boolean,
  ) {
    super();
  }

  /** jsforce's own fetch-based request (its browser build's) in place of node-fetch, when asked. */
  override getRequestStreamCreator() {
    return this.overFetch ? fetchRequest() : super.getRequestStreamCreator();
  }

  override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}): StreamPromise<HttpResponse> {
    const inner = super.httpRequest(req, { ...options, retry: { maxRetries: 0 }, timeout: this.timeoutMs });
    return StreamPromise.create(() => ({
      stream: inner.stream(),
      promise: inner.then((res) => {
        if (res.statusCode >= 400) throw new SalesforceHttpError(res, this.tokenRequests);
        return res;
      }),
    }));
  }
}

type RequestStreamCreator = ReturnType<Transport['getRequestStreamCreator']>;

/** The module's CommonJS default export: bundlers hand over `exports.default`, Node-style interop the exports object. */
function fetchRequest(): RequestStreamCreator {
  const d = (browserRequest as unknown as { default: RequestStreamCreator | { default: RequestStreamCreator } }).default;
  return typeof d === 'function' ? d : d.default;
}

/**
 * A jsforce connection on `SALESFORCE_INSTANCE_URL` with an explicit API version, authorized by
 * `SALESFORCE_ACCESS_TOKEN` or by the OAuth client credentials flow (token fetched on first
 * use from `SALESFORCE_LOGIN_URL`, fetched again once when Salesforce answers 401).
 */
export interface SalesforceClient {
  settings: SalesforceSettings;
  /** Run calls on an authorized connection. */
  call<T>(fn: (conn: Connection) => Promise<T>): Promise<T>;
}

export function createSalesforceClient(env: Env): SalesforceClient {
  const settings = salesforceSettings(env);
  const timeoutMs = httpTimeoutMs(env);
  // On Workers jsforce's node-fetch transport sends the request and then never resolves.
  const overFetch = runsOnWorkers();
  const transport = new JobRunnerTransport(timeoutMs, false, overFetch);
  const conn = new Connection({
    instanceUrl: settings.SALESFORCE_INSTANCE_URL,
    accessToken: settings.SALESFORCE_ACCESS_TOKEN,
    version: settings.SALESFORCE_API_VERSION,
  });
  conn._transport = transport;
  const clientCredentials = !settings.SALESFORCE_ACCESS_TOKEN && settings.SALESFORCE_CLIENT_ID && settings.SALESFORCE_CLIENT_SECRET;
  let oauth2: OAuth2 | undefined;
  if (clientCredentials) {
    oauth2 = new OAuth2({
      // The client credentials flow runs against the org's My Domain, i.e. the instance by default.
      loginUrl: settings.SALESFORCE_LOGIN_URL ?? settings.SALESFORCE_INSTANCE_URL,
      clientId: settings.SALESFORCE_CLIENT_ID,
      clientSecret: settings.SALESFORCE_CLIENT_SECRET,
    });
    oauth2._transport = new JobRunnerTransport(timeoutMs, true, overFetch);
  }
  let token: Promise<void> | null = null;
  const authorize = () => {
    token ??= oauth2!
      .requestToken({ grant_type: 'client_credentials' })
      .then((res) => {
        conn.accessToken = res.access_token;
      })
      .catch((error) => {
        token = null;
        throw error;
      });
    return token;
  };

  return {
    settings,
    async call(fn) {
      if (!oauth2) return fn(conn);
      await authorize();
      try {
        return await fn(conn);
      } catch (error) {
        // An expired client-credentials token: fetch a new one and try once more.
        if (!(error instanceof SalesforceHttpError) || error.status !== 401 || error.tokenRequest) throw error;
        token = null;
        await authorize();
        return fn(conn);
      }
    },
  };
}

/** `closeloop check --connectors`: describe Contact (harmless) proves the token, the API version and Contact access. */
export async function verifySalesforce(client: SalesforceClient): Promise<string> {
  const describe = await client.call((conn) => conn.sobject('Contact').describe());
  const names = new Set(describe.fields.map((f) => f.name));
  const missing = Object.values(DEFAULT_NPS_FIELDS).filter((f) => !names.has(f));
  return `API v${client.settings.SALESFORCE_API_VERSION}, Contact readable${missing.length ? `; Contact lacks ${missing.join(', ')} (needed by salesforce.updateContact with default fields)` : ''}`;
}

/** Salesforce error codes that mean "later", whatever the status (the daily API limit is a 403). */
const RETRYABLE_ERROR_CODES = new Set(['REQUEST_LIMIT_EXCEEDED', 'SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW']);

/**
 * 401 is permanent and names the credential (the access token, or the client id/secret when
 * the token endpoint refuses them); 400/403/404/422 are permanent; 429, 5xx, the daily API
 * limit, timeouts and network failures are retryable.
 */
export function classifySalesforceError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof HubError) return new DeliveryError(error.message, false, { cause: error });
  if (error instanceof SalesforceHttpError) {
    const { status } = error;
    if (error.tokenRequest && status < 500 && status !== 429) {
      return new DeliveryError(
        `Salesforce refused the client credentials (${error.message}): check SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET and SALESFORCE_LOGIN_URL`,
        false,
        { status, cause: error },
      );
    }
    if (status === 401) {
      return new DeliveryError(
        `Salesforce refused the access token (${error.message}): check SALESFORCE_ACCESS_TOKEN (or SALESFORCE_CLIENT_ID/SALESFORCE_CLIENT_SECRET)`,
        false,
        { status, cause: error },
      );
    }
    const retryable = isRetryableStatus(status) || (error.errorCode !== null && RETRYABLE_ERROR_CODES.has(error.errorCode));
    return new DeliveryError(`Salesforce answered ${error.message}`, retryable, { status, retryAfterMs: error.retryAfterMs, cause: error });
  }
  const e = error as Error | undefined;
  return new DeliveryError(`Salesforce could not be reached: ${e?.message ?? String(error)}`, true, { cause: error });
}

export const salesforceVariables: ConnectorDefinition['variables'] = [
  { name: 'SALESFORCE_INSTANCE_URL', description: 'Your org’s URL, e.g. https://mycompany.my.salesforce.com (also the base URL of every call)', secret: false },
  { name: 'SALESFORCE_ACCESS_TOKEN', description: 'OAuth access token of an integration user with API Enabled and read/edit on Contact, Account and Task', secret: true },
  { name: 'SALESFORCE_CLIENT_ID', description: 'Or: consumer key of a connected app with the client credentials flow enabled (run-as user as above)', secret: false },
  { name: 'SALESFORCE_CLIENT_SECRET', description: 'Consumer secret of that connected app', secret: true },
  { name: 'SALESFORCE_LOGIN_URL', description: 'Token endpoint host for client credentials (default SALESFORCE_INSTANCE_URL)', secret: false },
  { name: 'SALESFORCE_API_VERSION', description: `REST API version (default ${SALESFORCE_DEFAULT_API_VERSION}; jsforce alone would use 50.0)`, secret: false },
];
