import type { MessageBatch } from '@cloudflare/workers-types/latest/index.js';
import { z } from 'zod';
import { deadLetterJob } from '../../store/job-queue.js';
import { jobFromRow, type JobRow } from '../../store/rows.js';
import type { WorkerHub } from './worker-hub.js';

const JobMessageBody = z.object({ jobId: z.string().min(1) });

/**
 * The dead-letter queue's consumer: a message Queues gave up on (its handling failed every
 * delivery) marks its job dead, with the reason, unless the job finished meanwhile; the operator
 * is told as for any job that dies. `closeloop replay` / `POST /api/jobs/replay` bring it back.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, hub: WorkerHub): Promise<void> {
  for (const message of batch.messages) {
    const body = JobMessageBody.safeParse(message.body);
    if (!body.success) {
      hub.log.error({ message: message.id }, 'dead-lettered message without a job id: dropped');
      message.ack();
      continue;
    }
    const reason = `its queue message was dead-lettered after ${message.attempts} deliveries that failed to run it`;
    try {
      const [row] = await hub.driver.run<JobRow>(deadLetterJob(body.data.jobId, reason, hub.now().toISOString()));
      if (row) {
        const job = jobFromRow(row);
        hub.log.error({ job: job.id, key: job.key, error: reason }, 'job dead');
        await hub.alerts.record(job, 'dead', hub.now(), reason);
      } else hub.log.info({ job: body.data.jobId }, 'dead-lettered message of a job already finished: nothing to mark');
      message.ack();
    } catch (error) {
      hub.log.error({ err: error, job: body.data.jobId }, 'could not mark a dead-lettered job');
      message.retry();
    }
  }
}
