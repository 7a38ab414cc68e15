import type { Store } from '../store/store.js';
import type { ThemeTagger } from './tagger.js';

export interface RetagOptions {
  /** Responses tagged per transaction. Default 500. */
  batch?: number;
  /** Told after each batch: how many responses were re-tagged so far. */
  onProgress?: (progress: RetagProgress) => void;
}

export interface RetagProgress {
  /** Responses re-tagged (they had no tags, or tags from other rules). */
  retagged: number;
  /** Of those, the ones whose themes changed. */
  changed: number;
}

/**
 * Re-tag every stored response not tagged by the current rules, oldest first, in batches (each
 * one transaction). Idempotent: a response tagged by these rules is skipped, so a second run, or
 * a run resumed after an interruption, does only what is left.
 */
export async function retagHistory(store: Store, tagger: ThemeTagger, options: RetagOptions = {}): Promise<RetagProgress> {
  const batch = options.batch ?? 500;
  const rules = await tagger.fingerprint();
  const progress: RetagProgress = { retagged: 0, changed: 0 };
  for (let afterSeq = 0; ; ) {
    const rows = await store.responsesToTag(afterSeq, rules, batch);
    if (!rows.length) return progress;
    const tagged = rows.map((r) => ({ responseId: r.id, version: r.version, ...tagger.tag(r.comment), rules }));
    await store.tagResponses(tagged);
    progress.retagged += rows.length;
    progress.changed += tagged.filter((t, i) => JSON.stringify(t.themes) !== (rows[i]!.themes ?? '[]')).length;
    afterSeq = rows[rows.length - 1]!.seq;
    options.onProgress?.({ ...progress });
  }
}
