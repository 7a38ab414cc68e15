import type { Env } from '../core/env.js';
import { httpTimeoutMs } from '../../connectors/http-timeout.js';
import { DeliveryError, isRetryableStatus, parseRetryAfter } from '../core/delivery-error.js';
import { pathSegmentProblem } from './vendor-body.js';

/**
 * A survey vendor's REST API as the sources that fetch responses use it (SurveyMonkey,
 * Qualtrics publish no official JS SDK, so this is plain `fetch`, which runs on Node and
 * Workers alike). Every failure becomes a {@link DeliveryError} so the plan job retries or
 * dead-letters with a message that names the variable to fix.
 */
export interface VendorApi {
  /** Vendor name for messages: `SurveyMonkey`. */
  vendor: string;
  /** Base URL without a trailing slash. */
  baseUrl: string;
  /** Auth headers (never logged, never stored). */
  headers: Record<string, string>;
  /** Variable holding the token, named when the vendor refuses it. */
  tokenVariable: string;
  /** Variable holding the base URL, named when the vendor answers 404. */
  baseUrlVariable: string;
  /** Abort a read after this many milliseconds (a retryable failure). */
  timeoutMs: number;
}

/** A permanent failure naming a missing variable: nothing to retry until someone sets it. */
export function missingVariable(vendor: string, variable: string, why: string): DeliveryError {
  return new DeliveryError(`${vendor}: ${variable} is not set; ${why}`, false);
}

/** `CLOSELOOP_HTTP_TIMEOUT_MS`, shared with the connectors (default 15 s). */
export function fetchTimeoutMs(env: Env): number {
  return httpTimeoutMs(env);
}

/**
 * An id as one encoded path segment. The webhook already refused path tricks (422); a stub stored
 * before that check dead-letters here instead of calling another path with the token.
 */
export function pathSegment(id: string, field: string): string {
  const problem = pathSegmentProblem(id);
  if (problem) throw new DeliveryError(`${field} ${JSON.stringify(id)} ${problem}`, false);
  return encodeURIComponent(id);
}

/** `GET base + path` and the parsed JSON body. */
export async function getVendorJson(api: VendorApi, path: string): Promise<unknown> {
  const where = `GET ${path}`;
  let answer: Response;
  try {
    answer = await fetch(api.baseUrl + path, {
      method: 'GET',
      headers: { accept: 'application/json', ...api.headers },
      signal: AbortSignal.timeout(api.timeoutMs),
    });
  } catch (error) {
    const e = error as Error;
    const why = e?.name === 'TimeoutError' ? `no answer within ${api.timeoutMs} ms` : (e?.message ?? String(error));
    throw new DeliveryError(`${api.vendor} API could not be reached (${where}): ${why}`, true, { cause: error });
  }
  if (!answer.ok) {
    const status = answer.status;
    const detail = await answerDetail(answer);
    if (status === 401 || status === 403) {
      throw new DeliveryError(
        `${api.vendor} refused ${api.tokenVariable} (HTTP ${status} on ${where})${detail}: check the token, its scopes and that it belongs to the survey's account`,
        false,
        { status },
      );
    }
    if (status === 404) {
      throw new DeliveryError(
        `${api.vendor} has no such response (HTTP 404 on ${where})${detail}: check ${api.baseUrlVariable} (data centre) and that ${api.tokenVariable} belongs to the survey's account`,
        false,
        { status },
      );
    }
    throw new DeliveryError(`${api.vendor} answered HTTP ${status} on ${where}${detail}`, isRetryableStatus(status), {
      status,
      retryAfterMs: parseRetryAfter(answer.headers.get('retry-after')),
    });
  }
  try {
    return await answer.json();
  } catch (error) {
    // A proxy's HTML page or a cut-off body: worth another try.
    throw new DeliveryError(`${api.vendor} answered ${where} with a body that is not JSON`, true, { status: answer.status, cause: error });
  }
}

/**
 * What the vendor said, short: the message of its JSON error (SurveyMonkey `error.message`,
 * Qualtrics `meta.error.errorMessage`), else an excerpt of the body. Never the request's headers.
 */
async function answerDetail(answer: Response): Promise<string> {
  let text: string;
  try {
    text = (await answer.text()).trim();
  } catch {
    return '';
  }
  let message: unknown;
  try {
    const json = JSON.parse(text) as { error?: { message?: unknown } | string; meta?: { error?: { errorMessage?: unknown } }; message?: unknown };
    message = (typeof json.error === 'object' ? json.error?.message : json.error) ?? json.meta?.error?.errorMessage ?? json.message;
  } catch {
    message = undefined;
  }
  const detail = (typeof message === 'string' ? message : text).replace(/\s+/g, ' ').slice(0, 200);
  return detail ? `: ${detail}` : '';
}
