import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { npsCountsQuery } from '../../src/store/rows.js';
import { adminRequest, makeTestHub, postWebhook } from '../support/hub.js';
import { fixtureBytes } from '../sources/source-suite.js';

const ROOT = resolve(import.meta.dirname, '../..');
const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const HOUR = 3_600_000;

let hub: ReturnType<typeof makeTestHub>;
afterEach(() => hub?.cleanup());

/** A hub whose clock the test moves, with responses received at known times. */
function hubWithClock() {
  const clock = { now: T0 };
  // Unscored generic responses are stored (they must not count as NPS).
  hub = makeTestHub({ now: () => new Date(clock.now), env: { GENERIC_ALLOW_UNSCORED: 'true' } });
  const respond = async (id: string, score: number, survey = 'S1') => {
    const res = await postWebhook(hub, 'generic', { response_id: id, score, survey_id: survey });
    expect(res.status).toBe(202);
  };
  const nps = async (query = '') => {
    const res = await adminRequest(hub, `/api/nps${query}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { clock, respond, nps };
}

describe('NPS figures (GET /api/nps, closeloop nps)', () => {
  it('count each scored NPS response once, with its newest score; CSAT answers and unscored stubs are not NPS', async () => {
    const { respond, nps } = hubWithClock();
    for (const [i, score] of [10, 9, 9, 8, 6, 0].entries()) await respond(`r-${i}`, score);
    // r-7 answered 9, then the tool sent it again with 3: one detractor, not a promoter as well.
    await respond('r-7', 9);
    await respond('r-7', 3);
    // A Zendesk CSAT rating and a generic response without a score yet.
    expect((await postWebhook(hub, 'zendesk-csat', fixtureBytes('zendesk-csat', 'good-with-comment.json'))).status).toBe(202);
    expect((await postWebhook(hub, 'generic', { response_id: 'no-score-yet', comment: 'Later' })).status).toBe(202);

    // 3 promoters, 1 passive, 3 detractors of 7: (3 − 3) / 7 = 0.
    expect(await nps()).toEqual({
      status: 200,
      body: { responses: 7, promoters: 3, passives: 1, detractors: 3, nps: 0, since: null, until: null, source: null, survey: null },
    });
  });

  it('over a period, a source and a survey; no response is a null score, not zero', async () => {
    const { clock, respond, nps } = hubWithClock();
    await respond('old-1', 0);
    await respond('old-2', 2);
    clock.now = T0 + 48 * HOUR;
    await respond('new-1', 10);
    await respond('new-2', 9, 'S2');
    await respond('new-3', 7);

    // The last day: 2 promoters and 1 passive of 3 → +66.7.
    expect((await nps('?since=1d')).body).toMatchObject({ responses: 3, promoters: 2, passives: 1, detractors: 0, nps: 66.7, since: new Date(T0 + 24 * HOUR).toISOString() });
    // Until a time: only the first two.
    expect((await nps(`?until=${new Date(T0 + HOUR).toISOString()}`)).body).toMatchObject({ responses: 2, detractors: 2, nps: -100 });
    expect((await nps('?survey=S2')).body).toMatchObject({ responses: 1, promoters: 1, nps: 100, survey: 'S2' });
    expect((await nps('?source=typeform')).body).toMatchObject({ responses: 0, nps: null, source: 'typeform' });
    expect((await nps('?source=generic&since=1d&survey=S1')).body).toMatchObject({ responses: 2, promoters: 1, passives: 1, nps: 50 });
  });

  it('refuses a bad filter with a 422 naming the field', async () => {
    const { nps } = hubWithClock();
    const field = async (query: string) => {
      const res = await nps(query);
      expect(res.status).toBe(422);
      return (res.body.error as { issues: { field: string; message: string }[] }).issues[0];
    };
    expect(await field('?since=yesterday')).toEqual({ field: 'since', message: expect.stringContaining('duration back from now') });
    expect(await field('?until=2026-13-40')).toMatchObject({ field: 'until' });
    expect(await field('?since=1d&until=2d')).toEqual({ field: 'until', message: 'must be later than since' });
    expect(await field('?source=typo')).toEqual({ field: 'source', message: 'is not a known survey source' });
    expect(await field('?source=Not%20A%20Name')).toMatchObject({ field: 'source' });
  });

  it('counted on the reader thread, not on the connection the event loop writes with', async () => {
    const { respond, nps } = hubWithClock();
    await respond('r-1', 10);
    const prepare = vi.spyOn(hub.store.db, 'prepare');
    expect((await nps()).body).toMatchObject({ responses: 1, promoters: 1 });
    expect(prepare.mock.calls.filter(([sql]) => String(sql).includes('responses_nps'))).toEqual([]);
    prepare.mockRestore();
  });

  it('read from one index, never the response rows, however many there are', () => {
    hub = makeTestHub();
    const q = npsCountsQuery({ since: 'a', until: 'b', source: 'generic', surveyId: 'S1' });
    const plan = (hub.store.db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[]).map((r) => r.detail);
    expect(plan[0]).toBe('SEARCH responses USING COVERING INDEX responses_nps (metric=? AND received_at>? AND received_at<?)');
    expect(plan.some((d) => d.startsWith('SCAN responses'))).toBe(false);
  });

  it('closeloop nps prints the figures from CLOSELOOP_DB, as text or JSON, and names a bad option', async () => {
    const { respond } = hubWithClock();
    for (const [i, score] of [10, 9, 8, 3].entries()) await respond(`r-${i}`, score);
    const cli = async (args: string[]) => {
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/closeloop.js', 'nps', ...args], {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CLOSELOOP_DB: hub.config.CLOSELOOP_DB },
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    expect(await cli([])).toEqual({ code: 0, stdout: 'NPS +25\n4 responses: promoters 2 (50.0%), passives 1 (25.0%), detractors 1 (25.0%)\n', stderr: '' });
    const json = await cli(['--survey', 'S1', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ responses: 4, promoters: 2, passives: 1, detractors: 1, nps: 25, since: null, until: null, source: null, survey: 'S1' });
    expect((await cli(['--survey', 'none'])).stdout).toBe('NPS: no scored NPS responses\n0 responses; survey none\n');
    const bad = await cli(['--since', 'last week']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since: must be an ISO 8601 time');
  });
});
