import type { ExecutionContext, MessageBatch, ScheduledController } from '@cloudflare/workers-types/latest/index.js';
import { HubError } from '../../core/errors.js';
import { consumeDeadLetters } from './dead-letters.js';
import { consumeJobs } from './job-consumer.js';
import { sweep } from './sweeper.js';
import { createWorkerHub, type WorkerHub, type WorkerHubOptions } from './worker-hub.js';
import type { WorkerEnv } from './worker-env.js';

/** The dead-letter queue's name in wrangler.toml: its batches mark jobs dead instead of running them. */
export const DEAD_LETTER_QUEUE = 'closeloop-jobs-dead';

/**
 * The Worker's handlers over a hub built once per isolate and env (bindings and settings do not
 * change while an isolate lives): `fetch` serves the Hono app, `queue` consumes the jobs queue and
 * its dead-letter queue, `scheduled` runs the sweeper.
 */
export function workerHandlers(options: (env: WorkerEnv) => WorkerHubOptions) {
  const hubs = new WeakMap<WorkerEnv, WorkerHub>();
  const hubFor = (env: WorkerEnv): WorkerHub => {
    let hub = hubs.get(env);
    if (!hub) hubs.set(env, (hub = createWorkerHub(env, options(env))));
    return hub;
  };
  return {
    async fetch(request: Request, env: WorkerEnv, ctx?: ExecutionContext): Promise<Response> {
      let hub: WorkerHub;
      try {
        hub = hubFor(env);
      } catch (error) {
        // A bad setting: every request says which (the Node hub refuses to start instead).
        if (!(error instanceof HubError)) throw error;
        console.error(JSON.stringify({ level: 50, msg: 'invalid configuration', error: error.message }));
        return Response.json(error.toJSON(), { status: 503 });
      }
      return hub.fetch(request, ctx);
    },
    async queue(batch: MessageBatch<unknown>, env: WorkerEnv): Promise<void> {
      const hub = hubFor(env);
      await (batch.queue === DEAD_LETTER_QUEUE ? consumeDeadLetters(batch, hub) : consumeJobs(batch, hub));
    },
    async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
      ctx.waitUntil(sweep(hubFor(env), new Date(controller.scheduledTime)));
    },
  };
}
