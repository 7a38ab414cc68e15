import { z } from 'zod';
import type { Metric } from '../core/response.js';
import { timeRevision, type SourceAdapter } from './source.js';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderScheme } from './signature.js';
import { IgnoredEvent, notAResponse, ratingCategory, readJsonBody, unixToIso, VendorId, VendorScore, VendorText } from './vendor-body.js';
import { jsonSample, scoreValue } from './sample.js';

const SIGNATURE: HmacHeaderScheme = { header: 'X-Delighted-Webhook-Signature', prefix: 'sha256=', hash: 'SHA-256', encoding: 'hex' };

/** Delighted survey types → metric and scale. */
const SURVEY_TYPES: Record<string, { metric: Metric; scale: { min: number; max: number } }> = {
  nps: { metric: 'nps', scale: { min: 0, max: 10 } },
  enps: { metric: 'nps', scale: { min: 0, max: 10 } },
  csat: { metric: 'csat', scale: { min: 1, max: 5 } },
  smileys: { metric: 'csat', scale: { min: 1, max: 5 } },
  ces: { metric: 'ces', scale: { min: 1, max: 7 } },
};

const Body = z.object({
  event_type: z.string(),
  event_id: z.string().nullish(),
  event_data: z.object({
    id: VendorId,
    survey_type: z.string().nullish(),
    score: VendorScore,
    comment: VendorText,
    permalink: z.string().nullish(),
    created_at: z.union([z.number(), z.string()]).nullish(),
    updated_at: z.union([z.number(), z.string()]).nullish(),
    person: z
      .object({ id: z.union([z.string(), z.number()]).nullish(), email: z.string().nullish(), name: z.string().nullish() })
      .nullish(),
    person_properties: z.record(z.string(), z.unknown()).nullish(),
    tags: z.array(z.unknown()).nullish(),
    notes: z.array(z.unknown()).nullish(),
    additional_answers: z.array(z.unknown()).nullish(),
  }),
});

/**
 * Delighted (`survey_response.created` / `.updated`). `updated` carries the same `event_data.id`
 * as `created` — usually with the comment that was not there yet — so it is an update of the
 * same response (`extra.event = 'updated'`). Signed with the project's API key.
 */
export const delighted: SourceAdapter = {
  name: 'delighted',
  title: 'Delighted',
  secretVariable: 'DELIGHTED_WEBHOOK_SECRET',
  settings: [],

  verify: (request, secret) => verifyHmacHeader(request, secret, SIGNATURE),
  sign: (body, secret) => signHmacHeader(secret, SIGNATURE, body),
  sample: (example, v) =>
    jsonSample(example, (b) => {
      b.event_data.id = v.id;
      if (v.score !== undefined) b.event_data.score = scoreValue(v.score);
      if (v.comment !== undefined) b.event_data.comment = v.comment;
      if (v.email !== undefined) b.event_data.person.email = v.email;
    }),

  parse(request) {
    const body = readJsonBody(request, Body, 'Delighted');
    const event = /^survey_response\.(created|updated)$/.exec(body.event_type)?.[1];
    if (!event) throw new IgnoredEvent('event_type', `"${body.event_type}" is not a survey response event (subscribe to survey_response.created and .updated only)`);
    const d = body.event_data;
    const surveyType = (d.survey_type ?? 'nps').toLowerCase();
    const kind = SURVEY_TYPES[surveyType];
    if (!kind) throw notAResponse('event_data.survey_type', `"${d.survey_type}" is not supported (one of ${Object.keys(SURVEY_TYPES).join(', ')})`);
    return {
      source: 'delighted',
      sourceResponseId: d.id,
      metric: kind.metric,
      scale: kind.scale,
      score: d.score ?? null,
      category: kind.metric === 'nps' ? null : ratingCategory(d.score, kind.scale),
      comment: d.comment ?? null,
      respondent: {
        email: d.person?.email ?? null,
        name: d.person?.name ?? null,
        externalId: d.person?.id == null ? null : String(d.person.id),
      },
      answeredAt: unixToIso(d.created_at),
      extra: {
        event,
        eventId: body.event_id ?? null,
        surveyType,
        updatedAt: unixToIso(d.updated_at),
        permalink: d.permalink ?? null,
        personProperties: d.person_properties ?? {},
        tags: d.tags ?? [],
        additionalAnswers: d.additional_answers ?? [],
      },
    };
  },

  // `event_data.updated_at`: an `updated` event older than the stored one is refused.
  revision: (r) => timeRevision(r.extra.updatedAt),

  bodyPath: (field) =>
    ({
      score: 'event_data.score',
      comment: 'event_data.comment',
      'respondent.email': 'event_data.person.email',
      'respondent.name': 'event_data.person.name',
      sourceResponseId: 'event_data.id',
    })[field] ?? field,
};
