import { z } from 'zod';
import { HubError } from '../core/errors.js';
import { npsFromCounts, type NpsFigures } from '../core/nps.js';
import { parseSince, TimeOrAgo } from '../core/time.js';
import type { Store } from '../store/store.js';

/** Which responses NPS figures count, as `GET /api/nps` and `closeloop nps` take it. */
export const NpsQuery = z.object({
  /** Received at or after: an ISO 8601 time or a duration back from now (`30d`). Default: the beginning. */
  since: TimeOrAgo.optional(),
  /** Received before, in the same form. Default: now. */
  until: TimeOrAgo.optional(),
  /** One survey tool: `typeform`, `generic`… */
  source: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a source name such as typeform').optional(),
  /** One survey, by the id its tool gives it. */
  survey: z.string().min(1).max(200).optional(),
});
export type NpsQuery = z.output<typeof NpsQuery>;

/** NPS figures with the filter they were computed for (times resolved to ISO 8601). */
export interface NpsReport extends NpsFigures {
  since: string | null;
  until: string | null;
  source: string | null;
  survey: string | null;
}

/**
 * NPS over the scored NPS responses the query selects, each counted once with its newest score
 * (CSAT answers and not-yet-scored stubs are left out). A source that is not registered, or a
 * period that ends before it starts, is refused naming the field rather than answered with zeros.
 */
export async function npsReport(store: Store, query: NpsQuery, now: Date, sources: Iterable<string>): Promise<NpsReport> {
  const known = [...sources];
  if (query.source !== undefined && !known.includes(query.source)) {
    throw new HubError(422, 'invalid_request', `Unknown source "${query.source}"; known: ${known.join(', ')}`, [{ field: 'source', message: 'is not a known survey source' }]);
  }
  const since = query.since === undefined ? undefined : parseSince(query.since, now);
  const until = query.until === undefined ? undefined : parseSince(query.until, now);
  if (since !== undefined && until !== undefined && until <= since) {
    throw new HubError(422, 'invalid_request', `until (${until}) must be later than since (${since})`, [{ field: 'until', message: 'must be later than since' }]);
  }
  const counts = await store.npsCounts({ since, until, source: query.source, surveyId: query.survey });
  return { ...npsFromCounts(counts), since: since ?? null, until: until ?? null, source: query.source ?? null, survey: query.survey ?? null };
}
