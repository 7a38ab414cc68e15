import { z } from 'zod';
import type { Category, Metric } from '../core/response.js';
import { isoFromMillis } from '../core/time.js';
import { concatBytes } from './hmac.js';
import { parseJsonBody } from './json-body.js';
import type { SourceAdapter, WebhookRequest } from './source.js';
import { requiredHeader, signatureRejected, signHmacHeader, verifyHmacHeader, verifySharedToken, type HmacHeaderScheme } from './signature.js';
import { jsonSample } from './sample.js';
import { isoOrNull, notAResponse, ratingCategory, readVendorBody, textOrNull, VendorId, VendorScore, VendorText } from './vendor-body.js';

const V3_HEADER = 'X-HubSpot-Signature-v3';
const V3_TIMESTAMP = 'X-HubSpot-Request-Timestamp';
const V3_SIGNATURE: HmacHeaderScheme = { header: V3_HEADER, hash: 'SHA-256', encoding: 'base64' };
/** HubSpot asks receivers to refuse v3 signatures whose timestamp is older than 5 minutes. */
export const HUBSPOT_TIMESTAMP_TOLERANCE_MS = 5 * 60 * 1000;

/** `hs_survey_type` → metric and scale. CSAT and CES scales are HubSpot's defaults [unverified]. */
const SURVEY_TYPES: Record<string, { metric: Metric; scale: { min: number; max: number } }> = {
  NPS: { metric: 'nps', scale: { min: 0, max: 10 } },
  CSAT: { metric: 'csat', scale: { min: 1, max: 5 } },
  CES: { metric: 'ces', scale: { min: 1, max: 7 } },
};
/** HubSpot's own grouping (`hs_response_group` / `hs_sentiment`) → CSAT category. */
const GROUPS: Record<string, Category> = {
  PROMOTER: 'satisfied',
  POSITIVE: 'satisfied',
  PASSIVE: 'neutral',
  NEUTRAL: 'neutral',
  DETRACTOR: 'dissatisfied',
  NEGATIVE: 'dissatisfied',
};

const Properties = z.object({
  hs_object_id: VendorId.optional(),
  hs_survey_type: z.string().nullish(),
  hs_value: VendorScore,
  hs_content: VendorText,
  hs_contact_email_rollup: z.string().nullish(),
  hs_contact_id: z.union([z.string(), z.number()]).nullish(),
  hs_contact_firstname: z.string().nullish(),
  hs_contact_lastname: z.string().nullish(),
  hs_survey_id: z.union([z.string(), z.number()]).nullish(),
  hs_survey_name: z.string().nullish(),
  hs_survey_channel: z.string().nullish(),
  hs_response_group: z.string().nullish(),
  hs_sentiment: z.string().nullish(),
  hs_submission_timestamp: z.union([z.string(), z.number()]).nullish(),
});

/**
 * HubSpot feedback-survey submissions, sent by a feedback-submission-based workflow's "Send a
 * webhook" action. Reads either a customized body (`{"hs_value": "3", …}`) or the "all
 * properties" body (`{"objectId": 1, "properties": {"hs_value": {"value": "3"}, …}}`). Verified by
 * HubSpot's v3 request signature when present, else by the workflow's API-key header
 * `X-Closeloop-Token`. Dedupes on the submission id.
 */
