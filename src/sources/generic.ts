import { parsePath, setProperty } from 'dot-prop';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { z } from 'zod';
import { HubError, zodIssues } from '../core/errors.js';
import type { ResponseInput } from '../core/response.js';
import type { Env } from '../core/env.js';
import type { SourceAdapter } from './source.js';
import { parseJsonBody } from './json-body.js';
import { jsonSample, scoreValue } from './sample.js';

/** Field of the normalized response → environment variable with its path, and the default path. */
const FIELDS = {
  score: ['GENERIC_FIELD_SCORE', 'score'],
  comment: ['GENERIC_FIELD_COMMENT', 'comment'],
  email: ['GENERIC_FIELD_EMAIL', 'email'],
  name: ['GENERIC_FIELD_NAME', 'name'],
  responseId: ['GENERIC_FIELD_RESPONSE_ID', 'response_id'],
  surveyId: ['GENERIC_FIELD_SURVEY_ID', 'survey_id'],
  answeredAt: ['GENERIC_FIELD_ANSWERED_AT', 'answered_at'],
} as const;

/** The generic source's own switches, validated at start-up (`sourceSecretProblems`). */
export const GenericSettings = z.object({
  /**
   * `true`: a body without a score at the mapped path is stored as a response with no rating
   * (it runs no recipe). Default `false`: it is refused with 422 naming the configured path, so a
   * wrong `GENERIC_FIELD_SCORE` shows at the first webhook instead of silently doing nothing.
   */
  GENERIC_ALLOW_UNSCORED: z.enum(['true', 'false']).default('false'),
});

/**
 * Any JSON, mapped by configurable field paths (dot-prop syntax: `data.answers[0].value`),
 * signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature`,
 * 5-minute tolerance) by the `standardwebhooks` library.
 */
export const generic: SourceAdapter = {
  name: 'generic',
  title: 'Generic JSON (Standard Webhooks)',
  secretVariable: 'GENERIC_WEBHOOK_SECRET',
  settings: [
    ...Object.values(FIELDS).map(([name, path]) => ({ name, description: `Path of the field in the JSON body (default \`${path}\`)` })),
    { name: 'GENERIC_ALLOW_UNSCORED', description: '`true` to store a body without a score (it runs no recipe); default `false`: 422 naming the score path' },
  ],

  settingsProblems(env) {
    const parsed = GenericSettings.safeParse({ GENERIC_ALLOW_UNSCORED: env.GENERIC_ALLOW_UNSCORED || undefined });
    return parsed.success ? [] : zodIssues(parsed.error);
  },

  secretProblem(secret) {
    try {
      new Webhook(secret);
      return undefined;
    } catch (error) {
      return `must be a Standard Webhooks secret: whsec_ followed by base64 (${(error as Error).message})`;
    }
  },

  verify(request, secret) {
    try {
      // jsonParse off: the library would JSON.parse after verifying and throw a SyntaxError (a 500);
      // the body is parsed once, by parse(), which answers 400 for bad JSON.
      new Webhook(secret).verify(request.text, Object.fromEntries(request.headers), { jsonParse: false });
    } catch (error) {
      if (error instanceof WebhookVerificationError) throw new HubError(401, 'invalid_signature', `Signature rejected: ${error.message}`, [{ field: 'webhook-signature', message: error.message }]);
      throw error;
    }
  },

  sign(body, secret, { now }) {
    const id = `msg_${crypto.randomUUID()}`;
    const signature = new Webhook(secret).sign(id, now, new TextDecoder().decode(body));
    return { headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature } };
  },

  // At the configured paths (GENERIC_FIELD_*), so the hub reads back what was sent.
  sample: (example, v, env) =>
    jsonSample(example, (b) => {
      setProperty(b, fieldPath('responseId', env), v.id);
      if (v.score !== undefined) setProperty(b, fieldPath('score', env), scoreValue(v.score));
      if (v.comment !== undefined) setProperty(b, fieldPath('comment', env), v.comment);
      if (v.email !== undefined) setProperty(b, fieldPath('email', env), v.email);
    }),

  parse(request, env) {
    const body = parseJsonBody(request);
    const responseId = text(body, 'responseId', env);
    if (responseId === null) {
      const path = fieldPath('responseId', env);
      throw new HubError(422, 'invalid_response', `Missing ${path}: every response needs an id (it deduplicates resends)`, [{ field: path, message: 'is required' }]);
    }
    const score = pick(body, 'score', env) ?? null;
    if (score === null && env.GENERIC_ALLOW_UNSCORED !== 'true') {
      const path = fieldPath('score', env);
      throw new HubError(422, 'invalid_response', `Missing ${path}: no score at the configured path (set GENERIC_ALLOW_UNSCORED=true to store unscored responses)`, [{ field: path, message: 'is required' }]);
    }
    return {
      source: 'generic',
      sourceResponseId: responseId as string,
      surveyId: text(body, 'surveyId', env) as string | null,
      score: score as ResponseInput['score'],
      comment: text(body, 'comment', env) as string | null,
      respondent: { email: text(body, 'email', env) as string | null, name: text(body, 'name', env) as string | null },
      answeredAt: text(body, 'answeredAt', env) as string | null,
      extra: {},
    };
  },

  bodyPath: genericFieldPath,
};

function fieldPath(field: keyof typeof FIELDS, env: Env): string {
  return env[FIELDS[field][0]] || FIELDS[field][1];
}

/** Configured paths parsed once by dot-prop (its `getProperty` re-parses, or copies, the path on every call). */
const parsedPaths = new Map<string, readonly (string | number)[]>();

function pick(body: Record<string, unknown>, field: keyof typeof FIELDS, env: Env): unknown {
  const path = fieldPath(field, env);
  let segments = parsedPaths.get(path);
  if (!segments) parsedPaths.set(path, (segments = parsePath(path)));
  // The walk over the parsed segments, own properties only: a path never reaches the prototype
  // (`toString`, `__proto__`), and a path dot-prop refuses (`constructor.x`) parses to nothing.
  if (segments.length === 0) return undefined;
  let value: unknown = body;
  for (const key of segments) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** A text field: numbers become strings (ids often arrive as numbers); other values are left for validation to reject. */
function text(body: Record<string, unknown>, field: keyof typeof FIELDS, env: Env): unknown {
  const v = pick(body, field, env);
  return v === undefined || v === null ? null : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : v;
}

function genericFieldPath(field: string, env: Env): string {
  const map: Record<string, keyof typeof FIELDS> = {
    score: 'score',
    comment: 'comment',
    'respondent.email': 'email',
    'respondent.name': 'name',
    sourceResponseId: 'responseId',
    surveyId: 'surveyId',
    answeredAt: 'answeredAt',
  };
  const key = map[field];
  return key ? fieldPath(key, env) : field;
}
