import { Cron } from 'croner';
import type { Logger } from '../../core/logger.js';
import { digestWeek, enqueueDigest, type DigestOptions } from '../../insights/digest.js';
import { checkDigestBy } from '../../jobs/hub-config.js';
import type { Store } from '../../store/store.js';

export interface DigestScheduleOptions extends DigestOptions {
  store: Store;
  log: Logger;
  now: () => Date;
  /** Cron expression (`CLOSELOOP_DIGEST_SCHEDULE`), in `tz`. */
  schedule: string;
  /** Attempts of the digest's Slack job (the Slack connector's). */
  maxAttempts: number;
  /** Told when a digest was queued (wakes the runner). */
  onQueued?: () => void;
}

/**
 * The weekly digest on its croner schedule. Each run queues the last complete week's digest as a
 * Slack job keyed by week, so a second run, a restart or a second hub posts nothing twice. On
 * start, a run the hub was down for (the schedule fell after the week ended) is made up.
 */
export class DigestSchedule {
  private cron: Cron | null = null;

  constructor(private readonly options: DigestScheduleOptions) {
    checkDigestBy(options.by);
  }

  /** Start the schedule; resolves once a missed run is made up (or at once when none was missed). */
  async start(): Promise<void> {
    if (this.cron) return;
    const { schedule, tz } = this.options;
    this.cron = new Cron(schedule, { timezone: tz, protect: true }, () => void this.run());
    // Made up: the first scheduled time after the last complete week ended has passed already.
    const due = new Cron(schedule, { timezone: tz, paused: true }).nextRun(new Date(digestWeek(this.options.now(), tz).end));
    if (due && due <= this.options.now()) await this.run();
  }

  /** Queue the last complete week's digest now (what each scheduled run does). Never throws. */
  async run(): Promise<boolean> {
    try {
      const queued = await enqueueDigest(this.options.store, this.options.now(), this.options);
      this.options.log.info({ channel: this.options.channel, queued }, queued ? 'weekly digest queued' : 'weekly digest already queued for this week');
      if (queued) this.options.onQueued?.();
      return queued;
    } catch (error) {
      this.options.log.error({ err: error }, 'weekly digest could not be built (the next run tries again)');
      return false;
    }
  }

  stop(): void {
    this.cron?.stop();
    this.cron = null;
  }
}
