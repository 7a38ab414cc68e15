import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, makeTestHub } from '../support/hub.js';
import { recordingServer } from '../support/http-recorder.js';
import { databaseContents, PROMOTER_RECIPE, seedHistory, WINDOW } from './backtest-support.js';

// No handler: a CRM look-up or a connector call would fail the test.
const network = recordingServer();
let seed: Awaited<ReturnType<typeof seedHistory>>;
let hub: ReturnType<typeof makeTestHub>;
beforeAll(async () => {
  seed = await seedHistory();
  network.listen();
  // A hub over the seeded database, running the recipe (for a backtest by name).
  hub = makeTestHub({ env: { CLOSELOOP_DB: seed.db, CLOSELOOP_RECIPES: seed.dir } });
}, 60_000);
afterAll(async () => {
  network.close();
  await hub.close();
  rmSync(seed.dir, { recursive: true, force: true });
});

const post = async (body: unknown, token = true) => {
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const res = token ? await adminRequest(hub, '/api/recipes/backtest', init) : await hub.app.request('/api/recipes/backtest', init);
  return { status: res.status, body: (await res.json()) as any };
};

describe('POST /api/recipes/backtest', () => {
  it('backtests a recipe given as YAML or by name, writing nothing and calling nothing', async () => {
    const before = databaseContents(seed.db);
    const byYaml = await post({ yaml: PROMOTER_RECIPE, ...WINDOW, examples: 1 });
    expect(byYaml.status).toBe(200);
    expect(byYaml.body.decisions).toEqual({ fires: 4, conditionFalse: 1, conditionErrors: 0, throttled: 2, noScore: 1 });
    expect(byYaml.body.actions.map((a: any) => [a.id, a.wouldFire, a.skippedByWhen, a.examples.length])).toEqual([
      ['thank', 4, 0, 1],
      ['event', 1, 3, 1],
    ]);
    expect(byYaml.body.throttled.listed.map((t: any) => [t.respondent, t.lastFiredBeforeWindow])).toEqual([
      ['a@acme.com', true],
      ['b@big.com', false],
    ]);
    const byName = await post({ recipe: 'promoter-thanks', since: '2026-02-01', until: '2026-03-01', source: 'typeform' });
    expect(byName.status).toBe(200);
    expect(byName.body.window).toEqual({ ...WINDOW, source: 'typeform', limit: null });
    expect(byName.body.decisions.fires).toBe(1);
    expect(network.requests).toEqual([]);
    expect(databaseContents(seed.db)).toEqual(before);
  });

  it('a bad window, a broken recipe, an unknown name: 4xx naming the field', async () => {
    const since = await post({ yaml: PROMOTER_RECIPE, since: 'last month' });
    expect(since.status).toBe(422);
    expect(since.body.error.issues).toEqual([{ field: 'since', message: expect.stringContaining('must be a duration back from now') }]);
    const reversed = await post({ yaml: PROMOTER_RECIPE, since: '2026-03-01', until: '2026-02-01' });
    expect(reversed.body.error.issues).toEqual([{ field: 'until', message: 'must be after since' }]);
    const both = await post({ yaml: PROMOTER_RECIPE, recipe: 'promoter-thanks', since: '30d' });
    expect(both.status).toBe(422);
    expect(both.body.error.issues.map((i: any) => i.field)).toEqual(['recipe']);
    const broken = await post({ yaml: PROMOTER_RECIPE.replace('response.score >= 9', 'response.scor >= 9'), since: '30d' });
    expect(broken.status).toBe(422);
    expect(broken.body.error.issues).toEqual([{ field: 'yaml', message: 'line 2, column 44: when: condition never matches: unknown field "scor"' }]);
    const source = await post({ recipe: 'promoter-thanks', since: '30d', source: 'surveymonkee' });
    expect(source.status).toBe(422);
    expect(source.body.error.issues).toEqual([{ field: 'source', message: expect.stringMatching(/^is not a known survey source; known: .*typeform/) }]);
    const unknown = await post({ recipe: 'nope', since: '30d' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.issues).toEqual([{ field: 'recipe', message: 'no such recipe' }]);
    expect((await post({ recipe: 'promoter-thanks', since: '30d' }, false)).status).toBe(401);
  });
});
