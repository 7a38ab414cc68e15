import { Cron } from 'croner';
import { releasePausedWaves } from '../../campaigns/campaigns.js';
import { digestJobKey, digestWeek, enqueueDigest, topThemesFrom } from '../../insights/digest.js';
import { queueOverdueLoops } from '../../loops/escalation.js';
import { applyRetention } from '../../privacy/retention.js';
import { SOURCES } from '../../sources/registry.js';
import { jobKeyTaken, overdueJobs, type JobToSend } from '../../store/job-queue.js';
import { planAndSend } from './sending-store.js';
import type { WorkerHub } from './worker-hub.js';

/** Options of {@link sweep}. */
export interface SweepOptions {
  /** A queued job due this long without having run is sent again (its message was lost). Default 60 s. */
  graceMs?: number;
  /** Jobs sent again per sweep. Default 500. */
  limit?: number;
}

/** What one sweep did. */
export interface SweepReport {
  planned: number;
  resent: number;
  escalated: number;
  /** Campaign waves released because their pause was over. */
  wavesReleased: number;
  digestQueued: boolean;
  scrubbed: boolean;
}

/**
 * The Cron Trigger's pass, because a D1 row is the truth and a message only a nudge: plan the
 * responses stored without a plan job, send again the jobs overdue (message lost) or whose lease
 * expired (consumer died), queue the escalations of overdue loops, release the campaign waves
 * whose pause is over (written without messages: a later sweep's resend sends them), the weekly
 * digest once its time has come, and retention once an hour. Each part fails alone (logged).
 */
export async function sweep(hub: WorkerHub, at: Date, options: SweepOptions = {}): Promise<SweepReport> {
  const report: SweepReport = { planned: 0, resent: 0, escalated: 0, wavesReleased: 0, digestQueued: false, scrubbed: false };
  const { config, store, log } = hub;
  const part = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      log.error({ err: error, part: name }, 'sweep part failed; the next sweep tries again');
    }
  };
  await part('plan', async () => {
    report.planned = await planAndSend(hub.driver, hub.sender);
  });
  await part('resend', async () => {
    const dueBefore = new Date(at.getTime() - (options.graceMs ?? 60_000)).toISOString();
    const jobs = await hub.driver.all<JobToSend>(overdueJobs(dueBefore, at.toISOString(), options.limit ?? 500));
    await hub.sender.send(jobs);
    report.resent = jobs.length;
  });
  await part('escalate', async () => {
    report.escalated = await queueOverdueLoops(store, { recipes: hub.jobs.recipes.current(), overdueAfterMs: config.CLOSELOOP_LOOP_OVERDUE_AFTER, now: at });
  });
  await part('waves', async () => {
    report.wavesReleased = (await releasePausedWaves(store, at)).released;
  });
  const channel = config.CLOSELOOP_DIGEST_CHANNEL;
  if (channel) {
    await part('digest', async () => {
      // The last complete week's digest is due from the schedule's first time at or after the
      // week's end, until it is queued (its key): a sweep that failed or never ran is made up by
      // the next one, as the Node hub makes up a missed run when it starts.
      const week = digestWeek(at, config.CLOSELOOP_DIGEST_TZ);
      const due = new Cron(config.CLOSELOOP_DIGEST_SCHEDULE, { timezone: config.CLOSELOOP_DIGEST_TZ, paused: true }).nextRun(new Date(Date.parse(week.end) - 1_000));
      if (!due || due > at || (await hub.driver.get(jobKeyTaken(digestJobKey(channel, week))))) return;
      const themes = hub.jobs.themes;
      report.digestQueued = await enqueueDigest(store, at, {
        channel,
        tz: config.CLOSELOOP_DIGEST_TZ,
        by: config.CLOSELOOP_DIGEST_BY,
        sources: [...SOURCES.keys()],
        ...(themes ? { topThemes: topThemesFrom(store, () => themes.fingerprint()) } : {}),
        maxAttempts: hub.policies.retryOf('slack').maxAttempts,
      });
    });
  }
  const retentionMs = config.CLOSELOOP_RETENTION;
  if (retentionMs && at.getUTCMinutes() === 17) {
    // Hourly, at minute 17 as on Node (off the hour, when digests run).
    await part('retention', async () => {
      await applyRetention(store, retentionMs, at, log);
      report.scrubbed = true;
    });
  }
  if (report.planned || report.resent || report.escalated || report.wavesReleased || report.digestQueued) log.info({ ...report }, 'sweep');
  return report;
}
