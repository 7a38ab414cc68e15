import { z } from 'zod';
import type { Env } from '../core/env.js';
import type { ResponseInput, StoredResponse } from '../core/response.js';
import { DeliveryError } from '../core/delivery-error.js';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderScheme } from './signature.js';
import { jsonSample } from './sample.js';
import { PENDING_FETCH, pendingFetchOf, timeRevision, type SourceAdapter } from './source.js';
import { IgnoredEvent, emailOrNull, isoOrNull, readJsonBody, readVendorBody, textOrNull, VendorId, VendorPathId } from './vendor-body.js';
import { fetchTimeoutMs, getVendorJson, missingVariable, pathSegment, type VendorApi } from './vendor-api.js';

export const SURVEYMONKEY_DEFAULT_BASE_URL = 'https://api.surveymonkey.com';

const SIGNATURE: HmacHeaderScheme = { header: 'Sm-Signature', hash: 'SHA-1', encoding: 'base64' };

/** Events after which the response has answers worth reading; other response events are stored not-scored. */
const FETCH_EVENTS = new Set(['response_completed', 'response_updated']);

/** The webhook body: an event about a response, no answers. */
const SurveyMonkeyEvent = z.object({
  event_type: z.string().min(1, 'is required'),
  event_id: VendorId,
  object_type: z.string().min(1, 'is required'),
  object_id: VendorPathId,
  event_datetime: z.string().nullish(),
  resources: z.object({
    survey_id: VendorPathId,
    collector_id: VendorId.nullish(),
    recipient_id: VendorId.nullish(),
  }),
});

const Weight = z.union([z.string(), z.number()]).nullish();
const Answer = z.looseObject({
  choice_id: VendorId.nullish(),
  row_id: VendorId.nullish(),
  other_id: VendorId.nullish(),
  text: z.string().nullish(),
  choice_metadata: z.looseObject({ weight: Weight }).nullish(),
});
type Answer = z.output<typeof Answer>;
const Question = z.looseObject({ id: VendorId, answers: z.array(Answer).default([]) });
type Question = z.output<typeof Question>;

/** `GET /v3/surveys/{survey}/responses/{response}/details`: the fields the adapter reads. */
const ResponseDetails = z.looseObject({
  id: VendorId,
  response_status: z.string().nullish(),
  email_address: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  recipient_id: VendorId.nullish(),
  collector_id: VendorId.nullish(),
  custom_variables: z.record(z.string(), z.unknown()).nullish(),
  metadata: z.looseObject({ contact: z.looseObject({ email: z.looseObject({ value: z.string().nullish() }).nullish() }).nullish() }).nullish(),
  date_created: z.string().nullish(),
  date_modified: z.string().nullish(),
  analyze_url: z.string().nullish(),
  pages: z.array(z.looseObject({ questions: z.array(Question).default([]) })).default([]),
});

