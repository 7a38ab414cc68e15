import { env } from 'cloudflare:test';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NormalizedResponse } from '../../src/core/response.js';
import { D1Driver } from '../../src/runtime/workers/d1-driver.js';
import { claimJobById } from '../../src/store/job-queue.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { slackAppButtons } from '../support/slack-app-buttons.js';
import { recordingServer, SLACK_SETTINGS as SETTINGS, testClock, testWorker } from './support.js';

// Jobs on the Worker: planned by the shipped recipes, delivered through the real Slack SDK
// (@slack/web-api) to an msw fake inside workerd, one queue message at a time. Zendesk and
// Intercom have no credentials here: their jobs are sandboxed (node-zendesk's bundle requires
// node:process, which the test pool's module loader cannot give it; wrangler's bundle can, and
// test/deploy/dev-worker.test.ts opens a ticket through it from workerd).

let ts = 0;
const slackOk = () => HttpResponse.json({ ok: true, channel: 'C0CHANNEL1', ts: `1772445600.00000${++ts}` });
const api = recordingServer(
  http.post('https://slack.test/api/chat.postMessage', slackOk),
  // A retry first looks for its earlier post: the channel is not known by name here, so it posts.
  http.post('https://slack.test/api/conversations.list', () => HttpResponse.json({ ok: true, channels: [], response_metadata: { next_cursor: '' } })),
);
const posts = (sent: { url: URL; body: unknown }[]) => sent.filter((r) => r.url.pathname === '/api/chat.postMessage');
beforeAll(() => api.listen());
afterEach(() => api.reset());
afterAll(() => api.close());

const detractor = (id: string) => ({ response_id: id, score: 3, comment: 'Exports are too slow', email: 'ana@example.com', name: 'Ana Lima' });

