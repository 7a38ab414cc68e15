import type { Message, MessageBatch } from '@cloudflare/workers-types/latest/index.js';
import { z } from 'zod';
import { processJob } from '../../jobs/process-job.js';
import { claimJobById, jobState, type JobToSend } from '../../store/job-queue.js';
import { jobFromRow, type JobRow } from '../../store/rows.js';
import type { WorkerHub } from './worker-hub.js';
import type { JobMessage } from './worker-env.js';

const JobMessageBody = z.object({ jobId: z.string().min(1) });

/**
 * The jobs queue's consumer. Each message names a job: the job is claimed by id under a lease (a
 * guarded UPDATE: a duplicate or stale message claims nothing and is acked), run by the same
 * `processJob` as on Node (which records the attempt), and a retry — or a job given back to wait
 * for its rate limit — is a new message delayed until its run time. A message whose handling
 * failed (the database could not be written) is retried by Queues, then dead-lettered.
 */
export async function consumeJobs(batch: MessageBatch<unknown>, hub: WorkerHub): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        await handleMessage(message, hub);
        message.ack();
      } catch (error) {
        hub.log.error({ err: error, message: message.id }, 'job message could not be handled; Queues delivers it again');
        message.retry();
      }
    }),
  );
}

async function handleMessage(message: Message<unknown>, hub: WorkerHub): Promise<void> {
  const body = JobMessageBody.safeParse(message.body);
  if (!body.success) {
    hub.log.error({ message: message.id, field: body.error.issues[0]?.path.join('.') || '(body)' }, 'job message without a job id: dropped');
    return;
  }
  const { jobId } = body.data satisfies JobMessage;
  const leaseMs = hub.config.CLOSELOOP_LEASE_SECONDS * 1000;
  const now = hub.now();
  const [row] = await hub.driver.run<JobRow>(claimJobById(jobId, now.toISOString(), new Date(now.getTime() + leaseMs).toISOString()));
  if (!row) return noClaim(jobId, hub);
  const job = jobFromRow(row);
  // A long attempt keeps its lease, so the sweeper does not hand the job to a second consumer.
  const heartbeat = setInterval(() => {
    hub.store.extendLeases([{ id: job.id, attempts: job.attempts }], new Date(hub.now().getTime() + leaseMs).toISOString()).catch((error: unknown) => hub.log.error({ err: error, job: job.id }, 'could not renew the lease of a running job'));
  }, leaseMs / 3);
  let result;
  try {
    result = await processJob(job, hub.jobs);
  } finally {
    clearInterval(heartbeat);
  }
  if ((result.outcome === 'retry' || result.outcome === 'deferred') && result.runAt) await hub.sender.sendOne({ id: job.id, run_at: result.runAt });
}

/**
 * Nothing to claim: a duplicate, or a message for a job finished, cancelled (with its campaign),
 * erased, or running under a live lease — acked. A message that arrived before its job is due (a delay longer than Queues allows,
 * a clock apart) is sent again for the rest of the wait.
 */
async function noClaim(jobId: string, hub: WorkerHub): Promise<void> {
  const state = await hub.driver.get<JobToSend & { status: string }>(jobState(jobId));
  if (state?.status === 'queued' && Date.parse(state.run_at) > hub.now().getTime()) {
    await hub.sender.sendOne(state);
    return;
  }
  hub.log.debug({ job: jobId, status: state?.status ?? 'gone' }, 'job message with nothing to claim (duplicate or stale): acked');
}
