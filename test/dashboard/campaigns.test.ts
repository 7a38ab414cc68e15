import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCampaign } from '../../src/campaigns/campaigns.js';
import { compileCampaignOrThrow } from '../../src/campaigns/compile.js';
import { silentLogger } from '../../src/core/logger.js';
import { dashboardRoutes } from '../../src/dashboard/routes.js';
import { makeTestHub, postWebhook } from '../support/hub.js';
import { G2_REVIEWS, seedG2Reviews } from './support.js';

/** The Campaigns page through app.request: list, a campaign's waves, approve and cancel with the session's CSRF token. */
const ORIGIN = 'http://hub.test';
const TOKEN = 'campaigns-test-token-0123456789abcdef';
const SLACK_API = 'https://slack-campaigns.test/api/';
const T0 = Date.parse('2026-03-02T10:00:00.000Z');

// Slack refuses every message for good (an archived channel): a Slack campaign's jobs end dead.
const slack = setupServer(
  http.post(`${SLACK_API}chat.postMessage`, () => HttpResponse.json({ ok: false, error: 'is_archived' })),
  http.post(`${SLACK_API}conversations.list`, () => HttpResponse.json({ ok: true, channels: [{ id: 'C0ADVOCATES', name: 'advocates' }], response_metadata: { next_cursor: '' } })),
);
beforeAll(() => slack.listen({ onUnhandledRequest: 'error' }));
afterAll(() => slack.close());

type Hub = ReturnType<typeof makeTestHub>;
let hub: Hub;
const clock = { now: T0 };
const now = () => new Date(clock.now);

/** Four promoters (two 10s, two 9s) and a detractor, answered an hour ago and planned. */
async function promoters(h: Hub) {
  clock.now = T0 - 3_600_000;
  for (const [id, score] of [['ana', 10], ['bob', 10], ['cy', 9], ['dee', 9], ['eli', 4]] as const) {
    expect((await postWebhook(h, 'generic', { response_id: id, score, email: `${id}@example.com` })).status).toBe(202);
  }
  await h.loop.drain();
  clock.now = T0;
}

beforeEach(async () => {
  hub = makeTestHub({ recipes: [], now, env: { CLOSELOOP_ADMIN_TOKEN: TOKEN, SLACK_BOT_TOKEN: 'xoxb-campaigns-test', SLACK_API_URL: SLACK_API } });
  await promoters(hub);
});
afterEach(async () => hub.cleanup());