async function postedId(res: Response): Promise<string> {
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

describe('jobs on Cloudflare Queues (D1 row the truth)', () => {
  it('a detractor is planned by the shipped recipes and delivered through the real SDKs, exactly once', async () => {
    const worker = testWorker(SETTINGS, { random: () => 0 });
    const id = await postedId(await worker.postJson('generic', detractor('w-det-1')));
    expect(await worker.drain()).toEqual([]);

    const sent = await api.take();
    const key = (action: string) => `${id}:detractor-ticket:${action}`;
    expect(sent.map((r) => `${r.method} ${r.url.href}`)).toEqual(['POST https://slack.test/api/chat.postMessage', 'POST https://slack.test/api/chat.postMessage']);
    const slack = sent.filter((r) => r.url.host === 'slack.test').map((r) => r.body as Record<string, string>);
    for (const r of sent.filter((r) => r.url.host === 'slack.test')) expect(r.headers.get('authorization')).toBe('Bearer xoxb-workers-123');
    const alert = slack.find((m) => m.channel === '#cx-alerts')!;
    expect(alert.text).toBe('Detractor: 3/10 from ana@example.com — ticket opened');
    expect(JSON.parse(alert.blocks!)).toEqual([
      { type: 'section', text: { type: 'plain_text', text: 'Detractor: 3/10 from ana@example.com — ticket opened' } },
      {
        type: 'section',
        fields: [
          { type: 'plain_text', text: 'Account\n—' },
          { type: 'plain_text', text: 'Plan\n—' },
          { type: 'plain_text', text: 'ARR\n—' },
          { type: 'plain_text', text: 'Owner\n—' },
        ],
      },
      { type: 'rich_text', elements: [{ type: 'rich_text_quote', elements: [{ type: 'text', text: 'Exports are too slow' }] }] },
      slackAppButtons(id),
    ]);
    expect(JSON.parse(alert.metadata!)).toEqual({ event_type: 'closeloop_job', event_payload: { key: key('alert') } });
    const verbatim = slack.find((m) => m.channel === '#nps-feedback')!;
    expect(verbatim.text).toBe('3/10 (detractor) from Ana Lima');
    expect(JSON.parse(verbatim.metadata!)).toEqual({ event_type: 'closeloop_job', event_payload: { key: `${id}:verbatims-to-slack:verbatim` } });

    const jobs = await worker.jobsOf(id);
    expect(jobs.map((j) => `${j.key} ${j.status} ${j.attempts}`).sort()).toEqual(
      [`plan:${id} succeeded 1`, `${key('ticket')} sandboxed 1`, `${key('alert')} succeeded 1`, `${id}:verbatims-to-slack:verbatim succeeded 1`].sort(),
    );

    // Queues deliver at least once: every message again finds nothing to claim — no second call.
    const again = await worker.deliver(jobs.map((j) => ({ body: { jobId: j.id }, delaySeconds: 0 })));
    expect(again.explicitAcks).toHaveLength(jobs.length);
    expect(await api.take()).toEqual([]);
    expect((await worker.jobsOf(id)).map((j) => `${j.status} ${j.attempts}`)).toEqual(jobs.map((j) => `${j.status} ${j.attempts}`));
    expect(worker.queue.take()).toEqual([]);
  });

  it("a 429 with Retry-After is retried after exactly that delay (a message delayed by it), then succeeds", async () => {
    const clock = testClock();
    const worker = testWorker(SETTINGS, { random: () => 0, now: clock.now });
    api.server.use(http.post('https://slack.test/api/chat.postMessage', () => HttpResponse.json({ ok: false, error: 'ratelimited' }, { status: 429, headers: { 'retry-after': '7' } }), { once: true }));
    const id = await postedId(await worker.postJson('generic', { response_id: 'w-passive-1', score: 7, comment: 'Fine, mostly' }));
    const later = await worker.drain();

    const [job] = (await worker.jobsOf(id)).filter((j) => j.type === 'action');
    expect(job).toMatchObject({ action: 'slack.postMessage', status: 'queued', attempts: 1 });
    expect(later).toEqual([{ body: { jobId: job!.id }, delaySeconds: 7 }]);
    const attempts = ((await (await worker.admin(`/api/jobs/${job!.id}`)).json()) as { attempts: { outcome: string; remoteStatus: number }[] }).attempts;
    expect(attempts).toMatchObject([{ outcome: 'retry', remoteStatus: 429 }]);
    expect(posts(await api.take())).toHaveLength(1);

    // Delivered early (a clock apart): nothing runs, the message goes back for the rest of the wait.
    worker.queue.take();
    clock.advance(2_000);
    await worker.deliver(later);
    expect(worker.queue.take()).toEqual([{ body: { jobId: job!.id }, delaySeconds: 5 }]);
    expect(await api.take()).toEqual([]);

    clock.advance(5_000);
    await worker.deliver(later);
    expect(posts(await api.take()).map((r) => (r.body as { text: string }).text)).toEqual(['7/10 (passive) from anonymous']);
    expect((await worker.jobsOf(id)).find((j) => j.id === job!.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('a permanent failure ends dead at once (no retry message); replay through the admin API sends it again', async () => {
    const worker = testWorker(SETTINGS, { random: () => 0 });
    api.server.use(http.post('https://slack.test/api/chat.postMessage', () => HttpResponse.json({ ok: false, error: 'channel_not_found' }), { once: true }));
    const id = await postedId(await worker.postJson('generic', { response_id: 'w-dead-1', score: 8, comment: 'Dead end' }));
    expect(await worker.drain()).toEqual([]);
    const verbatim = (await worker.jobsOf(id)).find((j) => j.action === 'slack.postMessage')!;
    expect(verbatim).toMatchObject({ status: 'dead', attempts: 1 });
    expect(verbatim.lastError).toMatch(/^Slack answered channel_not_found/);
    await api.take();

    const replay = await worker.admin(`/api/jobs/${verbatim.id}/replay`, { method: 'POST' });
    expect(await replay.json()).toEqual({ replayed: 1 });
    expect(worker.queue.sent).toEqual([{ body: { jobId: verbatim.id }, delaySeconds: 0 }]);
    await worker.drain();
    expect(posts(await api.take()).map((r) => (r.body as { text: string }).text)).toEqual(['8/10 (passive) from anonymous']);
    expect((await worker.jobsOf(id)).find((j) => j.id === verbatim.id)).toMatchObject({ status: 'succeeded' });
  });

  it('the sweeper recovers a lost message, an expired lease, and a response whose plan job was never written', async () => {
    const clock = testClock();
    const worker = testWorker(SETTINGS, { random: () => 0, now: clock.now });
    const id = await postedId(await worker.postJson('generic', { response_id: 'w-lost-1', score: 8, comment: 'Lost and found' }));
    worker.queue.take(); // the plan job's message is lost

    const [plan] = await worker.jobsOf(id);
    const mine = (ids: string[]) => worker.queue.take().filter((m) => ids.includes(m.body.jobId));
    // Within the grace period the sweeper leaves it (its message may still be on its way).
    await worker.sweep(clock.now());
    expect(mine([plan!.id])).toEqual([]);
    clock.advance(2 * 60_000);
    await worker.sweep(clock.now());
    expect(mine([plan!.id])).toEqual([{ body: { jobId: plan!.id }, delaySeconds: 0 }]);
    await worker.deliver([{ body: { jobId: plan!.id }, delaySeconds: 0 }]);
    const action = (await worker.jobsOf(id)).find((j) => j.type === 'action')!;

    // A consumer claims the action job and dies: its lease expires, and the sweeper sends it again.
    worker.queue.take();
    const driver = new D1Driver(env.DB);
    await driver.run(claimJobById(action.id, clock.now().toISOString(), new Date(clock.now().getTime() + 30_000).toISOString()));
    await worker.sweep(clock.now());
    expect(mine([action.id])).toEqual([]);
    clock.advance(31_000);
    await worker.sweep(clock.now());
    expect(mine([action.id])).toEqual([{ body: { jobId: action.id }, delaySeconds: 0 }]);
    await worker.deliver([{ body: { jobId: action.id }, delaySeconds: 0 }]);
    expect(posts(await api.take()).map((r) => (r.body as { text: string }).text)).toEqual(['8/10 (passive) from anonymous']);
    expect((await worker.jobsOf(id)).find((j) => j.id === action.id)).toMatchObject({ status: 'succeeded', attempts: 2 });

    // A response stored, and the isolate gone before its plan job was written: the sweep writes and sends it.
    const stored = await new SqlStore(driver).ingest({ response: NormalizedResponse.parse({ source: 'generic', sourceResponseId: 'w-unplanned-1', score: 9 }), rawBody: '{}', contentType: 'application/json' });
    await worker.sweep(clock.now());
    const [unplanned] = await worker.jobsOf(stored.id);
    expect(unplanned).toMatchObject({ key: `plan:${stored.id}`, status: 'queued' });
    expect(worker.queue.take()).toContainEqual({ body: { jobId: unplanned!.id }, delaySeconds: 0 });
  });

  it('the dead-letter queue marks its job dead with the reason; a job finished meanwhile is left alone', async () => {
    const worker = testWorker(SETTINGS, { random: () => 0 });
    const id = await postedId(await worker.postJson('generic', { response_id: 'w-dlq-1', score: 8, comment: 'Dead letters' }));
    const [message] = worker.queue.take();
    const result = await worker.deliverDeadLetters([message!]);
    expect(result.explicitAcks).toHaveLength(1);
    const [plan] = await worker.jobsOf(id);
    expect(plan).toMatchObject({ status: 'dead', lastError: 'its queue message was dead-lettered after 6 deliveries that failed to run it' });

    const other = await postedId(await worker.postJson('generic', { response_id: 'w-dlq-2', score: 8, comment: null }));
    const sent = worker.queue.take();
    await worker.deliver(sent);
    await worker.deliverDeadLetters(sent);
    expect((await worker.jobsOf(other))[0]).toMatchObject({ status: 'succeeded' });
  });
});
