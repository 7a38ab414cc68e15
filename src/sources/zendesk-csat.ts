import { z } from 'zod';
import { timeRevision, type SourceAdapter, type WebhookRequest } from './source.js';
import { requiredHeader, signatureRejected, signHmacHeader, verifyHmacHeader, type HmacHeaderScheme } from './signature.js';
import { jsonSample } from './sample.js';
import { concatBytes } from './hmac.js';
import { isoOrNull, notAResponse, ratingCategory, readJsonBody, VendorId } from './vendor-body.js';

const SIGNATURE_HEADER = 'X-Zendesk-Webhook-Signature';
const TIMESTAMP_HEADER = 'X-Zendesk-Webhook-Signature-Timestamp';
const SIGNATURE: HmacHeaderScheme = { header: SIGNATURE_HEADER, hash: 'SHA-256', encoding: 'base64' };
/** Zendesk signs a timestamp for replay protection; older (or further ahead) than this is refused. */
export const ZENDESK_TIMESTAMP_TOLERANCE_MS = 5 * 60 * 1000;

const Scalar = z.union([z.string(), z.number()]);
const Body = z.object({
  ticket: z.object({ id: VendorId, subject: z.string().nullish(), status: z.string().nullish(), url: z.string().nullish() }),
  requester: z.object({ id: Scalar.nullish(), name: z.string().nullish(), email: z.string().nullish() }).nullish(),
  organization: z.object({ name: z.string().nullish() }).nullish(),
  satisfaction: z.object({ score: Scalar, comment: z.string().nullish() }),
  assignee: z.object({ name: z.string().nullish() }).nullish(),
  updated_at: z.string().nullish(),
});

/**
 * Zendesk CSAT: a trigger ("Satisfaction changed") notifies a webhook with the JSON template from
 * docs/sources.md. `satisfaction.score` is `good`/`bad` (binary CSAT, scale 0–1), `offered`/`unoffered`
 * (no rating yet: stored not-scored), or 1–5 for numeric CSAT. The dedupe id is
 * `<ticket id>:<rating>`: a changed rating is a new response, a comment added to the same rating
 * is an update of it.
 */
export const zendeskCsat: SourceAdapter = {
  name: 'zendesk-csat',
  title: 'Zendesk CSAT (satisfaction ratings)',
  secretVariable: 'ZENDESK_CSAT_WEBHOOK_SECRET',
  settings: [],

  verify: (request, secret) => verifyZendeskSignature(request, secret, new Date()),
  async sign(body, secret, { now }) {
    // Zendesk states the time to the second.
    const timestamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
    const signed = await signHmacHeader(secret, SIGNATURE, concatBytes(timestamp, body));
    return { headers: { ...signed.headers, [TIMESTAMP_HEADER]: timestamp } };
  },
  sample: (example, v) =>
    jsonSample(example, (b) => {
      b.ticket.id = v.id;
      if (v.score !== undefined) b.satisfaction.score = v.score;
      if (v.comment !== undefined) b.satisfaction.comment = v.comment;
      if (v.email !== undefined) b.requester.email = v.email;
    }),

  parse(request) {
    const body = readJsonBody(request, Body, 'Zendesk CSAT');
    const rating = String(body.satisfaction.score).trim().toLowerCase();
    const rated = parseRating(rating);
    const r = body.requester ?? {};
    return {
      source: 'zendesk-csat',
      sourceResponseId: `${body.ticket.id}:${rating}`,
      metric: 'csat',
      scale: rated.scale,
      score: rated.score,
      category: rated.score === null ? null : ratingCategory(rated.score, rated.scale),
      comment: body.satisfaction.comment ?? null,
      respondent: { email: r.email || null, name: r.name || null, externalId: r.id == null || r.id === '' ? null : String(r.id) },
      answeredAt: isoOrNull(body.updated_at),
      touchpoint: 'support ticket',
      extra: {
        event: rated.score === null ? rating : 'rated',
        rating,
        ticket: body.ticket,
        organization: body.organization?.name ?? null,
        assignee: body.assignee?.name ?? null,
      },
    };
  },

  // The rating's `updated_at` (stored as answeredAt): a rating older than the stored one is refused.
  revision: (r) => timeRevision(r.answeredAt),

  bodyPath: (field) =>
    ({ score: 'satisfaction.score', comment: 'satisfaction.comment', 'respondent.email': 'requester.email', sourceResponseId: 'ticket.id' })[field] ?? field,
};

function parseRating(rating: string): { score: number | string | null; scale: { min: number; max: number } } {
  if (rating === 'good') return { score: 1, scale: { min: 0, max: 1 } };
  if (rating === 'bad') return { score: 0, scale: { min: 0, max: 1 } };
  if (rating === 'offered' || rating === 'unoffered') return { score: null, scale: { min: 0, max: 1 } };
  // Numeric CSAT (1–5); anything out of range is reported by the normalized schema.
  if (/^-?\d+$/.test(rating)) return { score: rating, scale: { min: 1, max: 5 } };
  throw notAResponse('satisfaction.score', `"${rating}" is not one of good, bad, offered, unoffered or a 1–5 rating`);
}

/** Zendesk's scheme: base64 HMAC-SHA256 of `timestamp + body` with the webhook's signing secret. */
export async function verifyZendeskSignature(request: WebhookRequest, secret: string, now: Date): Promise<void> {
  const timestamp = requiredHeader(request, TIMESTAMP_HEADER);
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) throw signatureRejected(TIMESTAMP_HEADER, 'is not a timestamp');
  if (Math.abs(now.getTime() - at) > ZENDESK_TIMESTAMP_TOLERANCE_MS) throw signatureRejected(TIMESTAMP_HEADER, 'is more than 5 minutes from now (replayed or clock skew)');
  await verifyHmacHeader(request, secret, SIGNATURE, concatBytes(timestamp, request.rawBody));
}
