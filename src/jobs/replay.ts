import { HubError } from '../core/errors.js';
import type { Job } from '../core/job.js';
import { CAMPAIGN_RECIPE_PREFIX } from '../store/campaigns.js';
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

/** The campaign a job was queued by (its recipe is `campaign:<name>`), or undefined for a recipe's job. */
function campaignOf(job: Job): string | undefined {
  return job.recipe?.startsWith(CAMPAIGN_RECIPE_PREFIX) ? job.recipe.slice(CAMPAIGN_RECIPE_PREFIX.length) : undefined;
}

/**
 * One dead job queued again (`POST /api/jobs/{id}/replay`, the dashboard's button), the job as read
 * just before. A job of a cancelled campaign is refused (409 `campaign_cancelled`, naming `field`):
 * the store does not replay it, and saying "replayed: 0" would leave the operator guessing.
 */
export async function replayDeadJob(store: Pick<Store, 'replayJobs'>, job: Job, now: Date, field: string): Promise<number> {
  const replayed = await store.replayJobs([job.id], now.toISOString());
  const campaign = campaignOf(job);
  if (!replayed && campaign !== undefined) {
    throw new HubError(409, 'campaign_cancelled', `Job ${job.id} belongs to campaign ${campaign}, which was cancelled: it is not sent again`, [{ field, message: `its campaign ${campaign} was cancelled` }]);
  }
  return replayed;
}

/**
 * Which of these jobs belong to a cancelled campaign, so are not replayed ({@link replayDeadJob}):
 * one campaign read per campaign among them (a page of dead jobs names few).
 */
export async function jobsOfCancelledCampaigns(store: Pick<Store, 'getCampaign'>, jobs: readonly Job[]): Promise<Set<string>> {
  const names = new Set(jobs.map(campaignOf).filter((name) => name !== undefined));
  const campaigns = await Promise.all([...names].map((name) => store.getCampaign(name)));
  const cancelled = new Set(campaigns.filter((c) => c?.cancelled).map((c) => c!.name));
  return new Set(jobs.filter((job) => cancelled.has(campaignOf(job) ?? '')).map((job) => job.id));
}
