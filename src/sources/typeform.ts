import { z } from 'zod';
import { HubError } from '../core/errors.js';
import type { SourceAdapter } from './source.js';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderScheme } from './signature.js';
import { IgnoredEvent, emailOrNull, isoOrNull, readJsonBody, textOrNull, VendorId } from './vendor-body.js';
import { jsonSample, scoreValue, type JsonExample } from './sample.js';

const SIGNATURE: HmacHeaderScheme = { header: 'Typeform-Signature', prefix: 'sha256=', hash: 'SHA-256', encoding: 'base64' };

const NPS_FIELD_SETTING = 'TYPEFORM_NPS_FIELD_REF';
/** Field types that hold a 0–10 scale answer. */
const SCALE_TYPES = new Set(['nps', 'opinion_scale']);

const Field = z.object({ id: z.string().optional(), type: z.string(), ref: z.string().nullish() });
const Answer = z.object({
  type: z.string(),
  field: Field,
  number: z.union([z.number(), z.string()]).nullish(),
  text: z.string().nullish(),
  email: z.string().nullish(),
});
const Body = z.object({
  event_id: z.string().optional(),
  event_type: z.string(),
  form_response: z.object({
    form_id: z.string().min(1, 'is required'),
    token: VendorId,
    submitted_at: z.string().nullish(),
    landed_at: z.string().nullish(),
    hidden: z.record(z.string(), z.unknown()).nullish(),
    calculated: z.object({ score: z.number().nullish() }).nullish(),
    definition: z
      .object({
        title: z.string().nullish(),
        fields: z.array(z.object({ type: z.string(), ref: z.string().nullish(), properties: z.record(z.string(), z.unknown()).nullish() })).nullish(),
      })
      .nullish(),
    answers: z.array(Answer).nullish(),
  }),
});
type Body = z.output<typeof Body>;

/**
 * Typeform (`form_response` webhooks). Zero-config: the NPS answer is the `nps`/`opinion_scale`
 * field (set TYPEFORM_NPS_FIELD_REF when a form has several), the comment the first long-text
 * answer, the email an email answer or the `email` hidden field. Dedupes on `form_response.token`.
 */
export const typeform: SourceAdapter = {
  name: 'typeform',
  title: 'Typeform',
  secretVariable: 'TYPEFORM_WEBHOOK_SECRET',
  settings: [
    {
      name: NPS_FIELD_SETTING,
      description: 'Ref of the NPS question (Typeform: question settings → "Question reference"). Only needed when the form has more than one opinion-scale/NPS question.',
    },
  ],

  verify: (request, secret) => verifyHmacHeader(request, secret, SIGNATURE),
  sign: (body, secret) => signHmacHeader(secret, SIGNATURE, body),
  sample: (example, v) =>
    jsonSample(example, (b) => {
      const answers: JsonExample[] = b.form_response.answers;
      b.form_response.token = v.id;
      if (v.score !== undefined) answers.find((a) => SCALE_TYPES.has(a.field.type))!.number = scoreValue(v.score);
      if (v.comment !== undefined) answers.find((a) => a.field.type === 'long_text')!.text = v.comment;
      if (v.email !== undefined) answers.find((a) => a.type === 'email')!.email = v.email;
    }),

  parse(request, env) {
    const body = readJsonBody(request, Body, 'Typeform');
    if (body.event_type !== 'form_response' && body.event_type !== 'form_response_partial') {
      throw new IgnoredEvent('event_type', `"${body.event_type}" is not a form response`);
    }
    const r = body.form_response;
    const answers = r.answers ?? [];
    const nps = npsAnswer(body, env[NPS_FIELD_SETTING]);
    const comment = answers.find((a) => a.field.type === 'long_text') ?? answers.find((a) => a.field.type === 'short_text');
    const hidden = r.hidden ?? {};
    const email = answers.find((a) => a.type === 'email')?.email ?? emailOrNull(hidden.email);
    return {
      source: 'typeform',
      sourceResponseId: r.token,
      surveyId: r.form_id,
      metric: 'nps',
      score: nps?.number ?? null,
      comment: comment?.text ?? null,
      respondent: { email: email ?? null, name: textOrNull(hidden.name), externalId: null },
      answeredAt: isoOrNull(r.submitted_at),
      extra: {
        event: body.event_type === 'form_response_partial' ? 'partial' : 'created',
        eventId: body.event_id ?? null,
        hidden,
        formTitle: r.definition?.title ?? null,
        npsFieldRef: nps?.field.ref ?? null,
      },
    };
  },

  bodyPath(field, env) {
    const ref = env[NPS_FIELD_SETTING];
    const paths: Record<string, string> = {
      score: ref ? `form_response.answers[field.ref=${ref}].number` : 'form_response.answers[field.type=opinion_scale].number',
      comment: 'form_response.answers[field.type=long_text].text',
      'respondent.email': 'form_response.answers[type=email].email',
      sourceResponseId: 'form_response.token',
      surveyId: 'form_response.form_id',
      answeredAt: 'form_response.submitted_at',
    };
    return paths[field] ?? field;
  },
};

/**
 * The NPS answer: the configured ref, else the only nps/opinion-scale field of the form. Null when
 * that question was skipped (Typeform omits unanswered questions); 422 when the form has none, or
 * several and no ref says which.
 */
function npsAnswer(body: Body, ref: string | undefined) {
  const r = body.form_response;
  const answers = r.answers ?? [];
  if (ref) {
    const found = answers.find((a) => a.field.ref === ref);
    if (!found && !(r.definition?.fields ?? []).some((f) => f.ref === ref) && r.definition?.fields) {
      throw new HubError(422, 'invalid_response', `The form has no field with ref "${ref}" (${NPS_FIELD_SETTING})`, [
        { field: `form_response.definition.fields[ref=${ref}]`, message: `is missing; check ${NPS_FIELD_SETTING}` },
      ]);
    }
    return found ?? null;
  }
  const scaleFields = (r.definition?.fields ?? []).filter((f) => SCALE_TYPES.has(f.type));
  const scaleAnswers = answers.filter((a) => SCALE_TYPES.has(a.field.type));
  // Prefer Typeform's dedicated NPS field type; then a lone opinion scale; then the one with 11 steps from 0.
  const candidates = scaleAnswers.some((a) => a.field.type === 'nps') ? scaleAnswers.filter((a) => a.field.type === 'nps') : scaleAnswers;
  const zeroToTen = (a: (typeof answers)[number]) => {
    const def = (r.definition?.fields ?? []).find((f) => f.ref === a.field.ref);
    return def?.properties?.steps === 11 && def.properties.start_at_one !== true;
  };
  const chosen = candidates.length <= 1 ? candidates : candidates.filter(zeroToTen);
  if (chosen.length === 1) return chosen[0]!;
  if (chosen.length > 1 || candidates.length > 1) {
    throw new HubError(422, 'invalid_response', `The form has ${candidates.length} opinion-scale answers; set ${NPS_FIELD_SETTING} to the NPS question's ref`, [
      { field: 'form_response.answers[field.type=opinion_scale]', message: `is ambiguous; set ${NPS_FIELD_SETTING}` },
    ]);
  }
  if (scaleFields.length === 0 && r.definition?.fields) {
    throw new HubError(422, 'invalid_response', `The form has no NPS or opinion-scale question; set ${NPS_FIELD_SETTING} to the NPS question's ref`, [
      { field: 'form_response.answers[field.type=opinion_scale]', message: 'is missing' },
    ]);
  }
  return null;
}
