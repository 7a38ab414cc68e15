import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { backtestFilter, BacktestQuery, backtestRecipe } from '../../src/recipes/backtest.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { SqliteStore } from '../../src/runtime/node/sqlite-store.js';
import { recordingServer } from '../support/http-recorder.js';
import { databaseContents, PROMOTER_RECIPE, seedHistory, WINDOW } from './backtest-support.js';

// No handler: any request that tried to leave (a CRM look-up, a connector call) fails the test.
const network = recordingServer();
let seed: Awaited<ReturnType<typeof seedHistory>>;
beforeAll(async () => {
  seed = await seedHistory();
  network.listen();
}, 60_000);
afterAll(() => {
  network.close();
  rmSync(seed.dir, { recursive: true, force: true });
});

const registry = actionRegistry();
const recipeOf = (text: string) => parseRecipes([{ file: 'recipes/x.yaml', text }], new Set(registry.keys()))[0]!;

async function backtest(text: string, options: { source?: string; limit?: number; pageSize?: number; window?: { since: string; until: string } } = {}) {
  const store = new SqliteStore({ path: seed.db, mustExist: true });
  try {
    const filter = { ...(options.window ?? WINDOW), ...(options.source ? { source: options.source } : {}) };
    return await backtestRecipe(store, { recipe: recipeOf(text), registry, filter, limit: options.limit, pageSize: options.pageSize });
  } finally {
    await store.close();
  }
}

