import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordingServer } from '../support/http-recorder.js';
import { adminRequest, makeTestHub, postWebhook } from '../support/hub.js';

/**
 * Cancelling a campaign: a CX team sees complaints after wave 1 and stops the waves to come.
 * Intercom is faked at the HTTP layer (msw) while the real SDK makes the calls; the hub's clock
 * is the test's, so the pause between waves passes without waiting.
 */
const BASE = 'https://intercom-cancel.test';
const T0 = new Date('2026-11-02T09:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ORIGIN = 'https://hub.test';

const events: { event_name: string; created_at: number; id: string; metadata: Record<string, string> }[] = [];
/** While set, Intercom refuses every event for good (404), as for a contact deleted meanwhile. */
let refuseEvents = false;
const api = recordingServer(
  http.post(`${BASE}/contacts/search`, async ({ request }) => {
    const { query } = (await request.json()) as { query: { value: string } };
    const contact = { type: 'contact', id: `contact-${query.value.split('@')[0]}`, email: query.value, role: 'user' };
    return HttpResponse.json({ type: 'list', data: [contact], total_count: 1, pages: { type: 'pages', page: 1, per_page: 1, total_pages: 1 } });
  }),
  http.post(`${BASE}/events`, async ({ request }) => {
    if (refuseEvents) return HttpResponse.json({ type: 'error.list', errors: [{ code: 'not_found', message: 'User Not Found' }] }, { status: 404 });
    events.push((await request.json()) as (typeof events)[number]);
    return new HttpResponse(null, { status: 202 });
  }),
);
beforeAll(() => api.listen());
afterAll(() => api.close());

const clock = { now: T0 };
let hub: ReturnType<typeof makeTestHub> | undefined;
afterEach(async () => {
  await hub?.cleanup();
  hub = undefined;
  api.reset();
  events.length = 0;
  refuseEvents = false;
});
function startHub() {
  clock.now = T0;
  hub = makeTestHub({ recipes: [], now: () => clock.now, env: { CLOSELOOP_ADMIN_TOKEN: 'campaign-cancel-admin-token-0123456789', INTERCOM_ACCESS_TOKEN: 'ic-cancel-token', INTERCOM_BASE_URL: BASE } });
  return hub;
}
const post = (h: NonNullable<typeof hub>, path: string, body?: unknown) =>
  adminRequest(h, path, body === undefined ? { method: 'POST' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const get = async <T>(h: NonNullable<typeof hub>, path: string) => (await (await adminRequest(h, path)).json()) as T;
type ErrorBody = { error: { code: string; issues: { field: string; message: string }[] } };

/** Three 10s (wave 1) and two 9s (wave 2), answered yesterday, planned. */
async function promoters(h: NonNullable<typeof hub>) {
  clock.now = new Date(T0.getTime() - 24 * HOUR);
  for (const [id, score] of [['ana', 10], ['bob', 10], ['cy', 10], ['dee', 9], ['eli', 9]] as const) {
    expect((await postWebhook(h, 'generic', { response_id: id, score, email: `${id}@example.com` })).status).toBe(202);
  }
  await h.loop.drain();
  clock.now = T0;
}
const CAMPAIGN = {
  name: 'featured-on-g2',
  action: 'intercom.trackEvent',
  params: { email: '{{ response.respondent.email }}', eventName: 'featured-on-g2', metadata: { score: '{{ response.score }}' } },
  filter: { score: { min: 9 } },
  waves: { by: 'score' },
  betweenWaves: { pause: '24h' },
};

type Status = {
  cancelled: { at: string; by: string; reason: string | null } | null;
  next: unknown;
  waves: { wave: number; releasedAt: string | null; queued: number; sent: number; cancelled: number }[];
  totals: Record<string, number>;
};

describe('cancelling a campaign', () => {
  it('after wave 1 is released: its unclaimed jobs end cancelled and never reach Intercom, the claimed one finishes, the pause passes and wave 2 is never released', async () => {
    const h = startHub();
    await promoters(h);
    const created = await post(h, '/api/campaigns', CAMPAIGN);
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    // A runner has claimed one of wave 1's three jobs and is sending it; the other two wait.
    const [claimed] = await h.store.claimJobs({ now: T0.toISOString(), limit: 1, leaseUntil: new Date(T0.getTime() + 30_000).toISOString() });
    expect(claimed).toMatchObject({ key: expect.stringMatching(/^campaign:/), status: 'running' });

    clock.now = new Date(T0.getTime() + 10_000);
    const cancelled = await post(h, `/api/campaigns/${id}/cancel`, { reason: 'complaints about the G2 ask' });
    expect(cancelled.status).toBe(200);
    const answer = (await cancelled.json()) as { alreadyCancelled: boolean; jobsCancelled: number; stillRunning: number; alreadyDone: number; wavesNotReleased: number; campaign: Status };
    expect(answer).toMatchObject({ alreadyCancelled: false, jobsCancelled: 2, stillRunning: 1, alreadyDone: 0, wavesNotReleased: 1 });
    expect(answer.campaign.cancelled).toEqual({ at: clock.now.toISOString(), by: 'api', reason: 'complaints about the G2 ask' });
    expect(answer.campaign.next).toBeNull();

    // The claimed job's runner died: once its lease is over the hub sends it (a claimed job finishes).
    clock.now = new Date(T0.getTime() + MINUTE);
    await h.loop.drain();
    expect(events).toEqual([{ event_name: 'featured-on-g2', created_at: Math.floor(T0.getTime() / 1000), id: `contact-${(claimed!.params as { email: string }).email.split('@')[0]}`, metadata: { score: '10' } }]);

    // Again, as a script would: 200, nothing more cancelled, and it says so.
    const again = await post(h, `/api/campaigns/featured-on-g2/cancel`);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ alreadyCancelled: true, jobsCancelled: 0, stillRunning: 0, alreadyDone: 1, campaign: { cancelled: { by: 'api', reason: 'complaints about the G2 ask' } } });

    // The pause passes, the runner's sweeps run: wave 2 is never released, Intercom hears nothing more.
    for (const hours of [23, 24, 25, 48]) {
      clock.now = new Date(T0.getTime() + hours * HOUR);
      await h.loop.drain();
    }
    expect(events).toHaveLength(1);
    expect(api.requests.filter((r) => r.url.pathname === '/events')).toHaveLength(1);
    const status = await get<Status>(h, `/api/campaigns/${id}`);
    expect(status.waves.map((w) => [w.wave, w.releasedAt, w.queued, w.sent, w.cancelled])).toEqual([
      [1, T0.toISOString(), 0, 1, 2],
      [2, null, 0, 0, 0],
    ]);
    expect(status.totals).toMatchObject({ members: 5, sent: 1, cancelled: 2, queued: 0 });
    expect(status.next).toBeNull();
    expect((await get<{ campaigns: Status[] }>(h, '/api/campaigns')).campaigns.map((c) => c.cancelled?.reason)).toEqual(['complaints about the G2 ask']);
    // Wave 1: the claimed member sent, the other two cancelled; wave 2 never queued.
    const members = await h.store.campaignMembers(id);
    const claimedEmail = (claimed!.params as { email: string }).email;
    expect(members.map((m) => [m.wave, m.respondent, m.status]).sort((x, y) => String(x[1]).localeCompare(String(y[1])))).toEqual(
      ['ana', 'bob', 'cy', 'dee', 'eli'].map((who, i) => [i < 3 ? 1 : 2, `${who}@example.com`, i >= 3 ? null : `${who}@example.com` === claimedEmail ? 'succeeded' : 'cancelled']),
    );

    // Whoever a cancelled job did not reach was not contacted: a new campaign may take them, not the one reached.
    const again2 = (await (await post(h, '/api/campaigns', { ...CAMPAIGN, name: 'featured-again', filter: { score: { min: 9 }, notContactedFor: '90d' }, dryRun: true })).json()) as { waves: { members: { respondent: string }[] }[] };
    expect(again2.waves.flatMap((w) => w.members.map((m) => m.respondent)).sort()).toEqual(['ana', 'bob', 'cy', 'dee', 'eli'].map((who) => `${who}@example.com`).filter((e) => e !== claimedEmail));

    // Approval after a cancel: 409, naming the campaign.
    const approved = await post(h, `/api/campaigns/${id}/approve`);
    expect(approved.status).toBe(409);
    expect(((await approved.json()) as ErrorBody).error).toMatchObject({ code: 'campaign_cancelled', issues: [{ field: 'id', message: 'campaign cancelled' }] });

    // Cancelled jobs are listed by status, counted by /healthz, and never replayed.
    const jobs = await get<{ jobs: { id: string; status: string }[] }>(h, '/api/jobs?status=cancelled');
    expect(jobs.jobs).toHaveLength(2);
    const replay = await post(h, `/api/jobs/${jobs.jobs[0]!.id}/replay`);
    expect(replay.status).toBe(409);
    expect(await (await post(h, '/api/jobs/replay', { status: 'dead', connector: 'intercom' })).json()).toEqual({ replayed: 0 });
    expect((await post(h, '/api/jobs/replay', { status: 'cancelled', connector: 'intercom' })).status).toBe(422);
    expect(((await (await h.app.request('/healthz')).json()) as { queue: { byStatus: Record<string, number> } }).queue.byStatus).toMatchObject({ cancelled: 2, queued: 0 });
    clock.now = new Date(T0.getTime() + 72 * HOUR);
    await h.loop.drain();
    expect(events).toHaveLength(1);

    // The dashboard's response page shows the job cancelled, without a replay button.
    const signIn = await h.app.request(`${ORIGIN}/sign-in`, {
      method: 'POST',
      headers: { host: 'hub.test', origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'campaign-cancel-admin-token-0123456789' }).toString(),
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await h.app.request(`${ORIGIN}/responses/${members.find((m) => m.status === 'cancelled')!.responseId}`, { headers: { cookie } })).text();
    expect(page).toContain('intercom.trackEvent <span class="status s-cancelled">cancelled</span>');
    expect(page).toContain('Not sent: its campaign was cancelled.');
    expect(page).not.toContain('Replay this job');
  });

  it('a job that ends dead after its campaign was cancelled is not replayed: not by its id (409 campaign_cancelled), not with the dead jobs of its connector', async () => {
    const h = startHub();
    await promoters(h);
    const { id } = (await (await post(h, '/api/campaigns', { ...CAMPAIGN, waves: undefined, betweenWaves: undefined })).json()) as { id: string };
    const [claimed] = await h.store.claimJobs({ now: T0.toISOString(), limit: 1, leaseUntil: new Date(T0.getTime() + 30_000).toISOString() });
    expect((await (await post(h, `/api/campaigns/${id}/cancel`)).json()) as object).toMatchObject({ jobsCancelled: 4, stillRunning: 1 });
    // Its runner died; once the lease is over the hub sends it, and Intercom refuses it for good.
    refuseEvents = true;
    clock.now = new Date(T0.getTime() + MINUTE);
    await h.loop.drain();
    expect(await h.store.getJob(claimed!.id)).toMatchObject({ status: 'dead', lastError: expect.stringContaining('404') });

    const one = await post(h, `/api/jobs/${claimed!.id}/replay`);
    expect(one.status).toBe(409);
    expect(((await one.json()) as ErrorBody).error).toMatchObject({ code: 'campaign_cancelled', issues: [{ field: 'id', message: 'its campaign featured-on-g2 was cancelled' }] });
    expect(await (await post(h, '/api/jobs/replay', { status: 'dead', connector: 'intercom' })).json()).toEqual({ replayed: 0 });
    refuseEvents = false;
    clock.now = new Date(T0.getTime() + HOUR);
    await h.loop.drain();
    expect(await h.store.getJob(claimed!.id)).toMatchObject({ status: 'dead' });
    expect(events).toEqual([]);
  });

  it('answers 404 for an unknown campaign and 422 naming the field for a bad body, cancelling nothing', async () => {
    const h = startHub();
    await promoters(h);
    expect((await post(h, '/api/campaigns', CAMPAIGN)).status).toBe(201);
    const cases: [string, unknown, number, string][] = [
      ['/api/campaigns/nope/cancel', {}, 404, 'id'],
      ['/api/campaigns/featured-on-g2/cancel', { reason: 'x'.repeat(501) }, 422, 'reason'],
      ['/api/campaigns/featured-on-g2/cancel', { reason: 42 }, 422, 'reason'],
      ['/api/campaigns/featured-on-g2/cancel', { reason: 'ok', why: 'typo' }, 422, 'why'],
    ];
    for (const [path, body, status, field] of cases) {
      const res = await post(h, path, body);
      expect([res.status, ((await res.json()) as ErrorBody).error.issues.map((i) => i.field)], JSON.stringify(body)).toEqual([status, [field]]);
    }
    expect((await h.app.request('/api/campaigns/featured-on-g2/cancel', { method: 'POST' })).status).toBe(401);
    const untouched = await get<Status>(h, '/api/campaigns/featured-on-g2');
    expect([untouched.cancelled, untouched.totals.cancelled, untouched.totals.queued]).toEqual([null, 0, 3]);

    // The longest reason there is, kept as given.
    const res = await post(h, '/api/campaigns/featured-on-g2/cancel', { reason: 'y'.repeat(500) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { campaign: Status }).campaign.cancelled?.reason).toBe('y'.repeat(500));
  });
});
