import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { applyRetention } from '../../src/privacy/retention.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

type Hub = ReturnType<typeof makeTestHub>;
const TOKEN = 'admin-token-0123456789';
const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T12:00:00.000Z');
const RETENTION = 400 * DAY;

let hub: Hub;
let clock = T0;
afterEach(async () => hub?.cleanup());

async function at(daysAgo: number, body: Record<string, unknown>) {
  clock = T0 - daysAgo * DAY;
  const res = await postWebhook(hub, 'generic', body);
  expect([200, 202]).toContain(res.status);
  await hub.loop.drain();
  return res;
}
const nps = async (query = '') => (await hub.app.request(`/api/nps${query}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
const row = (srid: string) =>
  hub.store.db.prepare(`SELECT id, score, category, metric, source, survey_id, received_at, comment, respondent_email, raw_body, data, scrubbed_at FROM responses WHERE source_response_id = ?`).get(srid) as Record<string, any>;
const jobsOf = (id: string) => hub.store.db.prepare(`SELECT params, result, last_error FROM jobs WHERE response_id = ? ORDER BY seq`).all(id) as { params: string; result: string | null; last_error: string | null }[];

/** Three people over two years: two answers past a 400-day retention (one updated later), two within it. */
async function history(env: Record<string, string> = {}) {
  hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN, ...env }, now: () => new Date(clock) });
  await at(700, { response_id: 'old-1', survey_id: 's-1', score: 2, comment: 'Old complaint from Ana', email: 'ana@example.com', name: 'Ana Lima' });
  await at(650, { response_id: 'old-1', survey_id: 's-1', score: 3, comment: 'Old complaint, edited by Ana', email: 'ana@example.com', name: 'Ana Lima' });
  await at(401, { response_id: 'old-2', survey_id: 's-2', score: 10, comment: 'Old praise from Bob', email: 'bob@example.com', name: 'Bob Stone' });
  await at(399, { response_id: 'new-1', survey_id: 's-1', score: 9, comment: 'Recent praise from Cy', email: 'cy@example.com', name: 'Cy Young' });
  await at(5, { response_id: 'new-2', survey_id: 's-2', score: 6, comment: 'Recent gripe from Ana', email: 'ana@example.com', name: 'Ana Lima' });
  clock = T0;
}

describe('retention (CLOSELOOP_RETENTION)', () => {
  it('scrubs exactly the responses older than the retention — in the row, its versions and its jobs — and leaves the NPS figures as they were', async () => {
    await history();
    const periods = ['', '?since=800d', '?since=500d&until=300d', '?source=generic', '?survey=s-1', '?survey=s-2'];
    const before = await Promise.all(periods.map((p) => nps(p)));
    const keptBefore = [row('new-1'), row('new-2')];
    const old = [row('old-1'), row('old-2')];
    expect(old.map((r) => r.scrubbed_at)).toEqual([null, null]);
    expect(JSON.stringify(jobsOf(old[0]!.id))).toContain('Ana Lima');

    expect(await applyRetention(hub.store, RETENTION, new Date(T0), silentLogger)).toBe(2);

    for (const [i, r] of [row('old-1'), row('old-2')].entries()) {
      // What the figures count stays.
      expect({ score: r.score, category: r.category, metric: r.metric, source: r.source, survey: r.survey_id, at: r.received_at }).toEqual({
        score: old[i]!.score, category: old[i]!.category, metric: 'nps', source: 'generic', survey: old[i]!.survey_id, at: old[i]!.received_at,
      });
      // The person goes.
      expect({ comment: r.comment, email: r.respondent_email, raw: r.raw_body, scrubbed: r.scrubbed_at }).toEqual({ comment: null, email: null, raw: '', scrubbed: new Date(T0).toISOString() });
      const data = JSON.parse(r.data);
      expect(data.respondent).toEqual({ email: null, name: null, externalId: null });
      expect(data.comment).toBeNull();
      expect(data.extra).toEqual({});
      expect(data.score).toBe(r.score);
      expect(data.surveyId).toBe(r.survey_id);
      for (const job of jobsOf(r.id)) {
        expect(job.params).toBe('null');
        expect(job.last_error).toBeNull();
      }
    }
    const versions = hub.store.db.prepare(`SELECT data FROM response_versions WHERE response_id = ?`).all(old[0]!.id) as { data: string }[];
    expect(versions).toHaveLength(2);
    for (const v of versions) expect(JSON.parse(v.data).respondent.email).toBeNull();
    const everything = JSON.stringify(
      ['responses', 'response_versions', 'jobs', 'job_attempts', 'recipe_runs'].map((t) => hub.store.db.prepare(`SELECT * FROM ${t}`).all()),
    );
    for (const gone of ['Old complaint', 'Old praise', 'bob@example.com', 'Bob Stone']) expect(everything).not.toContain(gone);
    // The responses within the retention are untouched, Ana's recent one included.
    expect([row('new-1'), row('new-2')]).toEqual(keptBefore);
    for (const kept of ['Recent praise from Cy', 'Recent gripe from Ana', 'ana@example.com']) expect(everything).toContain(kept);

    expect(await Promise.all(periods.map((p) => nps(p)))).toEqual(before);
    expect(before[0]).toMatchObject({ responses: 4, promoters: 2, detractors: 2 });

    // Idempotent: nothing more to do, nothing changes.
    const snapshot = everything;
    expect(await applyRetention(hub.store, RETENTION, new Date(T0), silentLogger)).toBe(0);
    expect(JSON.stringify(['responses', 'response_versions', 'jobs', 'job_attempts', 'recipe_runs'].map((t) => hub.store.db.prepare(`SELECT * FROM ${t}`).all()))).toBe(snapshot);

    // A resend of a scrubbed response is a duplicate: it brings no personal data back.
    const resend = await at(0, { response_id: 'old-2', survey_id: 's-2', score: 10, comment: 'Old praise from Bob', email: 'bob@example.com', name: 'Bob Stone' });
    expect(resend.status).toBe(202);
    expect(((await resend.json()) as { duplicate: boolean }).duplicate).toBe(true);
    expect(row('old-2').respondent_email).toBeNull();

    // A day later, the 399-day-old answer has aged past the retention too.
    expect(await applyRetention(hub.store, RETENTION, new Date(T0 + 2 * DAY), silentLogger)).toBe(1);
    expect(row('new-1').comment).toBeNull();
    expect(row('new-2').comment).toBe('Recent gripe from Ana');
  });

  it('runs at start (then hourly) in the hub when CLOSELOOP_RETENTION is set; not at all when it is unset', async () => {
    await history();
    expect(hub.retention).toBeNull();
    await hub.cleanup();
    await history({ CLOSELOOP_RETENTION: '400d' });
    expect(row('old-1').comment).not.toBeNull();
    hub.retention!.start();
    await hub.retention!.stop(); // waits for the pass started at start
    expect([row('old-1'), row('old-2'), row('new-1'), row('new-2')].map((r) => r.comment)).toEqual([null, null, 'Recent praise from Cy', 'Recent gripe from Ana']);
  });

  it('CLOSELOOP_RETENTION takes hours, days or weeks, at least 1h; anything else names the variable', () => {
    expect(loadConfig({ CLOSELOOP_RETENTION: '400d' }).CLOSELOOP_RETENTION).toBe(400 * DAY);
    expect(loadConfig({ CLOSELOOP_RETENTION: '52w' }).CLOSELOOP_RETENTION).toBe(364 * DAY);
    expect(loadConfig({ CLOSELOOP_RETENTION: '36h' }).CLOSELOOP_RETENTION).toBe(36 * 3_600_000);
    expect(loadConfig({}).CLOSELOOP_RETENTION).toBeUndefined();
    for (const bad of ['400', '1y', '0h', 'forever', '-3d']) {
      expect(() => loadConfig({ CLOSELOOP_RETENTION: bad }), bad).toThrow(/CLOSELOOP_RETENTION/);
    }
  });
});
