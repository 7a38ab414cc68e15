import { z } from 'zod';
import { parseSince, TimeOrAgo } from '../core/time.js';
import type { DeadJobFilter } from '../store/store.js';

/** Which dead jobs to replay, as the admin API and the CLI accept it. */
export const ReplayFilter = z.strictObject({
  /** Only dead jobs are replayed; the field makes that explicit. */
  status: z.literal('dead'),
  /** A connector's name: `zendesk`, `slack`. */
  connector: z.string().regex(/^[a-z][a-z0-9]{0,39}$/, 'must be a connector name such as zendesk').optional(),
  /** A registered action: `zendesk.createTicket`. */
  action: z.string().regex(/^[a-z][a-z0-9]{0,39}\.[A-Za-z][A-Za-z0-9]{0,79}$/, 'must be an action name such as zendesk.createTicket').optional(),
  since: TimeOrAgo.optional(),
});
export type ReplayFilter = z.output<typeof ReplayFilter>;

/** The store's filter for a validated {@link ReplayFilter}, `since` resolved against `now`. */
export function deadJobFilter(filter: Omit<ReplayFilter, 'status'>, now: Date): DeadJobFilter {
  return {
    ...(filter.connector ? { connector: filter.connector } : {}),
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.since ? { since: parseSince(filter.since, now) } : {}),
  };
}