/** `GET /v3/surveys/{survey}/details`: question families and choices, to map a choice to 0–10. */
const SurveyDetails = z.looseObject({
  pages: z
    .array(
      z.looseObject({
        questions: z
          .array(
            z.looseObject({
              id: VendorId,
              family: z.string().nullish(),
              subtype: z.string().nullish(),
              answers: z
                .looseObject({
                  choices: z
                    .array(z.looseObject({ id: VendorId, text: z.string().nullish(), position: z.number().nullish(), weight: Weight }))
                    .default([]),
                })
                .nullish(),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});
type SurveyQuestion = z.output<typeof SurveyDetails>['pages'][number]['questions'][number];

/**
 * SurveyMonkey. The webhook (`response_completed`, `response_updated`…) carries only ids, so it
 * is stored as a not-yet-scored stub and its plan job reads the answers through the API
 * (`SURVEYMONKEY_ACCESS_TOKEN`). Signed `Sm-Signature` = base64 HMAC-SHA1 of the body keyed
 * `client_id&client_secret` (both in `SURVEYMONKEY_WEBHOOK_SECRET`).
 */
export const surveymonkey: SourceAdapter = {
  name: 'surveymonkey',
  title: 'SurveyMonkey',
  secretVariable: 'SURVEYMONKEY_WEBHOOK_SECRET',
  settings: [
    { name: 'SURVEYMONKEY_ACCESS_TOKEN', description: 'API access token of the app (scopes: responses_read_detail, surveys_read); the webhook carries no answers, they are read through the API', secret: true },
    { name: 'SURVEYMONKEY_BASE_URL', description: `API base URL (default ${SURVEYMONKEY_DEFAULT_BASE_URL}; https://api.eu.surveymonkey.com for EU accounts)` },
    { name: 'SURVEYMONKEY_NPS_QUESTION_ID', description: 'Id of the NPS question (default: the one question answered on a 0–10 scale)' },
    { name: 'SURVEYMONKEY_COMMENT_QUESTION_ID', description: 'Id of the comment question (default: the first open-ended answer)' },
  ],

  verify(request, secret) {
    return verifyHmacHeader(request, secret, SIGNATURE);
  },
  sign: (body, secret) => signHmacHeader(secret, SIGNATURE, body),
  sample: (example, v) => ({
    ...jsonSample(example, (b) => {
      b.object_id = b.resources.respondent_id = v.id;
    }),
    notCarried: ['score', 'comment', 'email'],
  }),

  parse(request) {
    const event = readJsonBody(request, SurveyMonkeyEvent, 'SurveyMonkey');
    if (event.object_type !== 'response') {
      throw new IgnoredEvent('object_type', `must be "response", got "${event.object_type}" (subscribe the webhook to response events)`);
    }
    const surveyId = event.resources.survey_id;
    const fetchable = FETCH_EVENTS.has(event.event_type);
    return {
      source: 'surveymonkey',
      sourceResponseId: event.object_id,
      surveyId,
      score: null,
      answeredAt: isoOrNull(event.event_datetime),
      extra: {
        // The event id is part of the stored content on purpose: each new event about the same
        // response (an edit after completion) is an update that reads the answers again.
        surveymonkey: {
          eventType: event.event_type,
          eventId: event.event_id,
          collectorId: event.resources.collector_id ?? null,
          recipientId: event.resources.recipient_id ?? null,
        },
        ...(fetchable ? { [PENDING_FETCH]: { surveyId, responseId: event.object_id } } : {}),
      },
    };
  },

  // The event's `event_datetime` (the stub's answeredAt, set from the webhook alone): an older event is refused.
  revision: (r) => timeRevision(r.answeredAt),

  bodyPath: (field) => (field === 'sourceResponseId' ? 'object_id' : field === 'surveyId' ? 'resources.survey_id' : field),

  fetch: fetchSurveyMonkeyResponse,
};

function surveyMonkeyApi(env: Env): VendorApi {
  const token = env.SURVEYMONKEY_ACCESS_TOKEN;
  if (!token) throw missingVariable('SurveyMonkey', 'SURVEYMONKEY_ACCESS_TOKEN', 'the webhook carries no answers and they cannot be read without it');
  return {
    vendor: 'SurveyMonkey',
    baseUrl: (env.SURVEYMONKEY_BASE_URL || SURVEYMONKEY_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${token}` },
    tokenVariable: 'SURVEYMONKEY_ACCESS_TOKEN',
    baseUrlVariable: 'SURVEYMONKEY_BASE_URL',
    timeoutMs: fetchTimeoutMs(env),
  };
}

async function fetchSurveyMonkeyResponse(stub: StoredResponse, env: Env): Promise<ResponseInput> {
  const pending = pendingFetchOf(stub);
  const surveyId = pending?.surveyId ?? stub.surveyId;
  const responseId = pending?.responseId ?? stub.sourceResponseId;
  if (!surveyId) throw new DeliveryError(`SurveyMonkey response ${responseId} has no survey id to read it with`, false);
  const api = surveyMonkeyApi(env);
  const path = `/v3/surveys/${pathSegment(surveyId, 'survey_id')}/responses/${pathSegment(responseId, 'object_id')}/details`;
  const details = vendorShape(ResponseDetails, await getVendorJson(api, path), `GET ${path}`);
  const questions = details.pages.flatMap((p) => p.questions);

  const npsId = env.SURVEYMONKEY_NPS_QUESTION_ID?.trim();
  let nps = npsId ? questions.find((q) => q.id === npsId) : singleWeightedQuestion(questions);
  let score = nps ? weightScore(nps.answers[0]) : null;
  if (!nps || (score === null && nps.answers[0]?.choice_id)) {
    // The response alone does not say which answer is the NPS one or what its choice is worth:
    // the survey's own definition (question family, choice labels 0–10) does.
    const surveyPath = `/v3/surveys/${pathSegment(surveyId, 'survey_id')}/details`;
    const survey = vendorShape(SurveyDetails, await getVendorJson(api, surveyPath), `GET ${surveyPath}`);
    const defs = survey.pages.flatMap((p) => p.questions);
    const def = npsId ? defs.find((d) => d.id === npsId) : defs.find(isNpsQuestion);
    if (def) {
      nps = questions.find((q) => q.id === def.id);
      score = nps ? choiceScore(def, nps.answers[0]) : null;
    }
  }

  const commentId = env.SURVEYMONKEY_COMMENT_QUESTION_ID?.trim();
  const commentQuestion = commentId ? questions.find((q) => q.id === commentId) : questions.find((q) => q !== nps && isOpenEnded(q));
  const comment = commentQuestion ? textOrNull(commentQuestion.answers.map((a) => a.text ?? '').filter(Boolean).join('\n')) : null;
  const name = [details.first_name, details.last_name].map((n) => n?.trim()).filter(Boolean).join(' ');
  const previous = (stub.extra.surveymonkey ?? {}) as Record<string, unknown>;

  return {
    source: 'surveymonkey',
    sourceResponseId: responseId,
    surveyId,
    score,
    comment,
    respondent: {
      email: emailOrNull(details.email_address) ?? emailOrNull(details.metadata?.contact?.email?.value),
      name: name || null,
      externalId: details.recipient_id && details.recipient_id !== '0' ? details.recipient_id : null,
    },
    answeredAt: isoOrNull(details.date_modified) ?? isoOrNull(details.date_created) ?? stub.answeredAt,
    extra: {
      surveymonkey: {
        ...previous,
        responseStatus: details.response_status ?? null,
        collectorId: details.collector_id ?? previous.collectorId ?? null,
        npsQuestionId: nps?.id ?? null,
        commentQuestionId: commentQuestion?.id ?? null,
        analyzeUrl: details.analyze_url ?? null,
      },
      customVariables: details.custom_variables ?? {},
    },
  };
}

/** The answer body in the shape the adapter reads; a vendor shape we cannot read is permanent. */
function vendorShape<S extends z.ZodType>(schema: S, body: unknown, where: string): z.output<S> {
  try {
    return readVendorBody(schema, body, `SurveyMonkey answer to ${where}`);
  } catch (error) {
    throw new DeliveryError((error as Error).message, false, { cause: error });
  }
}

/** 0–10 from an answer's choice weight, when SurveyMonkey sends one. */
function weightScore(answer: Answer | undefined): number | null {
  const w = answer?.choice_metadata?.weight;
  const n = typeof w === 'number' ? w : typeof w === 'string' && /^\s*\d+\s*$/.test(w) ? Number(w) : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n <= 10 ? n : null;
}

/** Zero-config: the one question whose chosen answer weighs 0–10 (an NPS question). */
function singleWeightedQuestion(questions: Question[]): Question | undefined {
  const weighted = questions.filter((q) => q.answers[0]?.choice_id && weightScore(q.answers[0]) !== null);
  return weighted.length === 1 ? weighted[0] : undefined;
}

function isOpenEnded(q: Question): boolean {
  return q.answers.length > 0 && q.answers.every((a) => !a.choice_id && typeof a.text === 'string' && a.text.trim() !== '');
}

/** An NPS question in the survey definition: a rating matrix, or any question, with the 11 choices 0–10. */
function isNpsQuestion(q: SurveyQuestion): boolean {
  const choices = q.answers?.choices ?? [];
  if (choices.length !== 11) return false;
  if (q.family === 'matrix' && (q.subtype === 'rating' || q.subtype === 'nps')) return true;
  return choices.every((c, i) => labelNumber(c.text) === i);
}

/** The chosen choice as 0–10: its label ("0"…"10", "10 - Extremely likely"), else its position. */
function choiceScore(def: SurveyQuestion, answer: Answer | undefined): number | null {
  const direct = weightScore(answer);
  if (direct !== null) return direct;
  const choices = def.answers?.choices ?? [];
  const index = choices.findIndex((c) => c.id === answer?.choice_id);
  if (index < 0) return null;
  const choice = choices[index]!;
  const fromLabel = labelNumber(choice.text);
  if (fromLabel !== null) return fromLabel;
  const position = typeof choice.position === 'number' ? choice.position - 1 : index;
  return choices.length === 11 && position >= 0 && position <= 10 ? position : null;
}

function labelNumber(text: string | null | undefined): number | null {
  const m = /^\s*(\d{1,2})\b/.exec(text ?? '');
  const n = m ? Number(m[1]) : Number.NaN;
  return n >= 0 && n <= 10 ? n : null;
}
