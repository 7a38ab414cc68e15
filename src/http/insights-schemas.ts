import { z } from '@hono/zod-openapi';
import type { InsightsReport } from '../insights/insights-report.js';

const Figure = z
  .object({
    responses: z.number(),
    counts: z.record(z.string(), z.number()).openapi({ description: 'Answers by category: promoters, passives, detractors (NPS); satisfied, neutral, dissatisfied (CSAT, CES)' }),
    shares: z.record(z.string(), z.number()).openapi({ description: 'Each category in percent, one decimal' }),
    value: z.number().nullable().openapi({ description: 'NPS (−100…+100), CSAT (% satisfied) or CES (mean score); null with no answers' }),
    marginOfError: z.number().nullable().openapi({ description: 'Half-width of the 95% confidence interval' }),
    low: z.number().nullable(),
    high: z.number().nullable(),
    lowSample: z.boolean().openapi({ description: 'Fewer answers than minSample: shown, not ranked, its changes never significant' }),
  })
  .openapi('Figure');
const Change = z
  .object({
    delta: z.number().nullable(),
    z: z.number().nullable(),
    pValue: z.number().nullable().openapi({ description: 'Two-sided' }),
    significant: z.boolean().openapi({ description: 'p < 0.05 with both samples at least minSample' }),
  })
  .openapi('Change');
const Segment = z
  .object({ value: z.string().nullable().openapi({ description: 'null: unknown' }), figure: Figure, previous: Figure.nullable(), change: Change.nullable() })
  .openapi('Segment');

/** The answer of `GET /api/nps` with `metric`, `by`, `interval` or `compare`. */
export const InsightsReportSchema = z
  .object({
    metric: z.enum(['nps', 'csat', 'ces']),
    since: z.string().nullable(),
    until: z.string(),
    source: z.string().nullable(),
    survey: z.string().nullable(),
    by: z.string().nullable(),
    interval: z.enum(['day', 'week', 'month']).nullable(),
    compare: z.enum(['previous', 'year']).nullable(),
    tz: z.string(),
    minSample: z.number(),
    figure: Figure,
    previous: z.object({ since: z.string(), until: z.string(), figure: Figure, change: Change }).nullable(),
    segments: z.array(Segment).nullable().openapi({ description: 'With by: each segment, most answers first (at most 200)' }),
    segmentCount: z.number().nullable(),
    top: z.array(Segment).nullable().openapi({ description: 'With by: the best segments of at least minSample answers' }),
    bottom: z.array(Segment).nullable(),
    moved: z.array(Segment).nullable().openapi({ description: 'With by and compare: segments whose change is significant' }),
    series: z
      .array(
        z.object({
          period: z.string().openapi({ description: 'Local date the period starts on' }),
          start: z.string(),
          end: z.string(),
          figure: Figure,
          change: Change.nullable(),
          segments: z.array(z.object({ value: z.string().nullable(), figure: Figure })).nullable(),
        }),
      )
      .nullable(),
  })
  // What insightsReport answers: a field added there and not here fails the type check.
  .openapi('Insights') satisfies z.ZodType<InsightsReport>;
