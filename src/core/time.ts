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
export function isoFromMillis(ms: number): string | null {
  return Number.isFinite(ms) && ms >= EARLIEST_MS && ms <= LATEST_MS ? new Date(ms).toISOString() : null;
}
