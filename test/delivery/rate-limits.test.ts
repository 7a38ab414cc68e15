import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { takeRateLimitSlot, type DeliveryRateLimiter } from '../../src/core/rate-limit.js';
import { MemoryRateLimiter } from '../../src/jobs/memory-rate-limiter.js';
import { recordingServer } from '../support/http-recorder.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

/**
 * Rate limits: the limiter shared by every runner (rate-limiter-flexible in memory), the
 * "wait briefly or give the job back" rule, and Slack's 1 message per second per channel end to
 * end: messages are paced, none is dropped, and waiting is not counted as an attempt.
 */
describe('the shared limiter', () => {
  it('one key: the first call goes, the callers behind it are told their turn one window after another', async () => {
    const limiter = new MemoryRateLimiter();
    const limit = { points: 1, durationMs: 1_000 };
    expect(await limiter.acquire('slack:cx-alerts', limit)).toBe(0);
    const waits = [await limiter.acquire('slack:cx-alerts', limit), await limiter.acquire('slack:cx-alerts', limit), await limiter.acquire('slack:cx-alerts', limit)];
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(1_000);
    expect(waits[1]).toBeGreaterThan(1_000);
    expect(waits[1]).toBeLessThanOrEqual(2_000);
    expect(waits[2]).toBeGreaterThan(2_000);
    expect(waits[2]).toBeLessThanOrEqual(3_000);
    // Another channel has its own budget.
    expect(await limiter.acquire('slack:nps-feedback', limit)).toBe(0);
  });

  it('a per-account limit lets `points` calls through per window, then spreads the rest', async () => {
    const limiter = new MemoryRateLimiter();
    const limit = { points: 3, durationMs: 60_000 };
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) waits.push(await limiter.acquire('zendesk:account', limit));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    // Callers 4–6 get the next window, 7–8 the one after.
    for (const w of waits.slice(3, 6)) expect(w > 0 && w <= 60_000).toBe(true);
    for (const w of waits.slice(6)) expect(w > 60_000 && w <= 120_000).toBe(true);
  });
});

describe('wait briefly, or give the job back', () => {
  function scripted(answers: number[]): DeliveryRateLimiter & { calls: number } {
    return {
      calls: 0,
      async acquire() {
        return answers[this.calls++] ?? 0;
      },
    };
  }

  it('a slot free within the wait budget: sleeps for it in the runner, then takes it', async () => {
    const slept: number[] = [];
    const limiter = scripted([120, 0]);
    expect(await takeRateLimitSlot(limiter, 'k', { points: 1, durationMs: 1_000 }, { maxWaitMs: 250, sleep: async (ms) => void slept.push(ms) })).toBe(0);
    expect(slept).toEqual([120]);
    expect(limiter.calls).toBe(2);
  });

  it('a longer wait: no sleeping, the job goes back to the queue for that long', async () => {
    const slept: number[] = [];
    expect(await takeRateLimitSlot(scripted([900]), 'k', { points: 1, durationMs: 1_000 }, { maxWaitMs: 250, sleep: async (ms) => void slept.push(ms) })).toBe(900);
    expect(slept).toEqual([]);
  });

  it('losing the slot to another runner after a short sleep: the budget is spent once, then the job goes back', async () => {
    const slept: number[] = [];
    expect(await takeRateLimitSlot(scripted([200, 200]), 'k', { points: 1, durationMs: 1_000 }, { maxWaitMs: 250, sleep: async (ms) => void slept.push(ms) })).toBe(200);
    expect(slept).toEqual([200]);
  });
});

// ---------------------------------------------------------------------------------------------
const SLACK = 'https://slack-pacing.test/api';
const arrivals: { channel: string; at: number; text: string }[] = [];
let ts = 0;
const api = recordingServer(
  http.post(`${SLACK}/chat.postMessage`, async ({ request }) => {
    // The time first, before the body is read: under load, reading it can wait a turn or two.
    const at = Date.now();
    const form = new URLSearchParams(await request.text());
    arrivals.push({ channel: form.get('channel')!, at, text: form.get('text')! });
    return HttpResponse.json({ ok: true, channel: 'C0CXALERTS1', ts: `1772445600.${String(++ts).padStart(6, '0')}` });
  }),
);
beforeAll(() => api.listen());
afterAll(() => api.close());

let hub: ReturnType<typeof makeTestHub> | undefined;
afterEach(async () => {
  await hub?.cleanup();
  hub = undefined;
  api.reset();
  arrivals.length = 0;
});

describe("Slack's 1 message per second per channel, end to end", () => {
  it('6 alerts to one channel with 8 runners: all delivered, at least a second apart, each in one counted attempt', { timeout: 30_000 }, async () => {
    hub = makeTestHub({ env: { SLACK_BOT_TOKEN: 'xoxb-pacing', SLACK_API_URL: `${SLACK}/`, CLOSELOOP_RATE_LIMITS: 'on', CLOSELOOP_CONCURRENCY: '8' } });
    const h = hub;
    // Detractors without email or comment: only the Slack alert to #cx-alerts.
    for (let i = 0; i < 6; i++) expect((await postWebhook(h, 'generic', { response_id: `pace-${i}`, score: 2 })).status).toBe(202);
    // Run until nothing waits: deferred jobs are due again when their channel has room. (The first
    // drain writes the plan jobs: until a claim, the responses have none.)
    await h.loop.drain();
    const nextRunAt = () => (h.store.db.prepare(`SELECT MIN(run_at) AS at FROM jobs WHERE status IN ('queued', 'running')`).get() as { at: string | null }).at;
    for (let at = nextRunAt(); at; at = nextRunAt()) {
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(at!) - Date.now())));
      await h.loop.drain();
    }

    const alerts = await h.store.listJobs({ action: 'slack.postMessage', limit: 10 });
    expect(alerts).toHaveLength(6);
    expect(arrivals).toHaveLength(6);
    expect(arrivals.every((a) => a.channel === '#cx-alerts')).toBe(true);
    for (const job of alerts) {
      expect(job.status).toBe('succeeded');
      // Waiting for the channel is not an attempt: one attempt, one attempt row.
      expect(job.attempts).toBe(1);
      expect((await h.store.listAttempts(job.id)).map((a) => a.outcome)).toEqual(['succeeded']);
    }
    expect(arrivals.filter((a) => a.text.includes('2/10'))).toHaveLength(6);
    // Spaced by the limiter (a window opens only after the previous one closed). The hop from the
    // limiter's grant to the fake server is a few ms on a quiet machine and can reach tens under
    // load, later for one message than for the next: 100 ms of slack (unpaced, they come ~1 ms apart).
    const gaps = arrivals.slice(1).map((a, i) => a.at - arrivals[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);
    // And over the whole run no hop can shorten: six messages take at least five windows less one hop.
    expect(arrivals.at(-1)!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(5 * 1_000 - 100);
  });
});
