import { z } from 'zod';
import type { Metric } from '../core/response.js';
import type { SourceAdapter } from './source.js';
import { signWithTokenHeader, verifySharedToken } from './signature.js';
import { isoOrNull, notAResponse, ratingCategory, readJsonBody, textOrNull, VendorId, VendorScore, VendorText } from './vendor-body.js';
import { jsonSample, scoreValue } from './sample.js';

const METRICS: Record<string, { metric: Metric; scale: { min: number; max: number } }> = {
  NPS: { metric: 'nps', scale: { min: 0, max: 10 } },
  CSAT: { metric: 'csat', scale: { min: 1, max: 5 } },
  '5STAR': { metric: 'csat', scale: { min: 1, max: 5 } },
  CES: { metric: 'ces', scale: { min: 1, max: 7 } },
};

const Body = z.object({
  event: z.string().nullish(),
  feedback: z.object({
    id: VendorId,
    score: VendorScore,
    comment: VendorText,
    metric: z.string().nullish(),
    channel: z.string().nullish(),
    tags: z.array(z.unknown()).nullish(),
    created_at: z.string().nullish(),
  }),
  campaign: z.object({ id: z.union([z.string(), z.number()]).nullish(), name: z.string().nullish() }).nullish(),
  customer: z
    .object({
      id: z.union([z.string(), z.number()]).nullish(),
      email: z.string().nullish(),
      first_name: z.string().nullish(),
      last_name: z.string().nullish(),
      company: z.string().nullish(),
      properties: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});

/**
 * Retently (campaign → Export → webhook action). The JSON body is a template the admin saves in
 * Retently; docs/sources.md gives the one this adapter reads. Dedupes on `feedback.id`. No signature:
 * a shared token in a custom header.
 */
export const retently: SourceAdapter = {
  name: 'retently',
  title: 'Retently',
  secretVariable: 'RETENTLY_WEBHOOK_SECRET',
  settings: [],

  verify: verifySharedToken,
  sign: signWithTokenHeader,
  sample: (example, v) =>
    jsonSample(example, (b) => {
      b.feedback.id = v.id;
      if (v.score !== undefined) b.feedback.score = scoreValue(v.score);
      if (v.comment !== undefined) b.feedback.comment = v.comment;
      if (v.email !== undefined) b.customer.email = v.email;
    }),

  parse(request) {
    const body = readJsonBody(request, Body, 'Retently');
    const f = body.feedback;
    const c = body.customer ?? {};
    const metricName = (f.metric ?? 'NPS').toUpperCase().replace(/[^A-Z0-9]/g, '');
    const kind = METRICS[metricName];
    if (!kind) throw notAResponse('feedback.metric', `"${f.metric}" is not one of NPS, CSAT, 5STAR, CES`);
    const name = [c.first_name, c.last_name].filter(Boolean).join(' ') || null;
    return {
      source: 'retently',
      sourceResponseId: f.id,
      surveyId: body.campaign?.id == null ? null : String(body.campaign.id),
      metric: kind.metric,
      scale: kind.scale,
      score: f.score ?? null,
      category: kind.metric === 'nps' ? null : ratingCategory(f.score, kind.scale),
      comment: f.comment ?? null,
      respondent: { email: c.email ?? null, name, externalId: c.id == null ? null : String(c.id) },
      answeredAt: isoOrNull(f.created_at),
      touchpoint: textOrNull(f.channel),
      extra: {
        event: body.event ?? null,
        campaignName: body.campaign?.name ?? null,
        company: c.company ?? null,
        customerProperties: c.properties ?? {},
        tags: f.tags ?? [],
      },
    };
  },

  bodyPath: (field) =>
    ({ score: 'feedback.score', comment: 'feedback.comment', 'respondent.email': 'customer.email', sourceResponseId: 'feedback.id' })[field] ?? field,
};
