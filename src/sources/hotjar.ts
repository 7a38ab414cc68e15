import { z } from 'zod';
import { HubError } from '../core/errors.js';
import type { SourceAdapter } from './source.js';
import { signWithTokenQuery, verifySharedToken } from './signature.js';
import { parseJsonBody } from './json-body.js';
import { IgnoredEvent, emailOrNull, firstTextAnswer, isoOrNull, readVendorBody, soleNpsAnswer, textOrNull, VendorId } from './vendor-body.js';
import { jsonSample, type JsonExample } from './sample.js';

const NPS_QUESTION_SETTING = 'HOTJAR_NPS_QUESTION_ID';

const Answer = z.object({ question_id: z.union([z.string(), z.number()]).nullish(), question: z.string().nullish(), answer: z.unknown() });
const Body = z.object({
  event: z.string(),
  version: z.number().nullish(),
  data: z
    .object({
      survey_id: z.union([z.string(), z.number()]).nullish(),
      survey_name: z.string().nullish(),
      response_id: VendorId,
      created_at: z.string().nullish(),
      user_id: z.union([z.string(), z.number()]).nullish(),
      user_attributes: z.record(z.string(), z.unknown()).nullish(),
      answers: z.array(Answer),
    })
    .catchall(z.unknown()),
});

/**
 * Hotjar (survey → Webhooks). The `data` fields of `survey_response` are not documented publicly
 * [unverified]; this reads `data.response_id`, `data.answers[]{question_id, answer}` and
 * `data.user_attributes.email`. The score is the only whole-number answer unless HOTJAR_NPS_QUESTION_ID
 * names it; the comment is the first text answer. Hotjar cannot sign or send headers: the shared
 * secret goes in the URL as `?token=`.
 */
export const hotjar: SourceAdapter = {
  name: 'hotjar',
  title: 'Hotjar',
  secretVariable: 'HOTJAR_WEBHOOK_SECRET',
  settings: [
    {
      name: NPS_QUESTION_SETTING,
      description: 'question_id of the NPS question; only needed when a survey has more than one whole-number answer.',
    },
  ],

  verify: verifySharedToken,
  sign: signWithTokenQuery,
  sample: (example, v) =>
    jsonSample(example, (b) => {
      const answers: JsonExample[] = b.data.answers;
      b.data.response_id = v.id;
      if (v.score !== undefined) answers[0]!.answer = v.score;
      if (v.comment !== undefined) answers[1]!.answer = v.comment;
      if (v.email !== undefined) b.data.user_attributes.email = v.email;
    }),

  parse(request, env) {
    const raw = parseJsonBody(request);
    if (raw.event !== 'survey_response') throw new IgnoredEvent('event', `${JSON.stringify(raw.event ?? null)} is not survey_response (test messages and recordings are not responses)`);
    const body = readVendorBody(Body, raw, 'Hotjar');
    const d = body.data;
    const configured = env[NPS_QUESTION_SETTING];
    const nps = configured ? (d.answers.find((a) => String(a.question_id ?? '') === configured) ?? null) : soleNpsAnswer(d.answers, (a) => a.answer);
    if (nps === 'ambiguous') {
      throw new HubError(422, 'invalid_response', `data.answers has several whole-number answers; set ${NPS_QUESTION_SETTING} to the NPS question's id`, [
        { field: 'data.answers', message: `has several whole-number answers; set ${NPS_QUESTION_SETTING}` },
      ]);
    }
    const attributes = d.user_attributes ?? {};
    return {
      source: 'hotjar',
      sourceResponseId: d.response_id,
      surveyId: d.survey_id == null ? null : String(d.survey_id),
      metric: 'nps',
      score: (nps?.answer ?? null) as number | string | null,
      comment: firstTextAnswer(d.answers.filter((a) => a !== nps), (a) => a.answer),
      respondent: {
        email: emailOrNull(attributes.email),
        name: textOrNull(attributes.name),
        externalId: d.user_id == null ? null : String(d.user_id),
      },
      answeredAt: isoOrNull(d.created_at),
      extra: { event: 'created', surveyName: d.survey_name ?? null, npsQuestionId: nps?.question_id ?? null, userAttributes: attributes },
    };
  },

  bodyPath: (field, env) =>
    ({
      score: env[NPS_QUESTION_SETTING] ? `data.answers[question_id=${env[NPS_QUESTION_SETTING]}].answer` : 'data.answers[].answer',
      comment: 'data.answers[].answer',
      'respondent.email': 'data.user_attributes.email',
      sourceResponseId: 'data.response_id',
    })[field] ?? field,
};
