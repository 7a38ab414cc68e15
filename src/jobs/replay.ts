import type { Store } from '../store/store.js';

/** Dead jobs queued again per transaction. */
export const REPLAY_CHUNK = 100;

/**
 * Queue dead jobs again, {@link REPLAY_CHUNK} per transaction: webhooks arriving meanwhile are
 * committed between two chunks instead of waiting for one transaction over thousands of jobs.
 * Jobs that are no longer dead are left alone. Returns how many went back to the queue;
 * `onChunk` hears the progress after each chunk.
 */
export async function replayInChunks(store: Pick<Store, 'replayJobs'>, ids: readonly string[], now: () => Date, onChunk?: (done: number, total: number) => void): Promise<number> {
  let replayed = 0;
  for (let i = 0; i < ids.length; i += REPLAY_CHUNK) {
    replayed += await store.replayJobs(ids.slice(i, i + REPLAY_CHUNK), now().toISOString());
    onChunk?.(Math.min(i + REPLAY_CHUNK, ids.length), ids.length);
  }
  return replayed;
}
