import Database from 'better-sqlite3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionRegistry } from '../../connectors/registry.js';
import { NormalizedResponse, type ResponseInput } from '../../src/core/response.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { accountsByEmail } from '../insights/support.js';
import { makeTestHub } from '../support/hub.js';

/** Promoters get a Slack thank-you, enterprise ones an Intercom event too; once per respondent per 90 days. */
export const PROMOTER_RECIPE = [
  'name: promoter-thanks',
  'when: response.metric == "nps" && response.score >= 9',
  'throttle:',
  '  period: 90d',
  'actions:',
  '  - id: thank',
  '    action: slack.postMessage',
  '    params:',
  '      channel: "#wins"',
  `      text: "{{ account.name | default: response.respondent.email | default: 'someone' }} gave {{ response.score }}"`,
  '      quote: "{{ response.comment }}"',
  '  - id: event',
  '    action: intercom.trackEvent',
  '    when: account.tier == "enterprise"',
  '    params:',
  '      email: "{{ response.respondent.email }}"',
  '      eventName: nps-promoter',
  '      metadata:',
  '        score: "{{ response.score }}"',
  '',
].join('\n');

/** The backtest window of the seed: February 2026. */
export const WINDOW = { since: '2026-02-01T00:00:00.000Z', until: '2026-03-01T00:00:00.000Z' };

const person = (email: string | null) => ({ respondent: { email, name: null, externalId: null } });

/**
 * A stored history, planned by a hub running the same recipe (so real throttle marks exist):
 * - 2026-01-20 a@acme.com 10 (before the window: its mark throttles a's February answer)
 * - 2026-01-25 e@else.com 10 (before the window: not scanned)
 * - in the window, in arrival order: r1 a 9 (throttled by January's mark), r2 b 10 enterprise with
 *   a long comment (fires both actions), r4 c 3 (condition false), r5 anonymous 10 (fires; the
 *   event is skipped by its `when`), r6 no score, r9 f 10 from typeform (fires, event skipped),
 *   r3 b 9 ten days after r2 (throttled by r2), r7 d 9 never planned (no account snapshot: the
 *   event is skipped although the CRM says enterprise)
 * - 2026-03-05 g 10 (after the window)
 * Expected over the window: fires 4 (r2 r5 r9 r7), condition false 1, throttled 2, no score 1.
 */
export async function seedHistory() {
  const dir = mkdtempSync(join(tmpdir(), 'closeloop-backtest-'));
  const recipeFile = join(dir, 'promoter-thanks.yaml');
  writeFileSync(recipeFile, PROMOTER_RECIPE);
  const recipes = parseRecipes([{ file: recipeFile, text: PROMOTER_RECIPE }], new Set(actionRegistry().keys()));
  const clock = { now: 0 };
  const hub = makeTestHub({
    now: () => new Date(clock.now),
    recipes,
    enricher: accountsByEmail({
      'a@acme.com': { name: 'Acme', tier: 'business' },
      'b@big.com': { name: 'Big Corp', tier: 'enterprise' },
      'd@small.com': { name: 'Small', tier: 'enterprise' },
    }),
    env: { CLOSELOOP_DB: join(dir, 'hub.db'), CLOSELOOP_RECIPES: dir },
  });
  const ids: Record<string, string> = {};
  const receive = async (name: string, at: string, input: Partial<ResponseInput> & { score: number | null }, plan = true) => {
    clock.now = Date.parse(at);
    const response = NormalizedResponse.parse({ source: 'generic', sourceResponseId: name, ...input });
    ids[name] = (await hub.store.ingest({ response, rawBody: JSON.stringify(input), contentType: 'application/json' })).id;
    if (plan) await hub.loop.drain();
  };
  await receive('r-a-jan', '2026-01-20T09:00:00.000Z', { score: 10, ...person('a@acme.com') });
  await receive('r-e-jan', '2026-01-25T09:00:00.000Z', { score: 10, ...person('e@else.com') });
  await receive('r1', '2026-02-02T09:00:00.000Z', { score: 9, ...person('a@acme.com') });
  await receive('r2', '2026-02-03T09:00:00.000Z', { score: 10, comment: 'Great support! '.repeat(400), ...person('b@big.com') });
  await receive('r4', '2026-02-05T09:00:00.000Z', { score: 3, ...person('c@small.com') });
  await receive('r5', '2026-02-06T09:00:00.000Z', { score: 10, ...person(null) });
  await receive('r6', '2026-02-07T09:00:00.000Z', { score: null, ...person('n@none.com') });
  await receive('r9', '2026-02-10T09:00:00.000Z', { source: 'typeform', score: 10, ...person('f@form.com') });
  await receive('r3', '2026-02-13T09:00:00.000Z', { score: 9, ...person('b@big.com') });
  await receive('r-g-mar', '2026-03-05T09:00:00.000Z', { score: 10, ...person('g@later.com') });
  await receive('r7', '2026-02-20T09:00:00.000Z', { score: 9, ...person('d@small.com') }, false);
  await hub.close();
  return { dir, db: join(dir, 'hub.db'), recipeFile, ids };
}

/** Every row of every table: equal before and after means the database did not change. */
export function databaseContents(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
  } finally {
    db.close();
  }
}
