import type { Env } from '../core/env.js';
import type { NormalizedResponse, ResponseInput, StoredResponse } from '../core/response.js';
import type { SourceSampler } from './sample.js';

/** A webhook request as a source sees it: headers and the exact bytes received. */
export interface WebhookRequest {
  headers: Headers;
  /** The raw body, undecoded: signatures are computed over these bytes. */
  rawBody: Uint8Array;
  /** The body as UTF-8 text. */
  text: string;
  contentType: string;
  /** The full request URL as received (query included), for tools that sign it or carry a token in it. */
  url?: string;
}

/**
 * A survey tool: how to check its signature and how to read its body. One file per source
 * under `src/sources/`, registered with one line in `registry.ts`.
 */
export interface SourceAdapter {
  /** URL segment: `POST /webhooks/<name>`. */
  name: string;
  title: string;
  /** Environment variable holding the signing secret, e.g. TYPEFORM_WEBHOOK_SECRET. */
  secretVariable: string;
  /**
   * Other settings it reads (e.g. which question is the NPS one), for `closeloop sources` and the
   * README. `secret: true` (an API token) keeps its value out of errors, logs and the database.
   */
  settings: readonly { name: string; description: string; secret?: boolean }[];
  /** Check the signature over the raw bytes; throw a 401 HubError when it does not match. */
  verify(request: WebhookRequest, secret: string): Promise<void> | void;
  /** Sign a body as the tool does (`closeloop send`): what `verify` checks, from the sender's side. */
  sign?: SourceSampler['sign'];
  /** The tool's example body (`samples/<name>.json`) with given values in place (`closeloop send`). */
  sample?: SourceSampler['sample'];
  /** Settings of the source with a bad value, checked at start-up with the secrets. Default: none. */
  settingsProblems?(env: Env): import('../core/errors.js').FieldIssue[];
  /** Why a configured secret cannot work (wrong format), checked at start-up; undefined when fine. */
  secretProblem?(secret: string): string | undefined;
  /** Read the body into a normalized response; throw a 422 HubError naming what is missing. */
  parse(request: WebhookRequest, env: Env): ResponseInput | Promise<ResponseInput>;
  /**
   * The tool's own order of a response's versions, where it sends one: its update time (epoch ms)
   * or update counter. A webhook older than the version stored is refused (a replay, or delivered
   * out of order; see src/store/replay-guard.ts). Absent or null: only replayed bodies are refused.
   */
  revision?(response: NormalizedResponse): number | null;
  /** Where a normalized field (`score`, `respondent.email`) sits in this source's body, for error messages. */
  bodyPath?(field: string, env: Env): string;
  /**
   * For tools whose webhook carries no answers (SurveyMonkey, Qualtrics): `parse` returns a
   * not-yet-scored stub whose `extra.pendingFetch` says what to read, and the response's plan
   * job calls this (never the request path) to read the answers through the vendor's API.
   * Throws a DeliveryError: retryable (network, timeout, 429, 5xx) or permanent (401, 404,
   * a missing variable), with a message naming the variable to fix.
   */
  fetch?(stub: StoredResponse, env: Env): Promise<ResponseInput>;
}

/** An ISO time as a revision (epoch ms), or null when absent or unreadable. */
export function timeRevision(iso: unknown): number | null {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) ? ms : null;
}

/** Key in `extra` of a stub whose answers must still be read through the vendor's API. */
export const PENDING_FETCH = 'pendingFetch';

/** What a stub asks to fetch (ids as the vendor names them), or undefined for a complete response. */
export function pendingFetchOf(response: { extra: Record<string, unknown> }): Record<string, string> | undefined {
  const pending = response.extra[PENDING_FETCH];
  return pending && typeof pending === 'object' ? (pending as Record<string, string>) : undefined;
}