describe('backtestRecipe over a stored history', () => {
  it('counts each action exactly as planning would have decided, page by page', async () => {
    const before = databaseContents(seed.db);
    // A page of 2 makes the seed four pages: the throttle carries across pages.
    const report = await backtest(PROMOTER_RECIPE, { pageSize: 2 });
    expect(report.responses).toEqual({ scanned: 8, withoutAccountSnapshot: 1, limitReached: false });
    expect(report.decisions).toEqual({ fires: 4, conditionFalse: 1, conditionErrors: 0, throttled: 2, noScore: 1 });
    expect(report.actions.map(({ examples, ...counts }) => counts)).toEqual([
      { id: 'thank', action: 'slack.postMessage', wouldFire: 4, invalidParams: 0, conditionFalse: 1, throttled: 2, skippedByWhen: 0, noScore: 1 },
      { id: 'event', action: 'intercom.trackEvent', wouldFire: 1, invalidParams: 0, conditionFalse: 1, throttled: 2, skippedByWhen: 3, noScore: 1 },
    ]);
    expect(report.recipe).toEqual({ name: 'promoter-thanks', file: 'recipes/x.yaml', enabled: true, throttle: '90d', actions: [{ id: 'thank', action: 'slack.postMessage' }, { id: 'event', action: 'intercom.trackEvent' }] });
    expect(report.window).toEqual({ ...WINDOW, source: null, limit: null });

    // Throttled: a's February answer by the real mark of January 20; b's second answer by b's first, ten days before.
    expect(report.throttled).toEqual({
      responses: 2,
      respondents: 2,
      listed: [
        { respondent: 'a@acme.com', responseId: seed.ids.r1, receivedAt: '2026-02-02T09:00:00.000Z', score: 9, lastFiredAt: '2026-01-20T09:00:00.000Z', lastFiredBeforeWindow: true },
        { respondent: 'b@big.com', responseId: seed.ids.r3, receivedAt: '2026-02-13T09:00:00.000Z', score: 9, lastFiredAt: '2026-02-03T09:00:00.000Z', lastFiredBeforeWindow: false },
      ],
    });

    // Examples: the first three firings of each action, rendered with the stored account snapshot.
    const thank = report.actions[0]!.examples;
    expect(thank.map((e) => [e.responseId, e.respondent, e.score, e.accountSnapshot])).toEqual([
      [seed.ids.r2, 'b@big.com', 10, true],
      [seed.ids.r5, null, 10, true],
      [seed.ids.r9, 'f@form.com', 10, true],
    ]);
    const body = thank[0]!.request!.body as { text: string; blocks: unknown[] };
    expect(thank[0]!.request).toMatchObject({ method: 'POST', path: '/chat.postMessage' });
    expect(body.text).toBe('Big Corp gave 10');
    // The 6,000-character verbatim is clipped as the Slack connector clips it, naming the response.
    const sent = JSON.stringify(body.blocks);
    expect(sent).toContain(`… (truncated; full text: closeloop show ${seed.ids.r2})`);
    expect(sent.length).toBeLessThan(6000);
    expect(report.actions[1]!.examples).toEqual([
      {
        responseId: seed.ids.r2,
        receivedAt: '2026-02-03T09:00:00.000Z',
        respondent: 'b@big.com',
        score: 10,
        category: 'promoter',
        accountSnapshot: true,
        request: { method: 'POST', path: '/events', body: expect.objectContaining({ event_name: 'nps-promoter', metadata: { score: '10' } }) },
        issues: [],
      },
    ]);

    expect(network.requests).toEqual([]);
    expect(databaseContents(seed.db)).toEqual(before);
  });

  it('uses the account snapshot stored with the plan, never the CRM; a response never planned gets an empty account', async () => {
    const report = await backtest(PROMOTER_RECIPE.replace('when: response.metric == "nps" && response.score >= 9', 'when: account.tier == "enterprise"').replace(/throttle:\n {2}period: 90d\n/, ''));
    // b twice (enterprise in its snapshot); d is enterprise in the CRM but was never planned.
    expect(report.decisions).toEqual({ fires: 2, conditionFalse: 5, conditionErrors: 0, throttled: 0, noScore: 1 });
    expect(report.recipe.throttle).toBeNull();
    expect(network.requests).toEqual([]);
  });

  it('a condition that cannot be evaluated counts as false, with the reason', async () => {
    const report = await backtest(PROMOTER_RECIPE.replace('when: response.metric == "nps" && response.score >= 9', 'when: response.extra.plan == "pro"'));
    expect(report.decisions).toEqual({ fires: 0, conditionFalse: 7, conditionErrors: 7, throttled: 0, noScore: 1 });
    expect(report.conditionErrors).toEqual([{ reason: expect.stringMatching(/^condition could not be evaluated: .*plan/), count: 7 }]);
  });

  it('--source and --limit narrow the responses, in arrival order', async () => {
    const typeform = await backtest(PROMOTER_RECIPE, { source: 'typeform' });
    expect(typeform.responses.scanned).toBe(1);
    expect(typeform.decisions.fires).toBe(1);
    const first3 = await backtest(PROMOTER_RECIPE, { limit: 3, pageSize: 2 });
    expect(first3.responses).toEqual({ scanned: 3, withoutAccountSnapshot: 0, limitReached: true });
    expect(first3.decisions).toEqual({ fires: 1, conditionFalse: 1, conditionErrors: 0, throttled: 1, noScore: 0 });
    const all = await backtest(PROMOTER_RECIPE, { limit: 8 });
    expect(all.responses.limitReached).toBe(false);
  });

  it('an empty window scans nothing', async () => {
    const report = await backtest(PROMOTER_RECIPE, { window: { since: '2025-01-01T00:00:00.000Z', until: '2025-02-01T00:00:00.000Z' } });
    expect(report.responses.scanned).toBe(0);
    expect(report.actions[0]!.wouldFire).toBe(0);
  });

  it('a throttle mark older than the period does not throttle', async () => {
    // The same recipe with a 10-day period: January 20 is more than 10 days before a's February answer.
    const report = await backtest(PROMOTER_RECIPE.replace('period: 90d', 'period: 10d'));
    // b's second answer is exactly ten days after the first: no longer throttled either.
    expect(report.decisions).toEqual({ fires: 6, conditionFalse: 1, conditionErrors: 0, throttled: 0, noScore: 1 });
  });
});

describe('BacktestQuery', () => {
  const now = new Date('2026-03-02T10:00:00.000Z');
  it('takes a duration, an ISO date or an ISO time', () => {
    expect(backtestFilter(BacktestQuery.parse({ since: '30d' }), now)).toEqual({ since: '2026-01-31T10:00:00.000Z', until: '2026-03-02T10:00:00.000Z' });
    expect(backtestFilter(BacktestQuery.parse({ since: '2026-02-01', until: '2026-02-15T12:00:00Z', source: 'typeform' }), now)).toEqual({ since: '2026-02-01T00:00:00.000Z', until: '2026-02-15T12:00:00.000Z', source: 'typeform' });
  });
  it('names the field of a bad window', () => {
    const bad = BacktestQuery.safeParse({ since: 'last month' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toEqual(['since']);
    const reversed = BacktestQuery.safeParse({ since: '2026-02-01', until: '2026-01-01' });
    expect(reversed.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['until', 'must be after since']]);
    expect(BacktestQuery.safeParse({}).error!.issues.map((i) => i.path.join('.'))).toEqual(['since']);
  });
});
