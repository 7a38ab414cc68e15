import { z } from 'zod';
import type { SourceAdapter } from './source.js';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderScheme } from './signature.js';
import { emailOrNull, isoOrNull, notAResponse, readJsonBody, textOrNull, VendorId } from './vendor-body.js';
import { jsonSample, scoreValue, type JsonExample } from './sample.js';

const SIGNATURE: HmacHeaderScheme = { header: 'Hmac', hash: 'SHA-256', encoding: 'hex' };

const NPS_QUESTION_SETTING = 'SURVICATE_NPS_QUESTION_ID';

const Choice = z.object({ id: z.union([z.number(), z.string()]).nullish(), body: z.string().nullish(), comment: z.string().nullish() });
const Answer = z.object({
  question: z.object({ id: z.union([z.number(), z.string()]).nullish(), body: z.string().nullish() }).nullish(),
  type: z.string().nullish(),
  choice: Choice.nullish(),
  text: z.string().nullish(),
  fields: z.record(z.string(), z.unknown()).nullish(),
});
const Header = {
  responseUuid: VendorId,
  survey: z.object({ id: z.union([z.string(), z.number()]).nullish(), name: z.string().nullish() }).nullish(),
  timestamp: z.string().nullish(),
  url: z.string().nullish(),
  respondent: z
    .object({ id: z.union([z.string(), z.number()]).nullish(), uuid: z.string().nullish(), attributes: z.record(z.string(), z.unknown()).nullish() })
    .nullish(),
};
const Body = z.object({
  messageId: z.string().nullish(),
  deliveryTries: z.number().nullish(),
  event: z
    .object({
      surveyCompleted: z.object({ ...Header, answers: z.array(Answer).nullish() }).optional(),
      questionAnswered: z.object({ ...Header, ...Answer.shape }).optional(),
    })
    .refine((e) => e.surveyCompleted || e.questionAnswered, { message: 'must hold surveyCompleted or questionAnswered' }),
});
type Answer = z.output<typeof Answer>;

/**
 * Survicate (per-survey webhooks: on completion, or per answered question). The NPS answer is
 * the `net_promoter_score` answer (its `choice.id` is the 0–10 score), or the question set in
 * SURVICATE_NPS_QUESTION_ID. Dedupes on `responseUuid`; a per-question event without the NPS
 * answer (the comment arriving later) parses as a not-scored `extra.event = 'question_answered'`.
 */
export const survicate: SourceAdapter = {
  name: 'survicate',
  title: 'Survicate',
  secretVariable: 'SURVICATE_WEBHOOK_SECRET',
  settings: [
    {
      name: NPS_QUESTION_SETTING,
      description: 'Id of the NPS question; only needed when the answer does not carry type net_promoter_score (per-question events).',
    },
  ],

  verify: (request, secret) => verifyHmacHeader(request, secret, SIGNATURE),
  sign: (body, secret) => signHmacHeader(secret, SIGNATURE, body),
  sample: (example, v) =>
    jsonSample(example, (b) => {
      const completed = b.event.surveyCompleted;
      const answers: JsonExample[] = completed.answers;
      completed.responseUuid = v.id;
      if (v.score !== undefined) answers.find((a) => a.type === 'net_promoter_score')!.choice.id = scoreValue(v.score);
      if (v.comment !== undefined) answers.find((a) => a.type === 'text')!.text = v.comment;
      if (v.email !== undefined) completed.respondent.attributes.email = v.email;
    }),

  parse(request, env) {
    const body = readJsonBody(request, Body, 'Survicate');
    const completed = body.event.surveyCompleted;
    const e = completed ?? body.event.questionAnswered!;
    const answers: Answer[] = completed ? (completed.answers ?? []) : [body.event.questionAnswered!];
    const configured = env[NPS_QUESTION_SETTING];
    const isNps = (a: Answer) =>
      configured ? String(a.question?.id ?? '') === configured : a.type === 'net_promoter_score' || a.type === 'nps';
    const nps = answers.find(isNps);
    if (completed && !nps && answers.length === 0) throw notAResponse('event.surveyCompleted.answers', 'is missing or empty');
    const text = answers.find((a) => !isNps(a) && typeof a.text === 'string')?.text ?? nps?.choice?.comment ?? null;
    const attributes = e.respondent?.attributes ?? {};
    const form = answers.find((a) => a.fields)?.fields ?? {};
    const name = [textOrNull(attributes.first_name), textOrNull(attributes.last_name)].filter(Boolean).join(' ');
    return {
      source: 'survicate',
      sourceResponseId: e.responseUuid,
      surveyId: e.survey?.id == null ? null : String(e.survey.id),
      metric: 'nps',
      score: nps?.choice?.id ?? null,
      comment: text,
      respondent: {
        email: emailOrNull(attributes.email) ?? emailOrNull(form.email),
        name: name || textOrNull(attributes.name),
        externalId: textOrNull(attributes.user_id) ?? (e.respondent?.id == null ? null : String(e.respondent.id)),
      },
      answeredAt: isoOrNull(e.timestamp),
      extra: {
        event: completed ? 'completed' : 'question_answered',
        messageId: body.messageId ?? null,
        deliveryTries: body.deliveryTries ?? 0,
        surveyName: e.survey?.name ?? null,
        respondentAttributes: attributes,
      },
    };
  },

  bodyPath: (field) =>
    ({
      score: 'event.surveyCompleted.answers[type=net_promoter_score].choice.id',
      comment: 'event.surveyCompleted.answers[type=text].text',
      'respondent.email': 'event.surveyCompleted.respondent.attributes.email',
      sourceResponseId: 'event.surveyCompleted.responseUuid',
    })[field] ?? field,
};
