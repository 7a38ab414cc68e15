import type { Queue } from '@cloudflare/workers-types/latest/index.js';
import type { JobToSend } from '../../store/job-queue.js';
import type { JobMessage } from './worker-env.js';

/** Cloudflare Queues' longest delay (12 h); a job due later is sent again when its message arrives early. */
export const MAX_DELAY_SECONDS = 43_200;
/** Messages per `sendBatch` (Queues' limit). */
const BATCH = 100;

/**
 * Sends one message per job, delayed until the job is due. A message only says "look at this
 * job": the consumer claims the job's row, so a message sent twice runs it once.
 */
export class JobSender {
  constructor(
    private readonly queue: Pick<Queue<JobMessage>, 'send' | 'sendBatch'>,
    private readonly now: () => Date,
  ) {}

  /** Seconds from now until `runAt`, whole, within Queues' limits. */
  delaySecondsUntil(runAt: string): number {
    const ms = Date.parse(runAt) - this.now().getTime();
    return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(ms / 1000)));
  }

  /** One job's message (a retry, a job given back to wait for its rate limit). */
  async sendOne(job: JobToSend): Promise<void> {
    const delaySeconds = this.delaySecondsUntil(job.run_at);
    await this.queue.send({ jobId: job.id }, delaySeconds ? { delaySeconds } : {});
  }

  async send(jobs: readonly JobToSend[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += BATCH) {
      await this.queue.sendBatch(
        jobs.slice(i, i + BATCH).map((j) => {
          const delaySeconds = this.delaySecondsUntil(j.run_at);
          return delaySeconds ? { body: { jobId: j.id }, delaySeconds } : { body: { jobId: j.id } };
        }),
      );
    }
  }
}
