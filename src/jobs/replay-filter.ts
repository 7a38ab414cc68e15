import ms from 'ms';
import { z } from 'zod';
import { IsoDateTime, isoFromMillis } from '../core/time.js';
import type { DeadJobFilter } from '../store/store.js';

const DURATION = /^(\d{1,7})\s*(s|m|h|d|w)$/;

/**
 * `since` of a replay: an ISO 8601 time (`2026-03-02T10:00:00Z`) or a duration back from now
 * (`90m`, `2h`, `3d`, `1w`). Returns the ISO time, or undefined when it is neither.
 */
export function parseSince(value: string, now: Date): string | undefined {
  const v = value.trim();
  const duration = DURATION.exec(v);
  if (duration) {
    return isoFromMillis(now.getTime() - ms(`${duration[1]}${duration[2]}` as ms.StringValue)) ?? undefined;
  }
  if (!IsoDateTime.safeParse(v).success) return undefined;
  return isoFromMillis(Date.parse(v)) ?? undefined;
}

const SINCE_MESSAGE = 'must be an ISO 8601 time (2026-03-02T10:00:00Z) or a duration back from now (90m, 2h, 3d, 1w)';

/** Which dead jobs to replay, as the admin API and the CLI accept it. */
export const ReplayFilter = z.strictObject({
  /** Only dead jobs are replayed; the field makes that explicit. */
  status: z.literal('dead'),
  /** A connector's name: `zendesk`, `slack`. */
  connector: z.string().regex(/^[a-z][a-z0-9]{0,39}$/, 'must be a connector name such as zendesk').optional(),
  /** A registered action: `zendesk.createTicket`. */
  action: z.string().regex(/^[a-z][a-z0-9]{0,39}\.[A-Za-z][A-Za-z0-9]{0,79}$/, 'must be an action name such as zendesk.createTicket').optional(),
  since: z
    .string()
    .max(64)
    .refine((v) => parseSince(v, new Date()) !== undefined, SINCE_MESSAGE)
    .optional(),
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
