import { triggerPlanJobFor } from '../jobs/plan-job.js';
import type { Recipe } from '../recipes/recipe.js';
import type { Store } from '../store/store.js';

/** Overdue loops older than this past their deadline when first seen (after a long outage, an upgrade) are not escalated: it would be news to nobody. */
export const ESCALATION_WINDOW_MS = 7 * 24 * 3_600_000;

export interface EscalationOptions {
  recipes: readonly Recipe[];
  /** A detractor's loop still unanswered this long after the response arrived is overdue (`CLOSELOOP_LOOP_OVERDUE_AFTER`). */
  overdueAfterMs: number;
  now: Date;
  /** Candidates per sweep. Default 200. */
  limit?: number;
}

/**
 * Queue the `loop.overdue` plan job of every detractor whose loop is overdue, once per response
 * (the job's key), so that the recipes listening to it run through the usual planning (account,
 * conditions, templates, effect-once actions). Nothing is queried when no enabled recipe listens.
 * Returns how many were queued.
 */
export async function queueOverdueLoops(store: Store, options: EscalationOptions): Promise<number> {
  if (!options.recipes.some((r) => r.enabled && r.on === 'loop.overdue')) return 0;
  const before = options.now.getTime() - options.overdueAfterMs;
  const candidates = await store.overdueLoops(new Date(before - ESCALATION_WINDOW_MS).toISOString(), new Date(before).toISOString(), options.limit ?? 200);
  const now = options.now.toISOString();
  const queued = await store.enqueueJobs(candidates.map((c) => triggerPlanJobFor(c.id, 'loop.overdue', now, c.version)));
  return queued.length;
}
