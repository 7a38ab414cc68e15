import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, recordingServer, testClock, testWorker } from './support.js';

// Cancelling a campaign on the Worker: the same admin route over D1, and the jobs queue's
// consumer acking a message for a cancelled job without running it (the real Slack SDK would
// post to the msw fake; nothing reaches it).
const SETTINGS = {
  CLOSELOOP_ADMIN_TOKEN: ADMIN_TOKEN,
  CLOSELOOP_ALLOW_UNSIGNED: 'generic',
  CLOSELOOP_RATE_LIMITS: 'off',
  SLACK_BOT_TOKEN: 'xoxb-workers-cancel',
  SLACK_API_URL: 'https://slack.test/api/',
};
const api = recordingServer(http.post('https://slack.test/api/chat.postMessage', () => HttpResponse.json({ ok: true, channel: 'C0ADVOCATE', ts: '1772445600.000001' })));
beforeAll(() => api.listen());
afterEach(() => api.reset());
afterAll(() => api.close());

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('cancelling a campaign on Workers (D1 and Queues)', () => {
  it('cancels the queued jobs of wave 1; their messages are acked and send nothing; approval answers 409; the sweeper sends no message for them', async () => {
    const clock = testClock();
    const worker = testWorker(SETTINGS, { random: () => 0, now: clock.now, recipes: [] });
    const ids: string[] = [];
    for (const [id, score] of [['wa', 10], ['wb', 10], ['wc', 9]] as const) {
      const res = await worker.postJson('generic', { response_id: id, score, email: `${id}@example.com` });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    await worker.drain();
    const created = await worker.admin('/api/campaigns', json({ name: 'edge-wave', action: 'slack.postMessage', params: { channel: '#advocates', text: '{{ response.respondent.email }}' }, waves: { by: 'score' } }));
    expect(created.status).toBe(201);
    const wave1 = (await Promise.all(ids.slice(0, 2).map((id) => worker.jobsOf(id)))).flat().filter((j) => j.key.startsWith('campaign:'));
    expect(wave1.map((j) => j.status)).toEqual(['queued', 'queued']);

    const cancelled = await worker.admin('/api/campaigns/edge-wave/cancel', json({ reason: 'wrong channel' }));
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ alreadyCancelled: false, jobsCancelled: 2, stillRunning: 0, alreadyDone: 0, wavesNotReleased: 1, campaign: { cancelled: { by: 'api', reason: 'wrong channel' }, next: null } });

    // Their messages (sent before the cancel, say) find nothing to claim: acked, nothing posted.
    worker.queue.take();
    const result = await worker.deliver(wave1.map((j) => ({ body: { jobId: j.id }, delaySeconds: 0 })));
    expect([result.explicitAcks.length, result.retryMessages]).toEqual([2, []]);
    expect(await api.take()).toEqual([]);
    expect((await Promise.all(ids.slice(0, 2).map((id) => worker.jobsOf(id)))).flat().filter((j) => j.key.startsWith('campaign:')).map((j) => [j.status, j.attempts])).toEqual([
      ['cancelled', 0],
      ['cancelled', 0],
    ]);

    const approved = await worker.admin('/api/campaigns/edge-wave/approve', { method: 'POST' });
    expect(approved.status).toBe(409);
    expect(((await approved.json()) as { error: { code: string } }).error.code).toBe('campaign_cancelled');
    clock.advance(10 * 60_000);
    await worker.sweep(clock.now());
    expect(worker.queue.take().filter((m) => wave1.some((j) => j.id === m.body.jobId))).toEqual([]);
    expect((await worker.jobsOf(ids[2]!)).filter((j) => j.key.startsWith('campaign:'))).toEqual([]);
  });
});
