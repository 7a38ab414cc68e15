import { Cron } from 'croner';
import { enqueueDigest, topThemesFrom } from '../../insights/digest.js';
import { queueOverdueLoops } from '../../loops/escalation.js';
import { applyRetention } from '../../privacy/retention.js';
import { SOURCES } from '../../sources/registry.js';
import { overdueJobs, type JobToSend } from '../../store/job-queue.js';
import { planAndSend } from './sending-store.js';
import type { WorkerHub } from './worker-hub.js';

/** Options of {@link sweep}. */
export interface SweepOptions {
  /** A queued job due this long without having run is sent again (its message was lost). Default 60 s. */
  graceMs?: number;
  /** Jobs sent again per sweep. Default 500. */
  limit?: number;
  /** Time since the previous sweep (the cron's period): a digest whose time fell in it is queued. Default 60 s. */
  periodMs?: number;
}

/** What one sweep did. */
export interface SweepReport {
  planned: number;
  resent: number;
  escalated: number;
  digestQueued: boolean;
  scrubbed: boolean;
}

/**
 * The Cron Trigger's pass, because a D1 row is the truth and a message only a nudge: plan the
 * responses stored without a plan job, send again the jobs overdue (message lost) or whose lease
 * expired (consumer died), queue the escalations of overdue loops, the weekly digest when its time
 * came since the last sweep, and retention once an hour. Each part fails alone (logged).
 */
export async function sweep(hub: WorkerHub, at: Date, options: SweepOptions = {}): Promise<SweepReport> {
  const report: SweepReport = { planned: 0, resent: 0, escalated: 0, digestQueued: false, scrubbed: false };
  const { config, store, log } = hub;
  const periodMs = options.periodMs ?? 60_000;
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
  const channel = config.CLOSELOOP_DIGEST_CHANNEL;
  if (channel) {
    await part('digest', async () => {
      const due = new Cron(config.CLOSELOOP_DIGEST_SCHEDULE, { timezone: config.CLOSELOOP_DIGEST_TZ, paused: true }).nextRun(new Date(at.getTime() - periodMs));
      if (!due || due > at) return;
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
  if (report.planned || report.resent || report.escalated || report.digestQueued) log.info({ ...report }, 'sweep');
  return report;
}
