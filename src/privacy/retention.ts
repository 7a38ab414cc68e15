import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';

/** Responses received before this time lose their personal data under a retention of `retentionMs`. */
export function retentionCutoff(now: Date, retentionMs: number): string {
  return new Date(now.getTime() - retentionMs).toISOString();
}

/**
 * One retention pass (`CLOSELOOP_RETENTION`; hourly in the hub, or `closeloop forget --retention`):
 * scrub the personal data of every response older than the retention. Idempotent: a second pass
 * finds nothing. Returns how many responses it scrubbed.
 */
export async function applyRetention(store: Pick<Store, 'scrubPersonalData'>, retentionMs: number, now: Date, log: Logger): Promise<number> {
  const cutoff = retentionCutoff(now, retentionMs);
  const scrubbed = await store.scrubPersonalData(cutoff, now.toISOString());
  if (scrubbed) log.info({ scrubbed, receivedBefore: cutoff }, 'retention: personal data removed from old responses');
  return scrubbed;
}
