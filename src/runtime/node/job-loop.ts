import { queueOverdueLoops } from '../../loops/escalation.js';
import { releasePausedWaves } from '../../campaigns/campaigns.js';
import { processJob, type JobDeps } from '../../jobs/process-job.js';

export interface JobLoopOptions {
  /** Jobs in flight at once. */
  concurrency: number;
  /**
   * How long a claimed job stays ours without a heartbeat: a runner that dies loses its jobs
   * after this, and a restarted (or another) runner claims them again. While the process lives,
   * the lease of every job in flight is renewed every third of this, so a slow attempt never
   * loses its job to a second runner. Default 30 s (`CLOSELOOP_LEASE_SECONDS`).
   */
  leaseMs?: number;
  /** A detractor's loop unanswered this long is overdue (`CLOSELOOP_LOOP_OVERDUE_AFTER`). Default 24 h. */
  overdueAfterMs?: number;
  /** How often overdue loops and paused campaign waves are looked for, by the injected clock. Default 60 s. */
  sweepEveryMs?: number;
  /** Poll interval when idle (a new response wakes the loop at once). Default 500 ms. */
  idleMs?: number;
  /**
   * Webhooks per 100 ms above which ingest has priority: the runner then starts at most one
   * batch (`concurrency` jobs) per `busyPauseMs`, so a burst of webhooks is acknowledged at full
   * speed and delivery catches up right after — never stopping, even under a sustained flood.
   * Default 50 (500 webhooks/s).
   */
  busyIngests?: number;
  /** Pause between batches while ingest is busy. Default 100 ms. */
  busyPauseMs?: number;
}

/**
 * The in-process runner: claims due jobs under a lease, runs them with bounded concurrency,
 * and sleeps when there is nothing to do. `stop()` stops claiming and waits for jobs in flight.
 */
export class JobLoop {
  private running = false;
  /** Jobs in flight: each attempt's promise → the job id and attempt number, whose lease the heartbeat renews. */
  private inFlight = new Map<Promise<unknown>, { id: string; attempts: number }>();
  private wakeUp: (() => void) | null = null;
  private lastSweep = -Infinity;
  private loopDone: Promise<void> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  /** Webhooks counted in the current and the previous 100 ms window (ingest pressure). */
  private ingestWindow = { start: 0, count: 0, previous: 0 };

  constructor(
    private readonly deps: JobDeps,
    private readonly options: JobLoopOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
    this.heartbeat = setInterval(() => void this.renewLeases(), this.leaseMs / 3);
    this.heartbeat.unref?.();
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? 30_000;
  }

  private async renewLeases(): Promise<void> {
    if (this.inFlight.size === 0) return;
    const running = [...this.inFlight.values()];
    try {
      await this.deps.store.extendLeases(running, new Date(this.deps.now().getTime() + this.leaseMs).toISOString());
    } catch (error) {
      this.deps.log.error({ err: error }, 'job loop failed to renew leases');
    }
  }

  /** Wake the loop now (a job was replayed, or became due). */
  wake(): void {
    this.wakeUp?.();
  }

  /** A webhook was stored: count it (ingest pressure) and wake the loop. */
  ingested(): void {
    this.rollWindow();
    this.ingestWindow.count += 1;
    this.wake();
  }

  private rollWindow(): void {
    const now = Date.now();
    const w = this.ingestWindow;
    if (now - w.start < 100) return;
    w.previous = now - w.start < 200 ? w.count : 0;
    w.start = now;
    w.count = 0;
  }

  /** Whether webhooks are arriving faster than `busyIngests` per 100 ms. */
  private ingestIsBusy(): boolean {
    this.rollWindow();
    return Math.max(this.ingestWindow.count, this.ingestWindow.previous) > (this.options.busyIngests ?? 50);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loopDone;
    await Promise.allSettled(this.inFlight.keys());
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** Run until no job is due (tests, `closeloop` one-shot commands). */
  async drain(): Promise<void> {
    // Claim again as soon as a slot frees (one slow call does not hold up the others), and stop
    // when nothing is due and nothing is in flight.
    for (;;) {
      const claimed = await this.tick();
      if (claimed === 0 && this.inFlight.size === 0) return;
      if (claimed === 0 || this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight.keys());
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.tick();
      } catch (error) {
        this.deps.log.error({ err: error }, 'job loop failed to claim jobs');
      }
      if (!this.running) break;
      if (this.ingestIsBusy()) await new Promise((r) => setTimeout(r, this.options.busyPauseMs ?? 100));
      else if (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight.keys());
      else if (claimed === 0) await this.sleep(this.options.idleMs ?? 500);
      else await nextTurn(); // let ingest breathe between batches
    }
  }

  /** Queue the escalations of overdue loops and release campaign waves whose pause is over, at most once per `sweepEveryMs`; a failure is logged and tried next time. */
  private async sweep(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < (this.options.sweepEveryMs ?? 60_000)) return;
    this.lastSweep = now.getTime();
    try {
      const queued = await queueOverdueLoops(this.deps.store, { recipes: this.deps.recipes.current(), overdueAfterMs: this.options.overdueAfterMs ?? 24 * 3_600_000, now });
      if (queued) this.deps.log.info({ queued }, 'overdue loops escalated');
    } catch (error) {
      this.deps.log.error({ err: error }, 'looking for overdue loops failed (tried again at the next sweep)');
    }
    try {
      const waves = await releasePausedWaves(this.deps.store, now);
      if (waves.released) this.deps.log.info(waves, 'campaign waves released after their pause');
    } catch (error) {
      this.deps.log.error({ err: error }, 'releasing paused campaign waves failed (tried again at the next sweep)');
    }
  }

  /** Claim as many due jobs as there are free slots and start them. Returns how many. */
  private async tick(): Promise<number> {
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const now = this.deps.now();
    await this.sweep(now);
    const jobs = await this.deps.store.claimJobs({
      now: now.toISOString(),
      limit: free,
      leaseUntil: new Date(now.getTime() + this.leaseMs).toISOString(),
    });
    for (const [i, job] of jobs.entries()) {
      // One job per turn of the event loop: a plan's synchronous part (conditions, templates)
      // takes up to a few ms, and eight in a row held every webhook in flight for up to 20 ms.
      if (i > 0) await nextTurn();
      const p = processJob(job, this.deps)
        .catch((error) => this.deps.log.error({ err: error, job: job.id }, 'job could not be recorded'))
        .finally(() => this.inFlight.delete(p));
      this.inFlight.set(p, { id: job.id, attempts: job.attempts });
    }
    return jobs.length;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }
}

/** Resolves after the event loop has polled for I/O once more (webhooks waiting get their turn). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
