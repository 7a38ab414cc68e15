import { z } from 'zod';
import { HubError } from '../core/errors.js';
import type { SourceAdapter } from './source.js';
import { signWithTokenQuery, verifySharedToken } from './signature.js';
import { emailOrNull, firstTextAnswer, isoOrNull, readJsonBody, soleNpsAnswer, textOrNull, VendorId } from './vendor-body.js';
import { jsonSample, scoreValue, type JsonExample } from './sample.js';

const NPS_KEY_SETTING = 'REFINER_NPS_KEY';

const Body = z.object({
  uuid: z.string().nullish(),
  remote_id: z.union([z.string(), z.number()]).nullish(),
  email: z.string().nullish(),
  display_name: z.string().nullish(),
  triggered_event: z.string().nullish(),
  form: z.object({ uuid: z.string().nullish(), name: z.string().nullish() }).nullish(),
  account: z.object({ remote_id: z.union([z.string(), z.number()]).nullish(), display_name: z.string().nullish(), domain: z.string().nullish() }).nullish(),
  response: z.object({
    uuid: VendorId,
    completed_at: z.string().nullish(),
    dismissed_at: z.string().nullish(),
    received_at: z.string().nullish(),
    data: z.record(z.string(), z.unknown()).nullish(),
    tags: z.array(z.unknown()).nullish(),
  }),
});

/**
 * Refiner (Integrations → Webhooks). Answers sit in `response.data` under survey-specific
 * identifiers: the score is the only whole-number answer unless REFINER_NPS_KEY names it; the comment is
 * the first text answer. A dismissed survey has no score. Dedupes on `response.uuid`.
 */
export const refiner: SourceAdapter = {
  name: 'refiner',
  title: 'Refiner',
  secretVariable: 'REFINER_WEBHOOK_SECRET',
  settings: [
    {
      name: NPS_KEY_SETTING,
      description: 'Identifier of the NPS question in response.data (Refiner: question → "Identifier"). Only needed when a survey has more than one whole-number answer.',
    },
  ],

  verify: verifySharedToken,
  sign: signWithTokenQuery,
  sample: (example, v, env) =>
    jsonSample(example, (b) => {
      const data: JsonExample = b.response.data;
      const scoreKey = env[NPS_KEY_SETTING] ?? Object.keys(data).find((k) => typeof data[k] === 'number')!;
      b.response.uuid = v.id;
      if (v.score !== undefined) data[scoreKey] = scoreValue(v.score);
      if (v.comment !== undefined) data[Object.keys(data).find((k) => typeof data[k] === 'string')!] = v.comment;
      if (v.email !== undefined) b.email = v.email;
    }),

  parse(request, env) {
    const body = readJsonBody(request, Body, 'Refiner');
    const r = body.response;
    const entries = Object.entries(r.data ?? {});
    const key = env[NPS_KEY_SETTING];
    const nps = key ? (entries.find(([k]) => k === key) ?? null) : soleNpsAnswer(entries, ([, v]) => v);
    if (nps === 'ambiguous') {
      throw new HubError(422, 'invalid_response', `response.data has several whole-number answers; set ${NPS_KEY_SETTING} to the NPS question's identifier`, [
        { field: 'response.data', message: `has several whole-number answers; set ${NPS_KEY_SETTING}` },
      ]);
    }
    const rest = entries.filter((e) => e !== nps);
    return {
      source: 'refiner',
      sourceResponseId: r.uuid,
      surveyId: body.form?.uuid ?? null,
      metric: 'nps',
      score: (nps?.[1] ?? null) as number | string | null,
      comment: firstTextAnswer(rest, ([, v]) => v),
      respondent: {
        email: emailOrNull(body.email),
        name: textOrNull(body.display_name),
        externalId: body.remote_id == null ? null : String(body.remote_id),
      },
      answeredAt: isoOrNull(r.completed_at ?? r.received_at),
      extra: {
        event: r.dismissed_at && !r.completed_at ? 'dismissed' : 'completed',
        triggeredEvent: body.triggered_event ?? null,
        npsKey: nps?.[0] ?? null,
        formName: body.form?.name ?? null,
        account: body.account ?? null,
        tags: r.tags ?? [],
      },
    };
  },

  bodyPath: (field, env) =>
    ({
      score: `response.data.${env[NPS_KEY_SETTING] ?? '<nps identifier>'}`,
      comment: 'response.data.<text identifier>',
      'respondent.email': 'email',
      sourceResponseId: 'response.uuid',
    })[field] ?? field,
};
