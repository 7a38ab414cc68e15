import { z } from 'zod';
import { HubError, zodIssues } from '../core/errors.js';
import type { Category } from '../core/response.js';
import { IsoDateTime, isoFromMillis } from '../core/time.js';
import { parseJsonBody } from './json-body.js';
import type { WebhookRequest } from './source.js';

/**
 * Validate a vendor's body against the shape its adapter reads; a 422 names every missing or
 * wrong field by the vendor's own path (`event_data.person.email`). Unknown fields are ignored,
 * so vendors may add fields freely.
 */
export function readVendorBody<S extends z.ZodType>(schema: S, body: unknown, title: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error);
  throw new HubError(422, 'invalid_response', `Not a ${title} webhook body: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`, issues);
}

/** The JSON body validated by `schema` (400 for broken JSON, 422 naming what does not fit). */
export function readJsonBody<S extends z.ZodType>(request: WebhookRequest, schema: S, title: string): z.output<S> {
  return readVendorBody(schema, parseJsonBody(request), title);
}

/** 422 for a body in the source's format that is not a survey response (an event we do not take). */
/**
 * A well-formed, (when configured) signed event from the tool that is not a response: a ping
 * when the webhook is set up, a test message, an unsubscribe. The webhook answers 200
 * `{ ignored: true, reason }` and stores nothing — a 4xx would make the tool's "test" button
 * fail, and some tools disable a webhook that keeps failing.
 */
export class IgnoredEvent extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = 'IgnoredEvent';
  }
}

export function notAResponse(field: string, message: string): HubError {
  return new HubError(422, 'invalid_response', `${field} ${message}`, [{ field, message }]);
}

/** An id vendors send as a number or a string; stored as a string. */
export const VendorId = z.union([z.string().trim().min(1, 'is required'), z.number()]).transform(String);

/**
 * Why an id cannot be one segment of a vendor API path, or undefined when it can: `.` and `..`
 * (a URL parser resolves them, also as `%2e`, moving the call elsewhere with the hub's token),
 * and `/ \\ ? # %`, whitespace and control characters.
 */
export function pathSegmentProblem(id: string): string | undefined {
  if (id === '.' || id === '..') return 'must not be "." or ".." (it would change the API path the hub calls)';
  if (/[/\\?#%\s\u0000-\u001f\u007f]/.test(id)) return 'must not contain "/", "\\", "?", "#", "%", spaces or control characters (it would change the API path the hub calls)';
  return undefined;
}

const refinePathSegment = (id: string, ctx: z.RefinementCtx) => {
  const problem = pathSegmentProblem(id);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};

/** A {@link VendorId} that goes into a vendor's URL (`/surveys/{survey_id}/…`): 422 for a path trick. */
export const VendorPathId = VendorId.superRefine(refinePathSegment);

/** A required text id that goes into a vendor's URL: 422 for a path trick. */
export const VendorPathText = z.string().trim().min(1, 'is required').superRefine(refinePathSegment);

/** A score as sent (number or numeric string, or nothing): validated later against the metric's scale. */
export const VendorScore = z.union([z.number(), z.string(), z.null()]).optional();

/** Optional text (null and absent are the same). */
export const VendorText = z.string().nullish();

/** A score as a number, or NaN when it is not one (the normalized schema reports it). */
export function scoreNumber(score: unknown): number {
  if (typeof score === 'number') return score;
  if (typeof score === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(score)) return Number(score);
  return Number.NaN;
}

/**
 * Category of a CSAT/CES rating on `scale`: above the midpoint satisfied, at it neutral, below it
 * dissatisfied (1–5: 4–5 / 3 / 1–2; 1–7: 5–7 / 4 / 1–3; 0–1: 1 / – / 0). Null without a valid score.
 */
export function ratingCategory(score: unknown, scale: { min: number; max: number }): Category | null {
  const n = scoreNumber(score);
  if (!Number.isInteger(n) || n < scale.min || n > scale.max) return null;
  const mid = (scale.min + scale.max) / 2;
  return n > mid ? 'satisfied' : n === mid ? 'neutral' : 'dissatisfied';
}

/** Unix seconds (number or numeric string) → ISO-8601 UTC; null when absent, not a number or not a four-digit year. */
export function unixToIso(seconds: unknown): string | null {
  const n = scoreNumber(seconds);
  return n > 0 ? isoFromMillis(n * 1000) : null;
}

/** An ISO-8601 timestamp as sent, or null when absent or unreadable (never a reason to reject a response). */
export function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;
  const parsed = IsoDateTime.safeParse(text);
  return parsed.success ? parsed.data : isoFromMillis(Date.parse(text));
}

/** The string as sent when it is not blank, or null. */
export function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** Built once, as {@link IsoDateTime} is: a zod format per call costs several µs per webhook. */
const Email = z.email();

/** A valid-looking email or null: a malformed address in an optional field must not reject a response. */
export function emailOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim();
  return Email.safeParse(email).success ? email : null;
}

/**
 * Zero-config NPS detection for tools whose answers carry no question type: the only answer that
 * is a whole number (an out-of-range one is then rejected by the 0–10 check, not silently
 * skipped). Null with none, `'ambiguous'` with several (configure which one).
 */
export function soleNpsAnswer<T>(answers: readonly T[], value: (a: T) => unknown): T | null | 'ambiguous' {
  const numeric = answers.filter((a) => Number.isInteger(scoreNumber(value(a))));
  if (numeric.length > 1) return 'ambiguous';
  return numeric[0] ?? null;
}

/** The first answer that is free text (a string that is not a number). */
export function firstTextAnswer<T>(answers: readonly T[], value: (a: T) => unknown): string | null {
  for (const a of answers) {
    const v = value(a);
    if (typeof v === 'string' && v.trim() !== '' && Number.isNaN(scoreNumber(v))) return v;
  }
  return null;
}
