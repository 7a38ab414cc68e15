import qs from 'qs';
import { z } from 'zod';
import type { Metric } from '../core/response.js';
import { parseJsonBody } from './json-body.js';
import { timeRevision, type SourceAdapter, type WebhookRequest } from './source.js';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderScheme } from './signature.js';
import { isoOrNull, notAResponse, ratingCategory, readVendorBody, VendorId, VendorScore, VendorText } from './vendor-body.js';
import { jsonSample, scoreValue } from './sample.js';

const SIGNATURE: HmacHeaderScheme = { header: 'X-Wootric-Signature', prefix: 'sha1=', hash: 'SHA-1', encoding: 'hex' };

const MODES: Record<string, { metric: Metric; scale: { min: number; max: number } }> = {
  NPS: { metric: 'nps', scale: { min: 0, max: 10 } },
  CSAT: { metric: 'csat', scale: { min: 1, max: 5 } },
  CES: { metric: 'ces', scale: { min: 1, max: 7 } },
};

const Person = {
  id: VendorId,
  email: z.string().nullish(),
  external_id: z.union([z.string(), z.number()]).nullish(),
  end_user_id: z.union([z.string(), z.number()]).nullish(),
  end_user_properties: z.record(z.string(), z.unknown()).nullish(),
  survey_id: z.union([z.string(), z.number()]).nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
};
const ResponseBody = z.object({
    response: z.object({ ...Person, score: VendorScore, text: VendorText, excluded_from_calculations: z.union([z.boolean(), z.string()]).nullish() }),
    event_name: z.string().nullish(),
    survey_mode: z.string().nullish(),
    account_token: z.string().nullish(),
});
const DeclineBody = z.object({ decline: z.object(Person), event_name: z.string().nullish(), survey_mode: z.string().nullish(), account_token: z.string().nullish() });

/**
 * Wootric / InMoment. JSON or URL-encoded (`response[score]=7`) bodies; `created` and `updated`
 * events share `response.id` (an update: `extra.event = 'updated'`). A decline is stored as a
 * not-scored response (`decline-<id>`). Scores and flags may arrive as strings.
 */
export const wootric: SourceAdapter = {
  name: 'wootric',
  title: 'Wootric (InMoment)',
  secretVariable: 'WOOTRIC_WEBHOOK_SECRET',
  settings: [],

  verify: (request, secret) => verifyHmacHeader(request, secret, SIGNATURE),
  sign: (body, secret) => signHmacHeader(secret, SIGNATURE, body),
  sample: (example, v) =>
    jsonSample(example, (b) => {
      b.response.id = v.id;
      if (v.score !== undefined) b.response.score = scoreValue(v.score);
      if (v.comment !== undefined) b.response.text = v.comment;
      if (v.email !== undefined) b.response.email = v.email;
    }),

  parse(request) {
    const raw = wootricBody(request);
    if (!('response' in raw) && !('decline' in raw)) throw notAResponse('response', 'is missing (a response event has `response`, a decline `decline`)');
    const body = 'decline' in raw ? readVendorBody(DeclineBody, raw, 'Wootric') : readVendorBody(ResponseBody, raw, 'Wootric');
    const mode = (body.survey_mode ?? 'NPS').toUpperCase();
    const kind = MODES[mode];
    if (!kind) throw notAResponse('survey_mode', `"${body.survey_mode}" is not one of NPS, CSAT, CES`);
    const event = body.event_name === 'updated' ? 'updated' : 'created';
    const common = { source: 'wootric', metric: kind.metric, scale: kind.scale };
    if ('decline' in body) {
      const d = body.decline;
      return {
        ...common,
        sourceResponseId: `decline-${d.id}`,
        surveyId: d.survey_id == null ? null : String(d.survey_id),
        score: null,
        respondent: { email: d.email ?? null, name: null, externalId: d.external_id == null ? null : String(d.external_id) },
        answeredAt: isoOrNull(d.created_at),
        extra: { event, declined: true, endUserId: d.end_user_id ?? null, endUserProperties: d.end_user_properties ?? {} },
      };
    }
    const r = body.response;
    return {
      ...common,
      sourceResponseId: r.id,
      surveyId: r.survey_id == null ? null : String(r.survey_id),
      score: r.score ?? null,
      category: kind.metric === 'nps' ? null : ratingCategory(r.score, kind.scale),
      comment: r.text ?? null,
      respondent: { email: r.email ?? null, name: null, externalId: r.external_id == null ? null : String(r.external_id) },
      answeredAt: isoOrNull(r.created_at),
      extra: {
        event,
        excludedFromCalculations: r.excluded_from_calculations === true || r.excluded_from_calculations === 'true',
        endUserId: r.end_user_id ?? null,
        endUserProperties: r.end_user_properties ?? {},
        updatedAt: isoOrNull(r.updated_at),
        accountToken: body.account_token ?? null,
      },
    };
  },

  // `response.updated_at`: an `updated` event older than the stored one is refused.
  revision: (r) => timeRevision(r.extra.updatedAt),

  bodyPath: (field) =>
    ({ score: 'response.score', comment: 'response.text', 'respondent.email': 'response.email', sourceResponseId: 'response.id' })[field] ?? field,
};

/** Wootric posts JSON or, depending on the account's setting, bracketed form fields (parsed by qs). */
function wootricBody(request: WebhookRequest): Record<string, unknown> {
  if (request.contentType.includes('application/x-www-form-urlencoded')) return qs.parse(request.text, { depth: 3 });
  return parseJsonBody(request);
}
