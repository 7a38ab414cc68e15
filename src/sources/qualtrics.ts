import { z } from 'zod';
import type { Env } from '../core/env.js';
import { HubError } from '../core/errors.js';
import type { ResponseInput, StoredResponse } from '../core/response.js';
import { DeliveryError } from '../core/delivery-error.js';
import { parseJsonBody, parseJsonField } from './json-body.js';
import { signWithTokenQuery, verifySharedToken } from './signature.js';
import { PENDING_FETCH, pendingFetchOf, type SourceAdapter, type WebhookRequest } from './source.js';
import { emailOrNull, isoOrNull, readVendorBody, textOrNull, VendorPathText } from './vendor-body.js';
import { fetchTimeoutMs, getVendorJson, missingVariable, pathSegment, type VendorApi } from './vendor-api.js';

/** The event fields (form fields, or the JSON in `MSG` when the subscription has a shared key). */
const QualtricsEvent = z.object({
  SurveyID: VendorPathText,
  ResponseID: VendorPathText,
  Topic: z.string().nullish(),
  Status: z.string().nullish(),
  RecipientID: z.string().nullish(),
  DistributionID: z.string().nullish(),
  BrandID: z.string().nullish(),
});

/** `GET /API/v3/surveys/{survey}/responses/{response}`: the fields the adapter reads. */
const QualtricsResponse = z.object({
  result: z.looseObject({
    responseId: z.string().nullish(),
    values: z.record(z.string(), z.unknown()),
    displayedFields: z.array(z.string()).nullish(),
  }),
});

/**
 * Qualtrics event subscriptions (`surveyengine.completedResponse.{SurveyID}`). The event is
 * form-encoded and carries only ids, so it is stored as a not-yet-scored stub and its plan job
 * reads the answers through the API (`QUALTRICS_API_TOKEN`, `QUALTRICS_BASE_URL`). Qualtrics's
 * own `HMAC` field has an undocumented algorithm, so the secret travels as a token in the
 * publication URL (`?token=…`), compared in constant time; the answers themselves always come
 * from the authenticated API.
 */
export const qualtrics: SourceAdapter = {
  name: 'qualtrics',
  title: 'Qualtrics',
  secretVariable: 'QUALTRICS_WEBHOOK_SECRET',
  settings: [
    { name: 'QUALTRICS_API_TOKEN', description: 'API token (Account Settings → Qualtrics IDs); the event carries no answers, they are read through the API', secret: true },
    { name: 'QUALTRICS_BASE_URL', description: 'Your data centre, e.g. https://fra1.qualtrics.com (Account Settings → Qualtrics IDs → Datacenter ID)' },
    { name: 'QUALTRICS_NPS_QUESTION_ID', description: 'Question id of the NPS question, e.g. QID1 (default: the question Qualtrics reports a QIDn_NPS_GROUP for)' },
    { name: 'QUALTRICS_COMMENT_QUESTION_ID', description: 'Question id of the comment, e.g. QID2 (default: the first QIDn_TEXT answer)' },
  ],

  verify(request, secret) {
    verifySharedToken(request, secret);
  },
  sign: signWithTokenQuery,
  // Qualtrics posts its event as form fields.
  sample: (example, v) => ({
    body: new URLSearchParams({ ...(example as Record<string, string>), ResponseID: v.id }).toString(),
    contentType: 'application/x-www-form-urlencoded',
    notCarried: ['score', 'comment', 'email'],
  }),

  parse(request) {
    const event = readVendorBody(QualtricsEvent, eventFields(request), 'Qualtrics event');
    return {
      source: 'qualtrics',
      sourceResponseId: event.ResponseID,
      surveyId: event.SurveyID,
      score: null,
      extra: {
        qualtrics: {
          topic: event.Topic ?? null,
          status: event.Status ?? null,
          brandId: event.BrandID ?? null,
          recipientId: event.RecipientID ?? null,
          distributionId: event.DistributionID ?? null,
        },
        [PENDING_FETCH]: { surveyId: event.SurveyID, responseId: event.ResponseID },
      },
    };
  },

  bodyPath: (field) => (field === 'sourceResponseId' ? 'ResponseID' : field === 'surveyId' ? 'SurveyID' : field),

  fetch: fetchQualtricsResponse,
};

/**
 * The event's fields: form-encoded as Qualtrics sends them (JSON accepted too). With a shared
 * key the event sits in `MSG` as JSON text next to `Topic` and `HMAC`.
 */