/** A signed-in browser: its cookie, and the CSRF token its pages carry. */
async function signIn(app: { request: Hub['app']['request'] } = hub.app) {
  const headers = { host: 'hub.test', origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' };
  const res = await app.request(`${ORIGIN}/sign-in`, { method: 'POST', headers, body: new URLSearchParams({ token: TOKEN }).toString() });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const get = async (path: string) => app.request(`${ORIGIN}${path}`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([0-9a-f]{64})"/.exec(await (await get('/recipes')).text())![1]!;
  const post = async (path: string, fields: Record<string, string>, withCsrf = { csrf: true }) =>
    app.request(`${ORIGIN}${path}`, { method: 'POST', headers: { ...headers, cookie }, body: new URLSearchParams(withCsrf.csrf ? { _csrf: csrf, ...fields } : fields).toString() });
  return { get, post };
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const rows = (html: string, testid: string) => [...html.matchAll(new RegExp(`<tr data-testid="${testid}">(.*?)</tr>`, 'gs'))].map((m) => text(m[1]!).trim());

describe('the Campaigns page', () => {
  beforeEach(async () => {
    await seedG2Reviews(hub, now);
  });

  it('lists the campaign with its waves, totals and state, and shows it in the navigation', async () => {
    const { get } = await signIn();
    const res = await get('/campaigns');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<a href="/campaigns" aria-current="page">Campaigns</a>');
    expect(html).toContain('<a href="/campaigns/g2-reviews">g2-reviews</a>');
    // Campaign, state, waves released, members, queued, sent, sandboxed, failed, skipped, cancelled, action, created.
    expect(rows(html, 'campaign-row')).toEqual(['g2-reviews waiting for approval 1 / 2 4 2 0 0 0 0 0 intercom.trackEvent 2026-03-02 10:00 UTC']);
  });

  it("shows a campaign's definition, each wave's progress and what releases the next wave", async () => {
    const { get } = await signIn();
    for (const id of ['g2-reviews', (await hub.store.getCampaign('g2-reviews'))!.id]) {
      const html = await (await get(`/campaigns/${id}`)).text();
      expect(html).toContain('<title>Campaign g2-reviews · closeloop</title>');
      expect(text(html)).toContain('Description Ask our promoters for a G2 review Action intercom.trackEvent');
      expect(rows(html, 'wave-row')).toEqual(['1: score 10 2026-03-02 10:00 UTC (creation) 2 2 0 0 0 0 0', '2: score 9 not yet 2 0 0 0 0 0 0']);
      expect(text(html)).toContain('Wave 2 (score 9) waits for approval.');
      expect(html).toContain('action="/campaigns/g2-reviews/approve"');
      expect(html).toContain('<input type="hidden" name="wave" value="2"/>');
      expect(html).toContain('action="/campaigns/g2-reviews/cancel"');
    }
  });

  it('approves the next wave from the form: wave 2 released and queued, the runner woken, 303 back with a notice; a second approval is a 409 page', async () => {
    const { get, post } = await signIn();
    const wake = vi.spyOn(hub.loop, 'wake');
    const res = await post('/campaigns/g2-reviews/approve', { wave: '2' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/campaigns/g2-reviews?approved=2&queued=2');
    const campaign = (await hub.store.getCampaign('g2-reviews'))!;
    expect((await hub.store.campaignProgress(campaign.id))[1]).toMatchObject({ wave: 2, releasedAt: new Date(T0).toISOString(), releasedBy: 'approval', members: 2, queued: 2 });
    expect(wake).toHaveBeenCalledTimes(1);

    const page = await (await get(res.headers.get('location')!)).text();
    expect(page).toMatch(/<div class="notice ok" role="status">Wave 2 released: 2 contacts queued\.<\/div>/);
    expect(text(page)).toContain('None: every wave is released.');
    expect(page).not.toContain('/approve"');

    // The same form again (a second click, a page gone stale): nothing more is released.
    const again = await post('/campaigns/g2-reviews/approve', { wave: '2' });
    expect(again.status).toBe(409);
    const html = await again.text();
    expect(html).toContain('Every wave of campaign g2-reviews is released');
    expect(html).toContain('<a href="/campaigns/g2-reviews">Start again</a>');
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it('a page gone stale does not release the wave after the one it showed: 409, wave 3 untouched', async () => {
    const oneByOne = { ...G2_REVIEWS, name: 'one-by-one', waves: { size: 1 } };
    await createCampaign(compileCampaignOrThrow(oneByOne, hub.registry), { store: hub.store, registry: hub.registry, maxAttempts: () => 3, now });
    const { post } = await signIn();
    // Two people had the page open on wave 2: the first approves it, the second's click comes after.
    expect((await post('/campaigns/one-by-one/approve', { wave: '2' })).status).toBe(303);
    const stale = await post('/campaigns/one-by-one/approve', { wave: '2' });
    expect(stale.status).toBe(409);
    expect(await stale.text()).toContain('Wave 2 of campaign one-by-one is released already; the next is wave 3');
    const campaign = (await hub.store.getCampaign('one-by-one'))!;
    expect((await hub.store.campaignProgress(campaign.id)).map((w) => w.releasedAt !== null)).toEqual([true, true, false, false]);
  });

  it('refuses to approve a wave that is not the next one (a form naming a later wave): 409, nothing released', async () => {
    const { post } = await signIn();
    const res = await post('/campaigns/g2-reviews/approve', { wave: '3' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('Wave 3 of campaign g2-reviews is not the next one: wave 2 is');
    const campaign = (await hub.store.getCampaign('g2-reviews'))!;
    expect((await hub.store.campaignProgress(campaign.id))[1]?.releasedAt).toBeNull();
  });

  it('cancels with a reason: recorded as by the dashboard, queued jobs cancelled, 303 back with a notice; approving after is a 409 page', async () => {
    const { get, post } = await signIn();
    const res = await post('/campaigns/g2-reviews/cancel', { reason: '  Complaints after wave 1  ' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/campaigns/g2-reviews?cancelled=1&jobs=2');
    const campaign = (await hub.store.getCampaign('g2-reviews'))!;
    expect(campaign.cancelled).toEqual({ at: new Date(T0).toISOString(), by: 'dashboard', reason: 'Complaints after wave 1' });
    expect((await hub.store.campaignProgress(campaign.id)).map((w) => [w.queued, w.cancelled, w.releasedAt !== null])).toEqual([
      [0, 2, true],
      [0, 0, false],
    ]);

    const page = await (await get(res.headers.get('location')!)).text();
    expect(text(page)).toContain('Campaign cancelled: 2 queued contacts cancelled. No wave will be released.');
    expect(text(page)).toContain('Cancelled 2026-03-02 10:00 UTC from the dashboard: Complaints after wave 1.');
    expect(page).not.toContain('/approve"');
    expect(page).not.toContain('/cancel"');
    expect(rows(await (await get('/campaigns')).text(), 'campaign-row')[0]).toMatch(/^g2-reviews cancelled 1 \/ 2 /);

    const approve = await post('/campaigns/g2-reviews/approve', { wave: '2' });
    expect(approve.status).toBe(409);
    expect(await approve.text()).toContain('was cancelled at 2026-03-02T10:00:00.000Z');
    expect((await hub.store.campaignProgress(campaign.id))[1]?.releasedAt).toBeNull();

    // A second cancel changes nothing and says so; the first one's reason stays.
    const again = await post('/campaigns/g2-reviews/cancel', { reason: 'twice' });
    expect(again.headers.get('location')).toBe('/campaigns/g2-reviews?cancelled=already');
    expect((await hub.store.getCampaign('g2-reviews'))!.cancelled?.reason).toBe('Complaints after wave 1');
  });

  it('releases a paused campaign\'s next wave sooner from the form, as approve does in the API and CLI', async () => {
    const paused = { ...G2_REVIEWS, name: 'g2-paused', betweenWaves: { pause: '2d' } };
    await createCampaign(compileCampaignOrThrow(paused, hub.registry), { store: hub.store, registry: hub.registry, maxAttempts: () => 3, now });
    const { get, post } = await signIn();
    const html = await (await get('/campaigns/g2-paused')).text();
    expect(text(html)).toContain('Wave 2 (score 9) is released at 2026-03-04 10:00 UTC, 2 d 0 h after the wave before it; approving releases it now.');
    expect(html).toContain('>Release next wave now</button>');
    const res = await post('/campaigns/g2-paused/approve', { wave: '2' });
    expect(res.headers.get('location')).toBe('/campaigns/g2-paused?approved=2&queued=2');
    const campaign = (await hub.store.getCampaign('g2-paused'))!;
    expect((await hub.store.campaignProgress(campaign.id))[1]).toMatchObject({ releasedAt: new Date(T0).toISOString(), releasedBy: 'approval', queued: 2 });
  });

  it('refuses a POST without the CSRF token (403), a bad field (422 naming it) and an unknown campaign (404), changing nothing', async () => {
    const { get, post } = await signIn();
    expect((await post('/campaigns/g2-reviews/approve', { wave: '2' }, { csrf: false })).status).toBe(403);
    expect((await post('/campaigns/g2-reviews/cancel', {}, { csrf: false })).status).toBe(403);

    const long = await post('/campaigns/g2-reviews/cancel', { reason: 'x'.repeat(501) });
    expect(long.status).toBe(422);
    expect(await long.text()).toContain('Invalid cancel: reason must be at most 500 characters');
    const wave = await post('/campaigns/g2-reviews/approve', { wave: 'next' });
    expect(wave.status).toBe(422);
    expect(await wave.text()).toContain('Invalid approval: wave');

    const campaign = (await hub.store.getCampaign('g2-reviews'))!;
    expect(campaign.cancelled).toBeNull();
    expect((await hub.store.campaignProgress(campaign.id))[1]?.releasedAt).toBeNull();

    const missing = await get('/campaigns/no-such-campaign');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No campaign no-such-campaign');
    expect((await post('/campaigns/no-such-campaign/approve', { wave: '2' })).status).toBe(404);
    expect((await post('/campaigns/no-such-campaign/cancel', {})).status).toBe(404);
  });
});

describe('the Campaigns page without campaigns', () => {
  it('says how to create one', async () => {
    const { get } = await signIn();
    const html = text(await (await get('/campaigns')).text());
    expect(html).toContain('No campaigns yet. Create one from a YAML file with npx closeloop campaign create &lt;file&gt;');
    expect(html).toContain('POST /api/campaigns');
  });

  it('is not there when the hub runs no campaigns: no navigation item, 404', async () => {
    const app = dashboardRoutes({ store: hub.store, adminToken: TOKEN, now, env: {}, log: silentLogger, sources: new Map() });
    const { get } = await signIn(app);
    const html = await (await get('/recipes')).text();
    expect(html).toContain('<a href="/loop-health">Loop health</a>');
    expect(html).not.toContain('href="/campaigns"');
    expect((await get('/campaigns')).status).toBe(404);
  });
});

describe('dead jobs of a cancelled campaign', () => {
  it('are shown on Loop health and on their response without a Replay button', async () => {
    const definition = { name: 'slack-shoutout', action: 'slack.postMessage', params: { channel: '#advocates', text: 'A promoter: {{ response.score }}' }, filter: { category: 'promoter' } };
    await createCampaign(compileCampaignOrThrow(definition, hub.registry), { store: hub.store, registry: hub.registry, maxAttempts: () => 1, now });
    await hub.loop.drain();
    const dead = await hub.store.listJobs({ status: 'dead', limit: 10 });
    expect(dead.map((j) => j.recipe)).toEqual(Array(4).fill('campaign:slack-shoutout'));
    const { get, post } = await signIn();
    const replayButtons = (html: string) => dead.filter((j) => html.includes(`aria-label="Replay slack.postMessage job ${j.id}"`)).length;

    // Its one wave is out and every contact failed for good: the list says so, not a plain "done".
    expect(rows(await (await get('/campaigns')).text(), 'campaign-row')[0]).toMatch(/^slack-shoutout done, 4 failed 1 \/ 1 /);
    // While the campaign is not cancelled, each can be replayed.
    expect(replayButtons(await (await get('/loop-health')).text())).toBe(4);
    expect(await (await get(`/responses/${dead[0]!.responseId}`)).text()).toContain('Replay this job');

    expect((await post('/campaigns/slack-shoutout/cancel', {})).status).toBe(303);
    const html = await (await get('/loop-health')).text();
    expect(rows(html, 'dead-row')).toHaveLength(4);
    expect(replayButtons(html)).toBe(0);
    expect(rows(html, 'dead-row').every((r) => r.endsWith('campaign cancelled'))).toBe(true);
    const response = await (await get(`/responses/${dead[0]!.responseId}`)).text();
    expect(response).not.toContain('Replay this job');
    expect(response).toContain('Not replayed: its campaign was cancelled.');
  });
});
