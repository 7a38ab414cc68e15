import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { createNodeHub, type NodeHub } from '../../src/runtime/node/hub.js';
import { recordingServer } from '../support/http-recorder.js';
import { ALL_SOURCES_UNSIGNED, adminRequest, postWebhook } from '../support/hub.js';

/**
 * Issue 20's acceptance: a campaign of 3 waves (the 10s, then the 9s, then the 8s) over 1,000
 * stored promoters contacts each exactly once across a crash between waves, and its dry run
 * lists exactly who the real run contacts. Intercom is faked at the HTTP layer (msw) while the
 * real SDK makes the calls.
 */
const BASE = 'https://intercom-campaign.test';
const T0 = new Date('2026-11-02T09:00:00.000Z');
const MINUTE = 60_000;
const PEOPLE = 1_000;
// Scores 10, 9, 8 in turn: 334 tens, 333 nines, 333 eights.
const scoreOf = (i: number) => 10 - (i % 3);
const emailOf = (i: number) => `promoter-${String(i).padStart(4, '0')}@example.com`;
const contactIdOf = (email: string) => `contact-${email.slice(9, 13)}`;

const CAMPAIGN = {
  name: 'featured-on-g2',
  action: 'intercom.trackEvent',
  params: {
    email: '{{ response.respondent.email }}',
    eventName: 'featured-on-g2',
    metadata: { score: '{{ response.score }}', verbatim: "{{ response.comment | default: '' }}" },
  },
  filter: { score: { min: 8 }, answeredWithin: '60d' },
  waves: [{ score: 10 }, { score: 9 }, { score: 8 }],
  betweenWaves: { approval: true },
};

const events: { body: { event_name: string; created_at: number; id: string; metadata: Record<string, string> } }[] = [];
const api = recordingServer(
  http.post(`${BASE}/contacts/search`, async ({ request }) => {
    const { query } = (await request.json()) as { query: { value: string } };
    const contact = { type: 'contact', id: contactIdOf(query.value), email: query.value, role: 'user' };
    return HttpResponse.json({ type: 'list', data: [contact], total_count: 1, pages: { type: 'pages', page: 1, per_page: 1, total_pages: 1 } });
  }),
  http.post(`${BASE}/events`, async ({ request }) => {
    events.push({ body: (await request.json()) as (typeof events)[number]['body'] });
    return new HttpResponse(null, { status: 202 });
  }),
);
beforeAll(() => api.listen());
afterAll(() => api.close());

