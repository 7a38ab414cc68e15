import { actionRegistry } from '../../connectors/registry.js';
import type { Logger } from '../../src/core/logger.js';
import type { Enricher } from '../../src/core/account.js';
import type { Job } from '../../src/core/job.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

/** A fixed start time for the injected clock: retry times are then exact. */
export const T0 = new Date('2026-03-02T10:00:00.000Z');

/**
 * A hub (temp SQLite, real job runner, real connectors) with one recipe that fires one action
 * on every response, and a clock the test moves. `respond()` posts a generic webhook and runs
 * every due job; `later(ms)` moves the clock and runs what became due.
 */
export function actionHub(options: { action: string; params: Record<string, unknown>; env: Record<string, string>; log?: Logger; enricher?: Enricher }) {
  const clock = { now: T0 };
  const text = ['name: under-test', 'when: "true"', 'actions:', '  - id: act', `    action: ${options.action}`, `    params: ${JSON.stringify(options.params)}`].join('\n');
  const recipes = parseRecipes([{ file: 'under-test.yaml', text }], new Set(actionRegistry().keys()));
  const hub = makeTestHub({ env: { CLOSELOOP_HTTP_TIMEOUT_MS: '300', ...options.env }, recipes, now: () => clock.now, ...(options.log ? { log: options.log } : {}), ...(options.enricher ? { enricher: options.enricher } : {}) });
  let sent = 0;

  return Object.assign(hub, {
    clock,
    /** Post one response (generic source) and deliver; returns the action job as it is now. */
    async respond(body: Record<string, unknown> = {}): Promise<Job> {
      sent += 1;
      const res = await postWebhook(hub, 'generic', { response_id: `r-${sent}`, score: 3, comment: 'Too slow', email: 'ana@example.com', name: 'Ana Lima', ...body });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      await hub.loop.drain();
      const jobs = await hub.store.listJobs({ responseId: id, limit: 10 });
      const job = jobs.find((j) => j.type === 'action');
      if (!job) throw new Error(`no action job: ${JSON.stringify(jobs)}`);
      return job;
    },
    /** Move the clock by `ms`, run every job that became due, and return `job` re-read. */
    async later(ms: number, job: Job): Promise<Job> {
      clock.now = new Date(clock.now.getTime() + ms);
      await hub.loop.drain();
      return (await hub.store.getJob(job.id))!;
    },
    async attempts(job: Job) {
      return hub.store.listAttempts(job.id);
    },
  });
}