function eventFields(request: WebhookRequest): Record<string, unknown> {
  const looksJson = request.contentType.includes('json') || request.text.trimStart().startsWith('{');
  const fields: Record<string, unknown> = looksJson ? parseJsonBody(request) : Object.fromEntries(new URLSearchParams(request.text));
  if (typeof fields.MSG !== 'string') return fields;
  const message = parseJsonField(fields.MSG, 'MSG');
  if (message === undefined) {
    throw new HubError(422, 'invalid_response', 'Not a Qualtrics event: MSG is not JSON', [{ field: 'MSG', message: 'is not JSON' }]);
  }
  if (!message || typeof message !== 'object') {
    throw new HubError(422, 'invalid_response', 'Not a Qualtrics event: MSG must be a JSON object', [{ field: 'MSG', message: 'must be a JSON object' }]);
  }
  return { Topic: fields.Topic, ...(message as Record<string, unknown>) };
}

function qualtricsApi(env: Env): VendorApi {
  const token = env.QUALTRICS_API_TOKEN;
  if (!token) throw missingVariable('Qualtrics', 'QUALTRICS_API_TOKEN', 'the event carries no answers and they cannot be read without it');
  const baseUrl = env.QUALTRICS_BASE_URL;
  if (!baseUrl) throw missingVariable('Qualtrics', 'QUALTRICS_BASE_URL', 'set it to your data centre, e.g. https://fra1.qualtrics.com');
  return {
    vendor: 'Qualtrics',
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { 'x-api-token': token },
    tokenVariable: 'QUALTRICS_API_TOKEN',
    baseUrlVariable: 'QUALTRICS_BASE_URL',
    timeoutMs: fetchTimeoutMs(env),
  };
}

async function fetchQualtricsResponse(stub: StoredResponse, env: Env): Promise<ResponseInput> {
  const pending = pendingFetchOf(stub);
  const surveyId = pending?.surveyId ?? stub.surveyId;
  const responseId = pending?.responseId ?? stub.sourceResponseId;
  if (!surveyId) throw new DeliveryError(`Qualtrics response ${responseId} has no survey id to read it with`, false);
  const api = qualtricsApi(env);
  const path = `/API/v3/surveys/${pathSegment(surveyId, 'SurveyID')}/responses/${pathSegment(responseId, 'ResponseID')}`;
  let answer: z.output<typeof QualtricsResponse>;
  try {
    answer = readVendorBody(QualtricsResponse, await getVendorJson(api, path), `Qualtrics answer to GET ${path}`);
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    throw new DeliveryError((error as Error).message, false, { cause: error });
  }
  const values = answer.result.values;
  const order = [...(answer.result.displayedFields ?? []), ...Object.keys(values)];

  const npsQid = questionId(env.QUALTRICS_NPS_QUESTION_ID) ?? firstMatch(order, /^(QID\d+)_NPS_GROUP$/);
  const rawScore = npsQid === undefined ? null : values[npsQid];
  const commentKey = textKey(env.QUALTRICS_COMMENT_QUESTION_ID) ?? order.find((k) => /^QID\d+_TEXT$/.test(k) && typeof values[k] === 'string');
  const text = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : null);
  const name = [text('recipientFirstName'), text('recipientLastName')].map((n) => n?.trim()).filter(Boolean).join(' ');

  return {
    source: 'qualtrics',
    sourceResponseId: responseId,
    surveyId,
    score: typeof rawScore === 'number' || typeof rawScore === 'string' ? rawScore : null,
    comment: commentKey ? textOrNull(values[commentKey]) : null,
    respondent: {
      email: emailOrNull(values.recipientEmail),
      name: name || null,
      externalId: textOrNull(values.externalDataReference),
    },
    answeredAt: isoOrNull(values.endDate) ?? isoOrNull(values.recordedDate),
    extra: {
      qualtrics: {
        ...((stub.extra.qualtrics ?? {}) as Record<string, unknown>),
        npsQuestionId: npsQid ?? null,
        commentField: commentKey ?? null,
        distributionChannel: values.distributionChannel ?? null,
        userLanguage: values.userLanguage ?? null,
      },
    },
  };
}

/** `QID1` from a setting (`QID1`, `QID1_NPS_GROUP`), or undefined when unset. */
function questionId(setting: string | undefined): string | undefined {
  const s = setting?.trim();
  return s ? s.replace(/_NPS_GROUP$/, '') : undefined;
}

/** The value key of a comment setting: `QID2` → `QID2_TEXT`; a full key is taken as is. */
function textKey(setting: string | undefined): string | undefined {
  const s = setting?.trim();
  if (!s) return undefined;
  return /^QID\d+$/.test(s) ? `${s}_TEXT` : s;
}

function firstMatch(keys: string[], pattern: RegExp): string | undefined {
  for (const k of keys) {
    const m = pattern.exec(k);
    if (m) return m[1];
  }
  return undefined;
}
