import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { noEnrichment } from '../../src/core/account.js';
import { processJob } from '../../src/jobs/process-job.js';
import { DEFAULT_RETRY_POLICY } from '../../src/core/retry-policy.js';
import { createNodeHub } from '../../src/runtime/node/hub.js';
import { recordingServer } from '../support/http-recorder.js';
import { postWebhook } from '../support/hub.js';

let ts = 0;
const slackApi = recordingServer(
  http.post('http://slack.test/api/chat.postMessage', () => HttpResponse.json({ ok: true, ts: `1700000000.00010${ts++}`, channel: 'C1' })),
);

describe('a restart keeps stored jobs', () => {
  let dir: string;
  let env: Record<string, string>;
  const hubs: ReturnType<typeof createNodeHub>[] = [];
  const open = (now?: () => Date) => {
    const hub = createNodeHub({ env, log: silentLogger, now });
    hubs.push(hub);
    return hub;
  };

  beforeAll(() => slackApi.listen());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-restart-'));
    env = { CLOSELOOP_DB: join(dir, 'hub.db'), CLOSELOOP_RECIPES: 'recipes', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: 'http://slack.test/api/', CLOSELOOP_ALLOW_UNSIGNED: 'generic' };
    ts = 0;
  });
  afterEach(async () => {
    for (const hub of hubs.splice(0)) await hub.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    slackApi.reset();
  });
  afterAll(() => slackApi.close());

  it('a response ingested before a restart is planned and delivered once after it', async () => {
    const first = open();
    const res = await postWebhook(first, 'generic', { response_id: 'r-restart', score: 4, comment: 'Meh', email: 'c@example.com' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await first.close(); // nothing drained: the response is only on disk
    expect(slackApi.requests.length).toBe(0);

    const second = open();
    expect((await second.store.getResponse(id))!.sourceResponseId).toBe('r-restart');
    // Only the response row is on disk; its plan job is written when the new runner claims work.
    expect(await second.store.listJobs({ limit: 10 })).toEqual([]);
    expect((await second.store.queueStats(new Date().toISOString())).unplanned).toBe(1);
    await second.loop.drain();
    expect(slackApi.requests.map((r) => (r.body as Record<string, string>).channel).sort()).toEqual(['#cx-alerts', '#nps-feedback']);

    const jobs = await second.store.listJobs({ limit: 10 });
    expect(jobs.map((j) => [j.action ?? 'plan', j.status, j.attempts]).sort()).toEqual([
      ['plan', 'succeeded', 1],
      ['slack.postMessage', 'succeeded', 1],
      ['slack.postMessage', 'succeeded', 1],
      ['zendesk.createTicket', 'sandboxed', 1],
    ]);
    await second.close();

    // Another restart finds nothing to do and sends nothing again.
    const third = open();
    await third.loop.drain();
    expect(slackApi.requests.length).toBe(2);
    expect(await third.store.listJobs({ limit: 10 })).toEqual(jobs);
  });

  it('action jobs planned before a restart are delivered after it, once', async () => {
    const first = open();
    const { id } = (await (await postWebhook(first, 'generic', { response_id: 'r-planned', score: 10, comment: 'Great', email: 'p@example.com' })).json()) as { id: string };
    // Run only the plan job by hand: the action jobs are queued, not sent.
    const [plan] = await first.store.claimJobs({ now: new Date().toISOString(), limit: 1, leaseUntil: new Date(Date.now() + 60_000).toISOString() });
    expect(plan!.type).toBe('plan');
    await processJob(plan!, {
      store: first.store,
      recipes: first.recipes,
      registry: first.registry,
      clients: first.clients,
      enricher: noEnrichment,
      retry: DEFAULT_RETRY_POLICY,
      log: silentLogger,
      now: () => new Date(),
    });
    expect((await first.store.listJobs({ status: 'queued', limit: 10 })).map((j) => j.action).sort()).toEqual(['intercom.trackEvent', 'slack.postMessage']);
    await first.close();
    expect(slackApi.requests.length).toBe(0);

    const second = open();
    await second.loop.drain();
    expect(slackApi.requests.length).toBe(1);
    expect(JSON.parse((slackApi.requests[0]!.body as Record<string, string>).metadata!)).toEqual({
      event_type: 'closeloop_job',
      event_payload: { key: `${id}:verbatims-to-slack:verbatim` },
    });
    await second.loop.drain();
    expect(slackApi.requests.length).toBe(1);
  });

  it('a job claimed by a runner that died is claimed again once its lease expires', async () => {
    const t0 = new Date('2026-02-01T12:00:00.000Z');
    let clock = t0;
    const first = open(() => clock);
    const { id } = (await (await postWebhook(first, 'generic', { response_id: 'r-lease', score: 8 })).json()) as { id: string };
    // The runner claims the plan job with a 30 s lease… and the process dies.
    const claimed = await first.store.claimJobs({ now: t0.toISOString(), limit: 10, leaseUntil: new Date(t0.getTime() + 30_000).toISOString() });
    expect(claimed.map((j) => [j.key, j.status, j.attempts])).toEqual([[`plan:${id}`, 'running', 1]]);
    await first.close();

    // Restarted 10 s later: the lease still holds, nobody takes the job.
    clock = new Date(t0.getTime() + 10_000);
    const second = open(() => clock);
    await second.loop.drain();
    expect((await second.store.getJob(claimed[0]!.id))!).toMatchObject({ status: 'running', attempts: 1, leaseUntil: '2026-02-01T12:00:30.000Z' });

    // After the lease: claimed again and finished (a passive with no comment plans nothing).
    clock = new Date(t0.getTime() + 31_000);
    await second.loop.drain();
    const job = (await second.store.getJob(claimed[0]!.id))!;
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2, leaseUntil: null });
    expect(await second.store.listJobs({ limit: 10 })).toEqual([job]);
    expect(slackApi.requests.length).toBe(0);
  });

  it('a stale runner cannot overwrite the job after another runner took it over', async () => {
    const t0 = new Date('2026-02-01T12:00:00.000Z');
    const hub = open(() => t0);
    await postWebhook(hub, 'generic', { response_id: 'r-stale', score: 8 });
    const [stale] = await hub.store.claimJobs({ now: t0.toISOString(), limit: 1, leaseUntil: new Date(t0.getTime() + 1_000).toISOString() });
    const later = new Date(t0.getTime() + 5_000).toISOString();
    const [fresh] = await hub.store.claimJobs({ now: later, limit: 1, leaseUntil: new Date(t0.getTime() + 60_000).toISOString() });
    expect(fresh!.id).toBe(stale!.id);
    expect(fresh!.attempts).toBe(2);
    // The first runner comes back late and reports failure: ignored, the job stays with the second.
    await hub.store.finishAttempt(stale!, { jobId: stale!.id, attempt: 1, startedAt: t0.toISOString(), finishedAt: later }, { outcome: 'dead', error: 'late' });
    expect(await hub.store.getJob(stale!.id)).toMatchObject({ status: 'running', attempts: 2, lastError: null });
  });
});
