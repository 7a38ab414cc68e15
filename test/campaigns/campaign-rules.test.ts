import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { compileCampaignFile } from '../../src/campaigns/compile.js';
import { emptyEnrichment, type Enricher } from '../../src/core/account.js';
import { HubError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { createNodeHub, type NodeHub } from '../../src/runtime/node/hub.js';
import { ALL_SOURCES_UNSIGNED, adminRequest, postWebhook } from '../support/hub.js';

const T0 = new Date('2026-11-02T09:00:00.000Z');
const DAY = 24 * 3_600_000;
const registry = actionRegistry();
const PROMOTER_ADVOCACY = parseRecipes([{ file: 'recipes/promoter-advocacy.yaml', text: readFileSync('recipes/promoter-advocacy.yaml', 'utf8') }], new Set(registry.keys()));

let dir: string;
let hub: NodeHub | undefined;
const clock = { now: T0 };
function startHub(options: { recipes?: typeof PROMOTER_ADVOCACY; enricher?: Enricher } = {}): NodeHub {
  hub = createNodeHub({
    log: silentLogger,
    env: { CLOSELOOP_DB: join(dir, 'hub.db'), CLOSELOOP_SYNC: 'NORMAL', CLOSELOOP_RATE_LIMITS: 'off', CLOSELOOP_ALLOW_UNSIGNED: ALL_SOURCES_UNSIGNED, CLOSELOOP_ADMIN_TOKEN: 'campaign-rules-admin-token-0123456789' },
    recipes: options.recipes ?? [],
    ...(options.enricher ? { enricher: options.enricher } : {}),
    now: () => clock.now,
  });
  return hub;
}
afterEach(async () => {
  await hub?.close();
  hub = undefined;
  rmSync(dir, { recursive: true, force: true });
});
const fresh = () => {
  dir = mkdtempSync(join(tmpdir(), 'closeloop-campaign-rules-'));
  clock.now = T0;
};

/** Post a response at `at` (the hub's clock) and plan it. */
async function answer(h: NodeHub, at: Date, body: Record<string, unknown>): Promise<string> {
  const before = clock.now;
  clock.now = at;
  const res = await postWebhook(h, 'generic', body);
  expect(res.status).toBe(202);
  await h.loop.drain();
  clock.now = before;
  return ((await res.json()) as { id: string }).id;
}
const post = (h: NodeHub, path: string, body: unknown) => adminRequest(h, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
type DryRun = { members: number; waves: { wave: number; label: string; members: { respondent: string | null; score: number; params: unknown; skipped: string | null }[] }[] };
const dryRun = async (h: NodeHub, definition: object) => {
  const res = await post(h, '/api/campaigns', { ...definition, dryRun: true });
  expect(res.status).toBe(200);
  return (await res.json()) as DryRun;
};
const who = (plan: DryRun) => plan.waves.map((w) => w.members.map((m) => m.respondent));
const SLACK = { action: 'slack.postMessage', params: { channel: '#advocates', text: '{{ response.respondent.email | default: "anonymous" }} gave {{ response.score }}' } };

describe('who a campaign takes', () => {
  it('"not contacted in 90 days" leaves out a promoter the advocacy recipe contacted 30 days ago, and everyone a campaign already contacted', async () => {
    fresh();
    const h = startHub({ recipes: PROMOTER_ADVOCACY });
    await answer(h, new Date(T0.getTime() - 100 * DAY), { response_id: 'ana', score: 9, email: 'ana@example.com' });
    await answer(h, new Date(T0.getTime() - 30 * DAY), { response_id: 'bob', score: 10, email: 'bob@example.com' });
    await answer(h, new Date(T0.getTime() - 30 * DAY), { response_id: 'carl', score: 10 }); // no email: the recipe skips him
    // Bob's contact: the recipe's Intercom event 30 days ago (sandboxed: what would have been sent counts).
    expect((await h.store.listJobs({ action: 'intercom.trackEvent', limit: 10 })).map((j) => [j.recipe, j.status, j.createdAt])).toEqual([
      ['promoter-advocacy', 'sandboxed', new Date(T0.getTime() - 30 * DAY).toISOString()],
      ['promoter-advocacy', 'sandboxed', new Date(T0.getTime() - 100 * DAY).toISOString()],
    ]);
    const campaign = { name: 'reviews', ...SLACK, filter: { category: 'promoter', notContactedFor: '90d' } };
    expect(who(await dryRun(h, campaign))).toEqual([[null, 'ana@example.com']]);
    // Without the filter, Bob is in.
    expect(who(await dryRun(h, { ...campaign, filter: { category: 'promoter' } }))).toEqual([[null, 'bob@example.com', 'ana@example.com']]);
    // Only Slack jobs count as contact: Bob's Intercom event does not.
    expect(who(await dryRun(h, { ...campaign, filter: { category: 'promoter', notContactedFor: '90d', contactedBy: ['slack'] } }))).toEqual([[null, 'bob@example.com', 'ana@example.com']]);

    expect((await post(h, '/api/campaigns', campaign)).status).toBe(201);
    await h.loop.drain();
    // A campaign's own contacts count as contact too: a second one finds nobody.
    expect((await dryRun(h, { ...campaign, name: 'reviews-again' })).members).toBe(0);
    clock.now = new Date(T0.getTime() + 91 * DAY);
    expect(who(await dryRun(h, { ...campaign, name: 'reviews-again' }))).toEqual([[null, 'bob@example.com', 'ana@example.com']]);
  });

  it('filters by segment from the stored account snapshot, answer time, score and category; takes each respondent once, by their newest answer', async () => {
    fresh();
    const plans: Record<string, string> = { 'erin@example.com': 'enterprise', 'fred@example.com': 'pro', 'gina@example.com': 'Enterprise', 'hank@example.com': 'enterprise', 'ivy@example.com': 'enterprise', 'jo@example.com': 'enterprise' };
    const enricher: Enricher = {
      async enrich(email) {
        const e = emptyEnrichment();
        if (email && plans[email]) e.account = { ...e.account, id: `acct-${email}`, name: `${email} Inc`, plan: plans[email]! };
        return e;
      },
    };
    const h = startHub({ enricher });
    const day = (n: number) => new Date(T0.getTime() - n * DAY);
    await answer(h, day(5), { response_id: 'erin', score: 10, email: 'erin@example.com' });
    await answer(h, day(5), { response_id: 'fred', score: 10, email: 'fred@example.com' });
    await answer(h, day(4), { response_id: 'gina', score: 9, email: 'gina@example.com' });
    await answer(h, day(20), { response_id: 'hank-1', score: 10, email: 'hank@example.com' });
    await answer(h, day(2), { response_id: 'hank-2', score: 3, email: 'hank@example.com' }); // no longer a promoter
    await answer(h, day(70), { response_id: 'ivy', score: 10, email: 'ivy@example.com' }); // answered too long ago
    await answer(h, day(30), { response_id: 'jo-1', score: 9, email: 'jo@example.com' });
    await answer(h, day(3), { response_id: 'jo-2', score: 10, email: 'jo@example.com' }); // twice a promoter: once, newest

    const base = { name: 'enterprise-promoters', ...SLACK, filter: { category: 'promoter', segments: { plan: 'ENTERPRISE' }, answeredWithin: '60d' } };
    const byScore = await dryRun(h, { ...base, waves: { by: 'score' } });
    expect(byScore.waves.map((w) => [w.label, w.members.map((m) => m.respondent)])).toEqual([
      ['score 10', ['jo@example.com', 'erin@example.com']],
      ['score 9', ['gina@example.com']],
    ]);
    expect(byScore.waves[0]!.members[0]!.params).toEqual({ channel: '#advocates', text: 'jo@example.com gave 10', fields: [], quote: '', context: '' });
    expect(who(await dryRun(h, { ...base, waves: { size: 2 } }))).toEqual([['jo@example.com', 'erin@example.com'], ['gina@example.com']]);
    expect(who(await dryRun(h, { ...base, waves: [{ score: 9 }, { segments: { plan: 'enterprise' } }] }))).toEqual([['gina@example.com'], ['jo@example.com', 'erin@example.com']]);
    expect(who(await dryRun(h, { ...base, filter: { score: [3], answeredWithin: '60d' } }))).toEqual([['hank@example.com']]);
    expect(who(await dryRun(h, { ...base, filter: { score: 10, segments: { plan: ['pro', 'enterprise'] } } }))).toEqual([['jo@example.com', 'ivy@example.com', 'fred@example.com', 'erin@example.com']]);
    // A member whose parameters do not validate is listed as skipped, with why.
    const intercom = await dryRun(h, { ...base, action: 'intercom.trackEvent', params: { email: '{{ response.comment }}', eventName: 'x' } });
    expect(intercom.waves[0]!.members.map((m) => m.skipped)).toEqual(['invalid parameters: params.email must be an email address', 'invalid parameters: params.email must be an email address', 'invalid parameters: params.email must be an email address']);
  });
});

describe('between waves', () => {
  it('a paused wave is released by the runner once its pause has passed (fake clock), across a restart', async () => {
    fresh();
    let h = startHub();
    await answer(h, new Date(T0.getTime() - DAY), { response_id: 'a', score: 10, email: 'a@example.com' });
    await answer(h, new Date(T0.getTime() - DAY), { response_id: 'b', score: 9, email: 'b@example.com' });
    const res = await post(h, '/api/campaigns', { name: 'paced', ...SLACK, filter: { score: { min: 9 } }, waves: { by: 'score' }, betweenWaves: { pause: '24h' } });
    expect(res.status).toBe(201);
    const { id, next } = (await res.json()) as { id: string; next: unknown };
    expect(next).toEqual({ wave: 2, releases: 'at', at: new Date(T0.getTime() + DAY).toISOString() });
    const sent = async () => (await h.store.listJobs({ action: 'slack.postMessage', limit: 10 })).map((j) => (j.params as { text: string }).text).sort();
    await h.loop.drain();
    expect(await sent()).toEqual(['a@example.com gave 10']);
    clock.now = new Date(T0.getTime() + DAY - 60_000);
    await h.loop.drain();
    expect(await sent()).toEqual(['a@example.com gave 10']);
    await h.close();
    h = startHub();
    clock.now = new Date(T0.getTime() + DAY);
    await h.loop.drain();
    expect(await sent()).toEqual(['a@example.com gave 10', 'b@example.com gave 9']);
    const status = (await (await adminRequest(h, `/api/campaigns/${id}`)).json()) as { waves: { releasedAt: string; releasedBy: string; sandboxed: number }[]; next: unknown };
    expect(status.waves.map((w) => [w.releasedAt, w.releasedBy, w.sandboxed])).toEqual([
      [T0.toISOString(), 'creation', 1],
      [new Date(T0.getTime() + DAY).toISOString(), 'pause', 1],
    ]);
    expect(status.next).toBeNull();
  });

  it('a wave is released only after the previous one, and a paused one not before its time, whoever asks the store', async () => {
    fresh();
    const h = startHub();
    for (const [id, score] of [['a', 10], ['b', 9], ['c', 8]] as const) await answer(h, T0, { response_id: id, score, email: `${id}@example.com` });
    expect((await post(h, '/api/campaigns', { name: 'guarded', ...SLACK, waves: { by: 'score' }, betweenWaves: { pause: '1h' } })).status).toBe(201);
    const { id } = (await h.store.getCampaign('guarded'))!;
    const now = T0.toISOString();
    expect(await h.store.releaseCampaignWave({ campaignId: id, wave: 3, now, by: 'approval' })).toEqual({ released: false, queued: 0 });
    // By pause, with the previous wave released later than the pause allows: not yet.
    expect(await h.store.releaseCampaignWave({ campaignId: id, wave: 2, now, by: 'pause', previousReleasedBy: new Date(T0.getTime() - 1).toISOString() })).toEqual({ released: false, queued: 0 });
    expect((await h.store.listJobs({ action: 'slack.postMessage', limit: 10 })).map((j) => j.actionId)).toEqual(['wave-1']);
    expect(await h.store.releaseCampaignWave({ campaignId: id, wave: 2, now, by: 'pause', previousReleasedBy: now })).toEqual({ released: true, queued: 1 });
    expect(await h.store.releaseCampaignWave({ campaignId: id, wave: 3, now, by: 'approval' })).toEqual({ released: true, queued: 1 });
  });

  it('an erased respondent leaves the campaign: their later wave queues nobody for them', async () => {
    fresh();
    const h = startHub();
    await answer(h, T0, { response_id: 'a', score: 10, email: 'a@example.com' });
    await answer(h, T0, { response_id: 'b', score: 9, email: 'b@example.com' });
    await answer(h, T0, { response_id: 'c', score: 9, email: 'c@example.com' });
    expect((await post(h, '/api/campaigns', { name: 'erasable', ...SLACK, waves: { by: 'score' } })).status).toBe(201);
    expect((await adminRequest(h, '/api/respondents/b@example.com', { method: 'DELETE' })).status).toBe(200);
    const approved = await post(h, '/api/campaigns/erasable/approve', {});
    expect(await approved.json()).toMatchObject({ released: 2, queued: 1 });
    expect((await h.store.campaignMembers((await h.store.getCampaign('erasable'))!.id)).map((m) => m.respondent)).toEqual(['a@example.com', 'c@example.com']);
  });
});

describe('retention', () => {
  it("a member whose personal data retention removed is skipped: their wave queues nobody for them, and their email is gone", async () => {
    fresh();
    const h = startHub();
    await answer(h, new Date(T0.getTime() - 10 * DAY), { response_id: 'b', score: 9, email: 'b@example.com' });
    await answer(h, T0, { response_id: 'a', score: 10, email: 'a@example.com' });
    expect((await post(h, '/api/campaigns', { name: 'retained', ...SLACK, waves: { by: 'score' } })).status).toBe(201);
    expect(await h.store.scrubPersonalData(new Date(T0.getTime() - DAY).toISOString(), T0.toISOString())).toBe(1);
    expect(await (await post(h, '/api/campaigns/retained/approve', {})).json()).toMatchObject({ released: 2, queued: 0 });
    const members = await h.store.campaignMembers((await h.store.getCampaign('retained'))!.id);
    expect(members.map((m) => [m.wave, m.respondent, m.skipReason])).toEqual([
      [1, 'a@example.com', null],
      [2, null, 'personal data removed by retention'],
    ]);
  });
});

describe('bad input', () => {
  it('answers a 4xx naming the field, and writes nothing', async () => {
    fresh();
    const h = startHub();
    await answer(h, T0, { response_id: 'a', score: 10, email: 'a@example.com' });
    const good = { name: 'good', ...SLACK };
    const cases: [unknown, number, string][] = [
      [{ ...good, action: 'slack.postMesage' }, 422, 'action'],
      [{ ...good, params: { channel: '#x', text: '{{ response.score | shout }}' } }, 422, 'params.text'],
      [{ ...good, params: { channel: '#x', text: '{{ respnse.score }}' } }, 422, 'params.text'],
      [{ ...good, filter: { score: 11 } }, 422, 'filter.score'],
      [{ ...good, filter: { segments: { colour: 'red' } } }, 422, 'filter.segments.colour'],
      [{ ...good, filter: { notContactedFor: 'soon' } }, 422, 'filter.notContactedFor'],
      [{ ...good, betweenWaves: { pause: 'soon' } }, 422, 'betweenWaves.pause'],
      [{ ...good, waves: [] }, 422, 'waves'],
      [{ ...good, colour: 'red' }, 422, 'colour'],
      [{ action: 'slack.postMessage' }, 422, 'name'],
      [{ ...good, name: 'Not A Name' }, 422, 'name'],
    ];
    for (const [body, status, field] of cases) {
      const res = await post(h, '/api/campaigns', body);
      const answer = (await res.json()) as { error: { issues: { field: string }[] } };
      expect([res.status, answer.error.issues.map((i) => i.field)], JSON.stringify(body)).toEqual([status, expect.arrayContaining([field])]);
    }
    const notJson = await adminRequest(h, '/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
    expect((await h.store.listCampaigns(10))).toEqual([]);
    expect(await h.store.listJobs({ action: 'slack.postMessage', limit: 10 })).toEqual([]);

    expect((await post(h, '/api/campaigns', good)).status).toBe(201);
    const taken = await post(h, '/api/campaigns', good);
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as { error: { issues: { field: string }[] } }).error.issues[0]!.field).toBe('name');
    for (const path of ['/api/campaigns/nope', '/api/campaigns/nope/approve']) {
      const res = path.endsWith('approve') ? await post(h, path, {}) : await adminRequest(h, path);
      expect([res.status, ((await res.json()) as { error: { issues: { field: string }[] } }).error.issues[0]!.field]).toEqual([404, 'id']);
    }
    expect((await h.app.request('/api/campaigns')).status).toBe(401);
    expect((await adminRequest(h, '/api/campaigns?limit=0')).status).toBe(422);
  });

  it('a campaign file with mistakes is reported by file, line and field', () => {
    const text = ['name: featured', 'action: slack.postMesage', 'params:', '  channel: "#x"', '  text: "{{ response.scor }}"', 'filter:', '  score: 12', 'waves: { by: size }', ''].join('\n');
    let error: unknown;
    try {
      compileCampaignFile({ file: 'featured.yaml', text }, registry);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).issues.map((i) => i.field)).toEqual(expect.arrayContaining(['featured.yaml:7:10 filter.score', 'featured.yaml:8:14 waves.by']));
    const semantic = ['name: featured', 'action: slack.postMesage', 'params:', '  channel: "#x"', '  text: "{{ response.scor }}"', ''].join('\n');
    try {
      compileCampaignFile({ file: 'featured.yaml', text: semantic }, registry);
    } catch (e) {
      error = e;
    }
    expect((error as HubError).issues).toEqual([
      { field: 'featured.yaml:2:9 action', message: expect.stringContaining('unknown action "slack.postMesage"') },
      { field: 'featured.yaml:5:9 params.text', message: 'template reads nothing: unknown field "scor" in response' },
    ]);
  });
});
