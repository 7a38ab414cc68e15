import { Cron } from 'croner';
import type { Logger } from '../../core/logger.js';
import { applyRetention } from '../../privacy/retention.js';
import type { Store } from '../../store/store.js';

export interface RetentionScheduleOptions {
  store: Pick<Store, 'scrubPersonalData'>;
  /** `CLOSELOOP_RETENTION` in ms. */
  retentionMs: number;
  log: Logger;
  now: () => Date;
  /** Cron pattern of the passes after the first. Default hourly, at minute 17 (off the hour, when digests and backups run). */
  pattern?: string;
}

/**
 * Retention in the Node hub: one pass at start, then on croner's schedule. `protect` skips a tick
 * while the previous pass still runs; a failed pass is logged and the next tick tries again.
 */
export class RetentionSchedule {
  private cron: Cron | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: RetentionScheduleOptions) {}

  start(): void {
    if (this.cron) return;
    this.cron = new Cron(this.options.pattern ?? '17 * * * *', { protect: true, catch: (error) => this.failed(error) }, () => this.pass());
    void this.pass();
  }

  /** One pass now (also what each tick runs). Never rejects: a failure is logged. */
  pass(): Promise<void> {
    this.running = applyRetention(this.options.store, this.options.retentionMs, this.options.now(), this.options.log).then(
      () => undefined,
      (error: unknown) => this.failed(error),
    );
    return this.running;
  }

  async stop(): Promise<void> {
    this.cron?.stop();
    this.cron = null;
    await this.running;
  }

  private failed(error: unknown): void {
    this.options.log.error({ err: error }, 'retention pass failed; the next one retries');
  }
}
