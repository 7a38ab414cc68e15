import { z } from 'zod';
import type { SourceAdapter } from './source.js';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderScheme } from './signature.js';
import { IgnoredEvent, ratingCategory, readJsonBody, unixToIso, VendorId, VendorScore, VendorText } from './vendor-body.js';
import { jsonSample, scoreValue } from './sample.js';

const SIGNATURE: HmacHeaderScheme = { header: 'X-Hub-Signature', prefix: 'sha1=', hash: 'SHA-1', encoding: 'hex' };

const SCALE = { min: 1, max: 5 };
const Scalar = z.union([z.string(), z.number()]);

const Body = z.object({
  type: z.string().nullish(),
  id: z.string().nullish(),
  topic: z.string(),
  app_id: z.string().nullish(),
  delivery_attempts: z.number().nullish(),
  data: z.object({
    item: z.object({
      id: VendorId,
      conversation_rating: z.object({
        rating: VendorScore,
        remark: VendorText,
        created_at: Scalar.nullish(),
        contact: z.object({ id: Scalar.nullish(), external_id: Scalar.nullish() }).nullish(),
        teammate: z.object({ id: Scalar.nullish() }).nullish(),
      }),
      source: z
        .object({ author: z.object({ type: z.string().nullish(), name: z.string().nullish(), email: z.string().nullish() }).nullish() })
        .nullish(),
      custom_attributes: z.record(z.string(), z.unknown()).nullish(),
    }),
  }),
});

/**
 * Intercom conversation ratings (topic `conversation.rating.added`): CSAT 1–5 from
 * `conversation_rating.rating`. The email is the conversation author's when a customer opened it.
 * Dedupes on the conversation id (one rating per conversation; redeliveries share it).
 */
export const intercomCsat: SourceAdapter = {
  name: 'intercom-csat',
  title: 'Intercom CSAT (conversation ratings)',
  secretVariable: 'INTERCOM_CSAT_WEBHOOK_SECRET',
  settings: [],

  verify: (request, secret) => verifyHmacHeader(request, secret, SIGNATURE),
  sign: (body, secret) => signHmacHeader(secret, SIGNATURE, body),
  sample: (example, v) =>
    jsonSample(example, (b) => {
      const item = b.data.item;
      item.id = v.id;
      if (v.score !== undefined) item.conversation_rating.rating = scoreValue(v.score);
      if (v.comment !== undefined) item.conversation_rating.remark = v.comment;
      if (v.email !== undefined) item.source.author.email = v.email;
    }),

  parse(request) {
    const body = readJsonBody(request, Body, 'Intercom');
    if (body.topic !== 'conversation.rating.added') throw new IgnoredEvent('topic', `"${body.topic}" is not conversation.rating.added`);
    const item = body.data.item;
    const rating = item.conversation_rating;
    const author = item.source?.author;
    // An admin-initiated conversation's author is the teammate, not the customer.
    const customer = author && author.type !== 'admin' && author.type !== 'bot' ? author : null;
    const contactId = rating.contact?.external_id ?? rating.contact?.id;
    return {
      source: 'intercom-csat',
      sourceResponseId: item.id,
      metric: 'csat',
      scale: SCALE,
      score: rating.rating ?? null,
      category: ratingCategory(rating.rating, SCALE),
      comment: rating.remark ?? null,
      respondent: { email: customer?.email || null, name: customer?.name || null, externalId: contactId == null ? null : String(contactId) },
      answeredAt: unixToIso(rating.created_at),
      touchpoint: 'conversation',
      extra: {
        event: 'created',
        notificationId: body.id ?? null,
        deliveryAttempts: body.delivery_attempts ?? null,
        intercomContactId: rating.contact?.id == null ? null : String(rating.contact.id),
        teammateId: rating.teammate?.id == null ? null : String(rating.teammate.id),
        conversationAttributes: item.custom_attributes ?? {},
      },
    };
  },

  bodyPath: (field) =>
    ({
      score: 'data.item.conversation_rating.rating',
      comment: 'data.item.conversation_rating.remark',
      'respondent.email': 'data.item.source.author.email',
      sourceResponseId: 'data.item.id',
    })[field] ?? field,
};
