import type { z } from 'zod';

/** One problem with the input: where (a dotted path, a header, a variable) and why. */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * An error a client caused or must know about, with the HTTP status it maps to.
 * The one error class the HTTP layer turns into an answer (like Hono's HTTPException).
 */
export class HubError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 503,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HubError';
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, issues: this.issues } };
  }
}

/** Dotted path of a zod issue: `respondent.email`, `answers[2].number`. */
export function issuePath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out || '(root)';
}

/** Field-level issues of a zod error, paths optionally mapped back to the input's own names. */
export function zodIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((i) => ({ field: issuePath(i.path, prefix), message: i.message }));
}

/** 422 naming every field zod rejected. */
export function invalid(error: z.ZodError, what: string, prefix = ''): HubError {
  const issues = zodIssues(error, prefix);
  const first = issues[0];
  const summary = first ? `${first.field}: ${first.message}` : 'invalid';
  return new HubError(422, 'invalid_' + what, `Invalid ${what}: ${summary}`, issues);
}