export const hubspot: SourceAdapter = {
  name: 'hubspot',
  title: 'HubSpot feedback surveys',
  secretVariable: 'HUBSPOT_WEBHOOK_SECRET',
  settings: [],

  verify: (request, secret) => (request.headers.has(V3_HEADER) ? verifyHubSpotV3(request, secret, new Date()) : verifySharedToken(request, secret)),
  async sign(body, secret, { url, now }) {
    // v3: the method, the URL, the body and the time in epoch milliseconds, signed with the app's secret.
    const timestamp = String(now.getTime());
    const signed = await signHmacHeader(secret, V3_SIGNATURE, concatBytes('POST', decodeHubSpotUri(url), body, timestamp));
    return { headers: { ...signed.headers, [V3_TIMESTAMP]: timestamp } };
  },
  sample: (example, v) =>
    jsonSample(example, (b) => {
      b.hs_object_id = v.id;
      if (v.score !== undefined) b.hs_value = v.score;
      if (v.comment !== undefined) b.hs_content = v.comment;
      if (v.email !== undefined) b.hs_contact_email_rollup = v.email;
    }),

  parse(request) {
    const p = readVendorBody(Properties, flatten(parseJsonBody(request)), 'HubSpot feedback submission');
    if (!p.hs_object_id) throw notAResponse('hs_object_id', 'is required (add "Record ID" to the webhook body)');
    const typeName = (p.hs_survey_type ?? 'NPS').toUpperCase();
    const kind = SURVEY_TYPES[typeName];
    if (!kind) throw notAResponse('hs_survey_type', `"${p.hs_survey_type}" is not one of NPS, CSAT, CES`);
    const group = GROUPS[(p.hs_response_group ?? p.hs_sentiment ?? '').toUpperCase()];
    const name = [p.hs_contact_firstname, p.hs_contact_lastname].filter(Boolean).join(' ') || null;
    return {
      source: 'hubspot',
      sourceResponseId: p.hs_object_id,
      surveyId: p.hs_survey_id == null ? null : String(p.hs_survey_id),
      metric: kind.metric,
      scale: kind.scale,
      score: p.hs_value === '' ? null : (p.hs_value ?? null),
      category: kind.metric === 'nps' ? null : (group ?? ratingCategory(p.hs_value, kind.scale)),
      comment: p.hs_content ?? null,
      respondent: {
        email: textOrNull(p.hs_contact_email_rollup),
        name,
        externalId: p.hs_contact_id == null || p.hs_contact_id === '' ? null : String(p.hs_contact_id),
      },
      answeredAt: submissionTime(p.hs_submission_timestamp),
      touchpoint: textOrNull(p.hs_survey_channel),
      extra: { event: 'created', surveyType: typeName, surveyName: p.hs_survey_name ?? null, responseGroup: p.hs_response_group ?? null },
    };
  },

  bodyPath: (field) =>
    ({ score: 'hs_value', comment: 'hs_content', 'respondent.email': 'hs_contact_email_rollup', sourceResponseId: 'hs_object_id' })[field] ?? field,
};

/** Both body styles → one flat record of property name → value. */
function flatten(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  const props = body.properties;
  if (props && typeof props === 'object' && !Array.isArray(props)) {
    for (const [k, v] of Object.entries(props)) out[k] = v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v;
  }
  out.hs_object_id ??= body.objectId ?? body.id;
  return out;
}

/** `hs_submission_timestamp` arrives as epoch milliseconds (number or string) or ISO-8601. */
function submissionTime(value: string | number | null | undefined): string | null {
  if (value == null || value === '') return null;
  if (/^\d+$/.test(String(value))) return isoFromMillis(Number(value));
  return isoOrNull(String(value));
}

/**
 * HubSpot's v3 request signature: base64 HMAC-SHA256 of method + URI + body + timestamp with the
 * app's client secret. The URI is the one HubSpot called: behind a proxy, X-Forwarded-Proto/Host
 * give it back (forging them only changes what is checked, not whether the secret is needed).
 */
export async function verifyHubSpotV3(request: WebhookRequest, secret: string, now: Date): Promise<void> {
  const timestamp = requiredHeader(request, V3_TIMESTAMP);
  const at = Number(timestamp);
  if (!Number.isFinite(at)) throw signatureRejected(V3_TIMESTAMP, 'is not epoch milliseconds');
  if (Math.abs(now.getTime() - at) > HUBSPOT_TIMESTAMP_TOLERANCE_MS) throw signatureRejected(V3_TIMESTAMP, 'is more than 5 minutes from now (replayed or clock skew)');
  if (!request.url) throw signatureRejected(V3_HEADER, 'cannot be checked without the request URL');
  const url = new URL(request.url);
  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const uri = `${proto ?? url.protocol.replace(':', '')}://${host ?? url.host}${url.pathname}${url.search}`;
  await verifyHmacHeader(request, secret, V3_SIGNATURE, concatBytes('POST', decodeHubSpotUri(uri), request.rawBody, timestamp));
}

/** HubSpot decodes exactly these percent-escapes in the URI it signs. */
function decodeHubSpotUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
}
