import { newId } from '../../store/ids.js';
import { jobByKey, planUnplanned, queuedJobsAmong, queuedJobsCreatedAt, queuedJobsOfWave, type JobToSend } from '../../store/job-queue.js';
import type { SqlDriver } from '../../store/sql-driver.js';
import type { Statement } from '../../store/statement.js';
import type { Store } from '../../store/store.js';
import { PLAN_MAX_ATTEMPTS } from '../../jobs/plan-job.js';
import type { JobSender } from './job-sender.js';

/** Plan jobs written per pass over the responses stored without one (ingest's, the sweeper's). */
const PLAN_PASS = 50;

/**
 * The store with every write that queues jobs followed by their messages: ingest (its plan job),
 * a plan's action jobs, enqueued jobs (alerts, loop replies, escalations, the digest, erasure
 * downstream), replays, and the waves a campaign releases (the first at its creation). The rows are written first; a message lost after that is found by the
 * sweeper (the row is the truth).
 */
export function sendingStore(store: Store, driver: SqlDriver, sender: JobSender): Store {
  const overrides: Partial<Store> = {
    async ingest(input) {
      const result = await store.ingest(input);
      if (result.duplicate || result.stale || result.erased) return result;
      const planJob = await driver.all<JobToSend>(jobByKey(result.updated ? `plan:${result.id}:v${result.version}` : `plan:${result.id}`));
      // A new response's plan job was written with it (planWithNewResponse), unless a backlog of
      // unplanned responses filled that pass: then plan on, oldest first, and send.
      if (planJob.length) await sender.send(planJob);
      else await planAndSend(driver, sender);
      return result;
    },
    async commitPlan(plan, now) {
      const committed = await store.commitPlan(plan, now);
      if (committed && plan.jobs.length) await sender.send(await driver.all<JobToSend>(queuedJobsCreatedAt(plan.responseId, now)));
      return committed;
    },
    async enqueueJobs(jobs) {
      const ids = await store.enqueueJobs(jobs);
      if (ids.length) await sender.send(await driver.all<JobToSend>(queuedJobsAmong(ids)));
      return ids;
    },
    async createCampaign(campaign) {
      const result = await store.createCampaign(campaign);
      if (result.queued) await sender.send(await driver.all<JobToSend>(queuedJobsOfWave(campaign.id, Math.min(...campaign.waves.map((w) => w.wave)))));
      return result;
    },
    async releaseCampaignWave(release) {
      const result = await store.releaseCampaignWave(release);
      if (result.queued) await sender.send(await driver.all<JobToSend>(queuedJobsOfWave(release.campaignId, release.wave)));
      return result;
    },
    async replayJobs(ids, now) {
      const replayed = await store.replayJobs(ids, now);
      if (replayed) await sender.send(await driver.all<JobToSend>(queuedJobsAmong(ids)));
      return replayed;
    },
  };
  return new Proxy(store, {
    get(target, name, receiver) {
      if (Object.hasOwn(overrides, name)) return overrides[name as keyof Store];
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The plan-job writing that goes in a new response's batch (SqlStoreOptions.withNewResponse). */
export function planWithNewResponse(): Statement[] {
  return planUnplanned(Array.from({ length: PLAN_PASS }, newId), PLAN_MAX_ATTEMPTS);
}

/**
 * Write the plan jobs of the responses stored without one (and move the plan cursor), then send
 * their messages. Returns how many were written. Run after each ingest and by the sweeper.
 */
export async function planAndSend(driver: SqlDriver, sender: JobSender): Promise<number> {
  let total = 0;
  for (;;) {
    const ids = Array.from({ length: PLAN_PASS }, newId);
    const [written = []] = await driver.batch(planUnplanned(ids, PLAN_MAX_ATTEMPTS));
    await sender.send(written as JobToSend[]);
    total += written.length;
    if (written.length < PLAN_PASS) return total;
  }
}
