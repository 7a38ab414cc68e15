import ms from 'ms';
import { z } from 'zod';

/**
 * An ISO 8601 date-time with a `Z` or an offset (`2026-03-02T10:00:00Z`, `…+02:00`). One instance:
 * building a zod string format compiles its pattern (~16 µs), too slow to do per webhook.
 */
export const IsoDateTime = z.iso.datetime({ offset: true });

/**
 * 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in epoch milliseconds: the four-digit
 * years an ISO 8601 timestamp (and the response schema) holds. A Date reaches further (±8.64e15 ms)
 * but prints those years as `+275760-…`, which no schema here accepts, and beyond it is invalid.
 */
const EARLIEST_MS = -62_167_219_200_000;
const LATEST_MS = 253_402_300_799_999;

/** Epoch milliseconds → ISO 8601 UTC, or null when the number is not a time with a four-digit year. */
export function isoFromMillis(millis: number): string | null {
  return Number.isFinite(millis) && millis >= EARLIEST_MS && millis <= LATEST_MS ? new Date(millis).toISOString() : null;
}

const DURATION = /^(\d{1,7})\s*(s|m|h|d|w)$/;

/**
 * A point in time as the CLI and the admin API take it (a replay's `since`, the NPS period): an
 * ISO 8601 time (`2026-03-02T10:00:00Z`) or a duration back from now (`90m`, `2h`, `3d`, `1w`).
 * Returns the ISO time, or undefined when it is neither.
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

/** A field holding such a time, validated (resolved against the clock later, by {@link parseSince}). */
export const TimeOrAgo = z
  .string()
  .max(64)
  .refine((v) => parseSince(v, new Date()) !== undefined, 'must be an ISO 8601 time (2026-03-02T10:00:00Z) or a duration back from now (90m, 2h, 3d, 1w)');