const dir = mkdtempSync(join(tmpdir(), 'closeloop-campaign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clock = { now: T0 };
function startHub(): NodeHub {
  return createNodeHub({
    log: silentLogger,
    env: {
      CLOSELOOP_DB: join(dir, 'hub.db'),
      CLOSELOOP_SYNC: 'NORMAL',
      CLOSELOOP_RATE_LIMITS: 'off',
      CLOSELOOP_ALLOW_UNSIGNED: ALL_SOURCES_UNSIGNED,
      CLOSELOOP_ADMIN_TOKEN: 'campaign-test-admin-token-0123456789',
      CLOSELOOP_CONCURRENCY: '16',
      INTERCOM_ACCESS_TOKEN: 'ic-campaign-token',
      INTERCOM_BASE_URL: BASE,
    },
    recipes: [],
    now: () => clock.now,
  });
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('a campaign of 3 waves over 1,000 stored promoters', () => {
  it('contacts each exactly once across a crash between waves; the dry run lists exactly who it contacts; wave 2 waits for approval', async () => {
    let hub = startHub();
    // 1,000 promoters answered over the last 10 days, plus some the filter leaves out.
    clock.now = new Date(T0.getTime() - 10 * 24 * 60 * MINUTE);
    for (let start = 0; start < PEOPLE; start += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) => start + k).map((i) =>
          Promise.resolve(postWebhook(hub, 'generic', { response_id: `p-${i}`, score: scoreOf(i), comment: `Loved it #${i}`, email: emailOf(i) })).then((r) => expect(r.status).toBe(202)),
        ),
      );
    }
    for (let i = 0; i < 20; i++) await postWebhook(hub, 'generic', { response_id: `other-${i}`, score: i % 8, comment: 'meh', email: `other-${i}@example.com` });
    // Answered 70 days ago: outside `answeredWithin: 60d`.
    await postWebhook(hub, 'generic', { response_id: 'old-10', score: 10, email: 'old@example.com', answered_at: new Date(T0.getTime() - 70 * 24 * 60 * MINUTE).toISOString() });
    await hub.loop.drain();
    clock.now = T0;

    // The dry run, before anything is written.
    const dry = await adminRequest(hub, '/api/campaigns', json({ ...CAMPAIGN, dryRun: true }));
    expect(dry.status).toBe(200);
    const plan = (await dry.json()) as { members: number; skipped: number; waves: { wave: number; label: string; members: { respondent: string; score: number; params: { email: string; metadata: Record<string, string> } }[] }[] };
    expect(plan.members).toBe(PEOPLE);
    expect(plan.skipped).toBe(0);
    expect(plan.waves.map((w) => [w.wave, w.label, w.members.length])).toEqual([
      [1, 'score 10', 334],
      [2, 'score 9', 333],
      [3, 'score 8', 333],
    ]);
    expect((await adminRequest(hub, '/api/campaigns')).status).toBe(200);
    expect(((await (await adminRequest(hub, '/api/campaigns')).json()) as { campaigns: unknown[] }).campaigns).toEqual([]);

    // Created: wave 1 (the 10s) is released and delivered; wave 2 waits for approval.
    const created = await adminRequest(hub, '/api/campaigns', json(CAMPAIGN));
    expect(created.status).toBe(201);
    const campaign = (await created.json()) as { id: string; next: unknown };
    expect(campaign.next).toEqual({ wave: 2, releases: 'on approval' });
    await hub.loop.drain();
    expect(events.length).toBe(334);
    expect(new Set(events.map((e) => e.body.metadata.score))).toEqual(new Set(['10']));
    clock.now = new Date(T0.getTime() + 60 * MINUTE);
    await hub.loop.drain(); // an hour later, the runner's sweeps release nothing without approval
    expect(events.length).toBe(334);
    const wave1At = Math.floor(T0.getTime() / 1000);

    // Wave 2 approved; the runner claims part of it and dies before calling Intercom.
    clock.now = new Date(T0.getTime() + 2 * 60 * MINUTE);
    const wave2At = Math.floor(clock.now.getTime() / 1000);
    const approved = await adminRequest(hub, `/api/campaigns/${campaign.id}/approve`, { method: 'POST' });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ released: 2, queued: 333 });
    const claimed = await hub.store.claimJobs({ now: clock.now.toISOString(), limit: 100, leaseUntil: new Date(clock.now.getTime() + 30_000).toISOString() });
    expect(claimed).toHaveLength(100);
    // The same release run again (a second process, or a retry after a crash mid-release): nothing new.
    expect(await hub.store.releaseCampaignWave({ campaignId: campaign.id, wave: 2, now: clock.now.toISOString(), by: 'approval' })).toEqual({ released: false, queued: 0 });
    await hub.close();

    // Restarted on the same database, after the dead runner's lease expired.
    clock.now = new Date(clock.now.getTime() + 5 * MINUTE);
    hub = startHub();
    await hub.loop.drain();
    expect(events.length).toBe(667);
    const status2 = (await (await adminRequest(hub, `/api/campaigns/${campaign.id}`)).json()) as { waves: { sent: number; queued: number }[]; next: unknown };
    expect(status2.waves.map((w) => [w.sent, w.queued])).toEqual([
      [334, 0],
      [333, 0],
      [0, 0],
    ]);
    expect(status2.next).toEqual({ wave: 3, releases: 'on approval' });

    // Wave 3 approved twice at once: one release, one 409.
    clock.now = new Date(clock.now.getTime() + 60 * MINUTE);
    const wave3At = Math.floor(clock.now.getTime() / 1000);
    const both = await Promise.all([adminRequest(hub, `/api/campaigns/${campaign.id}/approve`, { method: 'POST' }), adminRequest(hub, `/api/campaigns/${campaign.id}/approve`, { method: 'POST' })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    await hub.loop.drain();
    const again = await adminRequest(hub, `/api/campaigns/${campaign.id}/approve`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { issues: unknown[] } }).error.issues).toEqual([{ field: 'id', message: 'no wave left to approve' }]);

    // Exactly 1,000 distinct events, each with the exact body, to exactly the people the dry run listed.
    expect(events).toHaveLength(PEOPLE);
    expect(new Set(events.map((e) => e.body.id)).size).toBe(PEOPLE);
    const releasedAt = [wave1At, wave2At, wave3At];
    const expected = plan.waves.flatMap((w) =>
      w.members.map((m) => ({
        event_name: 'featured-on-g2',
        created_at: releasedAt[w.wave - 1],
        id: contactIdOf(m.respondent),
        metadata: { score: String(m.score), verbatim: `Loved it #${Number(m.respondent.slice(9, 13))}` },
      })),
    );
    const byContact = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(events.map((e) => e.body).sort(byContact)).toEqual(expected.sort(byContact));
    // Every wave went out in score order: all 10s before any 9, all 9s before any 8.
    expect(events.map((e) => e.body.metadata.score)).toEqual([...Array(334).fill('10'), ...Array(333).fill('9'), ...Array(333).fill('8')]);

    const final = (await (await adminRequest(hub, `/api/campaigns/${campaign.id}`)).json()) as { totals: unknown; next: unknown };
    expect(final.totals).toEqual({ members: PEOPLE, skipped: 0, queued: 0, sent: PEOPLE, sandboxed: 0, failed: 0, cancelled: 0 });
    expect(final.next).toBeNull();
    // Each contact is one job keyed campaign:<id>:<response>:<action>.
    const jobs = await hub.store.listJobs({ action: 'intercom.trackEvent', limit: 2000 });
    expect(jobs).toHaveLength(PEOPLE);
    expect(jobs.every((j) => j.key === `campaign:${campaign.id}:${j.responseId}:intercom.trackEvent` && j.recipe === 'campaign:featured-on-g2')).toBe(true);
    await hub.close();
  }, 240_000);
});
