import { z } from 'zod';
import { npsCategory } from './nps.js';
import { IsoDateTime } from './time.js';

/** What a score measures. NPS figures only ever count `nps` responses. */
export const Metric = z.enum(['nps', 'csat', 'ces']);
export type Metric = z.infer<typeof Metric>;

export const Category = z.enum(['promoter', 'passive', 'detractor', 'satisfied', 'neutral', 'dissatisfied']);
export type Category = z.infer<typeof Category>;

/** A score as survey tools send it: a number, or a string holding an integer ("7"). */
export const ScoreInput = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
    .transform(Number),
]);

export const Respondent = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email('must be an email address'))
    .nullable()
    .default(null),
  name: z.string().trim().max(500).nullable().default(null),
  externalId: z.string().trim().max(500).nullable().default(null),
});
export type Respondent = z.infer<typeof Respondent>;

/**
 * The one shape every survey source is parsed into. `score` is null for a response that
 * carries no rating (a decline, an "offered" CSAT): it is stored and runs no recipe.
 */
export const NormalizedResponse = z
  .object({
    source: z.string().min(1).max(64),
    sourceResponseId: z.string().trim().min(1, 'is required').max(500),
    surveyId: z.string().trim().max(500).nullable().default(null),
    metric: Metric.default('nps'),
    score: ScoreInput.pipe(z.number().int('must be a whole number')).nullable(),
    /** Inclusive range of the metric's scale; NPS is always 0–10. */
    scale: z.object({ min: z.number().int(), max: z.number().int() }).default({ min: 0, max: 10 }),
    /** Set by the source for CSAT/CES; derived from the score for NPS. */
    category: Category.nullable().default(null),
    comment: z
      .string()
      .nullable()
      .default(null)
      .transform((c) => (c === null || c.trim() === '' ? null : c)),
    respondent: Respondent.default({ email: null, name: null, externalId: null }),
    answeredAt: IsoDateTime.nullable().default(null),
    touchpoint: z.string().max(500).nullable().default(null),
    /** Whatever else the source carried that a recipe may want (hidden fields, tags…). */
    extra: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((r, ctx) => {
    if (r.score === null) return;
    if (r.score < r.scale.min || r.score > r.scale.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['score'],
        message: `must be from ${r.scale.min} to ${r.scale.max} for ${r.metric}, got ${r.score}`,
      });
    }
  })
  .transform((r) => ({
    ...r,
    category: r.metric === 'nps' && r.score !== null ? npsCategory(r.score) : r.category,
  }));

/** Input accepted by {@link NormalizedResponse} (what a source adapter produces). */
export type ResponseInput = z.input<typeof NormalizedResponse>;
export type NormalizedResponse = z.output<typeof NormalizedResponse>;

/** A response as stored, with the hub's own id. */
export interface StoredResponse extends NormalizedResponse {
  id: string;
  receivedAt: string;
  /** How many versions of this response arrived (updates from the source count up). */
  version: number;
}
