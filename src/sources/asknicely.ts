import { z } from 'zod';
import type { SourceAdapter } from './source.js';
import { signWithTokenHeader, verifySharedToken } from './signature.js';
import { readJsonBody, textOrNull, unixToIso, VendorId, VendorScore, VendorText } from './vendor-body.js';
import { jsonSample } from './sample.js';

const Body = z.object({
  count: z.union([z.number(), z.string()]).nullish(),
  person: z
    .object({
      id: z.union([z.string(), z.number()]).nullish(),
      name: z.string().nullish(),
      firstname: z.string().nullish(),
      lastname: z.string().nullish(),
      email: z.string().nullish(),
      segment: z.string().nullish(),
    })
    .catchall(z.unknown())
    .nullish(),
  question: z
    .object({
      id: VendorId,
      score: VendorScore,
      comment: VendorText,
      responded: z.union([z.string(), z.number()]).nullish(),
      sent: z.union([z.string(), z.number()]).nullish(),
      segment: z.string().nullish(),
      deliverymethod: z.string().nullish(),
      template: z.string().nullish(),
    })
    .catchall(z.unknown()),
});

/** Person keys that are AskNicely's own, not custom fields. */
const PERSON_KEYS = new Set(['id', 'name', 'firstname', 'lastname', 'email', 'created', 'segment']);

/**
 * AskNicely (App Store → Webhooks). Fires on a score and again on every change; `count` counts
 * the deliveries for one response (1 = original), so `count > 1` is an update of the same
 * `question.id` (`extra.event = 'updated'`). No signature: a shared token in a custom header.
 */
export const asknicely: SourceAdapter = {
  name: 'asknicely',
  title: 'AskNicely',
  secretVariable: 'ASKNICELY_WEBHOOK_SECRET',
  settings: [],

  verify: verifySharedToken,
  sign: signWithTokenHeader,
  sample: (example, v) =>
    jsonSample(example, (b) => {
      b.question.id = v.id;
      if (v.score !== undefined) b.question.score = v.score;
      if (v.comment !== undefined) b.question.comment = v.comment;
      if (v.email !== undefined) b.person.email = v.email;
    }),

  parse(request) {
    const body = readJsonBody(request, Body, 'AskNicely');
    const q = body.question;
    const p = body.person ?? {};
    const count = Number(body.count ?? 1) || 1;
    const name = textOrNull(p.name) ?? ([p.firstname, p.lastname].filter(Boolean).join(' ') || null);
    return {
      source: 'asknicely',
      sourceResponseId: q.id,
      metric: 'nps',
      score: q.score ?? null,
      comment: q.comment ?? null,
      respondent: { email: p.email ?? null, name, externalId: p.id == null ? null : String(p.id) },
      answeredAt: unixToIso(q.responded),
      touchpoint: q.segment ?? p.segment ?? null,
      extra: {
        event: count > 1 ? 'updated' : 'created',
        count,
        template: q.template ?? null,
        deliveryMethod: q.deliverymethod ?? null,
        person: Object.fromEntries(Object.entries(p).filter(([k]) => !PERSON_KEYS.has(k))),
      },
    };
  },

  // `count` numbers the deliveries of one response: a lower count than stored is older.
  revision: (r) => (typeof r.extra.count === 'number' ? r.extra.count : null),

  bodyPath: (field) =>
    ({ score: 'question.score', comment: 'question.comment', 'respondent.email': 'person.email', sourceResponseId: 'question.id' })[field] ?? field,
};
