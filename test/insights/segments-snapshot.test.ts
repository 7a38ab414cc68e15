import { NormalizedResponse } from '../../src/core/response.js';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyEnrichment, type Account, type Enricher } from '../../src/core/account.js';
import { arrBand } from '../../src/insights/segments.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

let hub: ReturnType<typeof makeTestHub>;
afterEach(() => hub?.cleanup());

/** A CRM whose answer the test changes between plans. */
function crm(account: Partial<Account>) {
  const state = { account };
  const enricher: Enricher = {
    enrich: async () => {
      const e = emptyEnrichment();
      return { ...e, account: { ...e.account, ...state.account } };
    },
  };
  return { state, enricher };
}

const rollups = () =>
  hub.store.db.prepare(`SELECT dimension, value, category, n, score_sum AS scoreSum FROM insight_rollups WHERE n <> 0 ORDER BY dimension, value, category`).all();

describe('the account snapshot stored with each response (migration 15)', () => {
  it('keeps what the recipes saw at planning, and moves the rollups when a new version is planned with another account', async () => {
    const { state, enricher } = crm({ id: 'A1', plan: 'pro', tier: 'enterprise', arr: 120_000, region: 'EMEA', owner: { id: 'U1', name: 'Dana', email: 'dana@ex.com' }, lifecycle: 'customer', crm: 'hubspot', custom: { industry: 'retail' } });
    hub = makeTestHub({ enricher, recipes: [] });
    const send = (score: number) => postWebhook(hub, 'generic', { response_id: 'r-1', score, survey_id: 'S1', touchpoint: 'onboarding', email: 'a@ex.com', hidden: { cohort: 'beta' } });
    expect((await send(10)).status).toBe(202);
    await hub.loop.drain();

    const row = hub.store.db.prepare('SELECT * FROM response_segments').get() as Record<string, unknown>;
    expect(row).toMatchObject({ version: 1, metric: 'nps', category: 'promoter', score: 10, source: 'generic', survey: 'S1', plan: 'pro', tier: 'enterprise', arr: '100k–500k', region: 'EMEA', owner: 'Dana', lifecycle: 'customer', crm: 'hubspot' });
    expect(JSON.parse(row.account as string)).toMatchObject({ id: 'A1', custom: { industry: 'retail' } });
    expect(rollups()).toContainEqual({ dimension: 'plan', value: 'pro', category: 'promoter', n: 1, scoreSum: 10 });
    expect(rollups()).toContainEqual({ dimension: '', value: '', category: 'promoter', n: 1, scoreSum: 10 });

    // The account moved to another plan and the respondent changed their score: the new version counts once, in the new plan.
    state.account = { ...state.account, plan: 'basic' };
    expect((await send(3)).status).toBe(202);
    await hub.loop.drain();
    expect(hub.store.db.prepare('SELECT version, plan, category FROM response_segments').all()).toEqual([{ version: 2, plan: 'basic', category: 'detractor' }]);
    const now = rollups();
    expect(now).toContainEqual({ dimension: 'plan', value: 'basic', category: 'detractor', n: 1, scoreSum: 3 });
    expect(now.filter((r) => (r as { category: string }).category === 'promoter')).toEqual([]);
    // The whole and the known values only (an unknown value is the whole less the known ones).
    expect(now).toHaveLength(10);
  });

  it('an unknown account writes no rollup row of its own; an erased response leaves the counts', async () => {
    hub = makeTestHub({ recipes: [] });
    expect((await postWebhook(hub, 'generic', { response_id: 'r-1', score: 6 })).status).toBe(202);
    await hub.loop.drain();
    expect(rollups()).toEqual([
      { dimension: '', value: '', category: 'detractor', n: 1, scoreSum: 6 },
      { dimension: 'source', value: 'generic', category: 'detractor', n: 1, scoreSum: 6 },
    ]);
    hub.store.db.prepare('DELETE FROM responses').run();
    expect(rollups()).toEqual([]);
    expect(hub.store.db.prepare('SELECT COUNT(*) AS n FROM response_segments').get()).toEqual({ n: 0 });
  });

  it('an older version planned after a newer one leaves the newer snapshot', async () => {
    hub = makeTestHub({ recipes: [] });
    // A plan commits only for a response that exists (one erased meanwhile gets nothing).
    const response = NormalizedResponse.parse({ source: 'generic', sourceResponseId: 'x', score: 9 });
    const { id } = await hub.store.ingest({ response, rawBody: '{}', contentType: 'application/json' });
    const base = { responseId: id, receivedAt: '2026-03-02T10:00:00.000Z', metric: 'nps' as const, score: 9, plannedAt: '2026-03-02T10:00:01.000Z', account: emptyEnrichment().account };
    const values = { source: 'generic', survey: null, touchpoint: null, plan: null, tier: null, arr: null, region: null, owner: null, lifecycle: null, crm: null };
    await hub.store.commitPlan({ planJobId: 'none', responseId: id, jobs: [], recipeRuns: [], verdicts: [], segments: { ...base, version: 2, category: 'promoter', values: { ...values, plan: 'new' } } }, base.plannedAt);
    await hub.store.commitPlan({ planJobId: 'none', responseId: id, jobs: [], recipeRuns: [], verdicts: [], segments: { ...base, version: 1, category: 'passive', score: 7, values: { ...values, plan: 'old' } } }, base.plannedAt);
    expect(hub.store.db.prepare('SELECT version, plan FROM response_segments').all()).toEqual([{ version: 2, plan: 'new' }]);
    expect(rollups()).toContainEqual({ dimension: 'plan', value: 'new', category: 'promoter', n: 1, scoreSum: 9 });
  });

  it('ARR bands', () => {
    expect([null, -1, 0, 9_999, 10_000, 499_999, 1_000_000].map(arrBand)).toEqual([null, null, '<10k', '<10k', '10k–50k', '100k–500k', '1M+']);
  });
});
