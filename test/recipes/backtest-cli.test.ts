import { createServer, type Server } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeloop } from '../support/cli.js';
import { databaseContents, seedHistory } from './backtest-support.js';

let seed: Awaited<ReturnType<typeof seedHistory>>;
/** Where every CRM and connector points: any request the backtest made would land here. */
let vendor: Server;
let vendorUrl: string;
const received: string[] = [];

beforeAll(async () => {
  seed = await seedHistory();
  vendor = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', r));
  vendorUrl = `http://127.0.0.1:${(vendor.address() as { port: number }).port}`;
}, 60_000);
afterAll(async () => {
  await new Promise((r) => vendor.close(r));
  rmSync(seed.dir, { recursive: true, force: true });
});

/** Credentials for the CRM and every connector the recipe uses, all pointing at {@link vendor}. */
const env = () => ({
  CLOSELOOP_DB: seed.db,
  CLOSELOOP_RECIPES: seed.dir,
  HUBSPOT_ACCESS_TOKEN: 'pat-test',
  HUBSPOT_BASE_URL: vendorUrl,
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_API_URL: `${vendorUrl}/api/`,
  INTERCOM_ACCESS_TOKEN: 'ic-test',
  INTERCOM_BASE_URL: vendorUrl,
});
const WINDOW_ARGS = ['--since', '2026-02-01', '--until', '2026-03-01T00:00:00Z'];

describe('closeloop try <recipe> --since', () => {
  it('prints counts per action, examples and the throttled respondents; calls nothing and writes nothing', { timeout: 120_000 }, async () => {
    const before = databaseContents(seed.db);
    const out = await closeloop(['try', seed.recipeFile, ...WINDOW_ARGS, '--examples', '1'], { env: env() });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 10)).toEqual([
      `backtest  promoter-thanks (${seed.recipeFile}), throttle once per respondent per 90d`,
      'window    2026-02-01T00:00:00.000Z → 2026-03-01T00:00:00.000Z, every source',
      'no side effects: stored responses with the account snapshot their plan stored; no CRM or connector called, nothing written',
      'responses 8; 1 never planned, evaluated with an empty account',
      '',
      'recipe    fires 4, condition false 1, throttled 2, no score 1',
      '',
      'action                       would fire  invalid params  condition false  throttled  skipped by when',
      'thank → slack.postMessage             4               0                1          2                0',
      'event → intercom.trackEvent           1               0                1          2                3',
    ]);
    expect(lines).toContain('thank → slack.postMessage (live), 1 example(s):');
    expect(lines).toContain(`  2026-02-03T09:00:00.000Z  b@big.com  score 10 (promoter)  response ${seed.ids.r2}`);
    expect(lines).toContain('        "text": "Big Corp gave 10",');
    expect(lines.slice(-3)).toEqual([
      'throttled: 2 response(s) of 2 respondent(s):',
      `  2026-02-02T09:00:00.000Z  a@acme.com  score 9  response ${seed.ids.r1}  last fired 2026-01-20T09:00:00.000Z (before the window)`,
      `  2026-02-13T09:00:00.000Z  b@big.com  score 9  response ${seed.ids.r3}  last fired 2026-02-03T09:00:00.000Z`,
    ]);
    expect(received).toEqual([]);
    expect(databaseContents(seed.db)).toEqual(before);
  });

  it('--json: the report as one JSON document', { timeout: 120_000 }, async () => {
    const before = databaseContents(seed.db);
    const out = await closeloop(['try', 'promoter-thanks', ...WINDOW_ARGS, '--source', 'generic', '--json'], { env: env() });
    expect(out.stderr).toBe('');
    const report = JSON.parse(out.stdout);
    expect(Object.keys(report)).toEqual(['recipe', 'window', 'responses', 'decisions', 'conditionErrors', 'actions', 'throttled']);
    expect(report.window).toEqual({ since: '2026-02-01T00:00:00.000Z', until: '2026-03-01T00:00:00.000Z', source: 'generic', limit: null });
    // The typeform promoter is left out.
    expect(report.responses).toEqual({ scanned: 7, withoutAccountSnapshot: 1, limitReached: false });
    expect(report.decisions).toEqual({ fires: 3, conditionFalse: 1, conditionErrors: 0, throttled: 2, noScore: 1 });
    expect(report.actions[0]).toMatchObject({ id: 'thank', action: 'slack.postMessage', wouldFire: 3, skippedByWhen: 0 });
    expect(Object.keys(report.actions[0].examples[0])).toEqual(['responseId', 'receivedAt', 'respondent', 'score', 'category', 'accountSnapshot', 'request', 'issues']);
    expect(report.actions[0].examples.map((e: { responseId: string }) => e.responseId)).toEqual([seed.ids.r2, seed.ids.r5, seed.ids.r7]);
    expect(report.throttled.listed.map((t: { respondent: string }) => t.respondent)).toEqual(['a@acme.com', 'b@big.com']);
    expect(received).toEqual([]);
    expect(databaseContents(seed.db)).toEqual(before);
  });

  it('says so when nothing matched', { timeout: 120_000 }, async () => {
    const empty = await closeloop(['try', seed.recipeFile, '--since', '2025-01-01', '--until', '2025-02-01'], { env: env() });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('\nnothing matched: no stored response was received in this window');
    const never = await closeloop(['try', seed.recipeFile, ...WINDOW_ARGS, '--source', 'generic', '--limit', '1'], { env: env() });
    expect(never.stdout).toContain('responses 1 (more in the window: --limit reached)');
    expect(never.stdout).toContain('nothing matched: the recipe would not have fired for any of the 1 response(s)');
  });

  it('a bad window names its option; exit 1', { timeout: 120_000 }, async () => {
    const bad = await closeloop(['try', seed.recipeFile, '--since', 'last month'], { env: env() });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('Invalid options:\n  --since: must be a duration back from now (30d, 12h, 2w) or an ISO date (2026-11-01) or time (2026-11-01T00:00:00Z)\n');
    const reversed = await closeloop(['try', seed.recipeFile, '--since', '2026-03-01', '--until', '2026-02-01'], { env: env() });
    expect(reversed.code).toBe(1);
    expect(reversed.stderr).toContain('  --until: must be after since');
    const source = await closeloop(['try', seed.recipeFile, '--since', '30d', '--source', 'surveymonkee'], { env: env() });
    expect(source.code).toBe(1);
    expect(source.stderr).toMatch(/^Invalid options:\n  --source: is not a known survey source; known: /);
    const both = await closeloop(['try', seed.recipeFile, 'payload.json', '--since', '30d'], { env: env() });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('Give a payload or --since');
  });

  it('a recipe with errors is reported with file, line and field; exit 1', { timeout: 120_000 }, async () => {
    const file = join(seed.dir, 'broken.yaml');
    writeFileSync(file, 'name: broken\nwhen: response.scor >= 9\nactions:\n  - id: a\n    action: slack.postMesage\n    params: { channel: "#x", text: "hi" }\n');
    const out = await closeloop(['try', file, '--since', '30d'], { env: env() });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`^Invalid recipes:\\n${file}:2:16 when: condition never matches: unknown field "scor"\\n${file}:5:13 actions\\[0\\]\\.action: unknown action "slack\\.postMesage"`));
    rmSync(file);
  });

  it('a recipe on loop.overdue is refused: it does not run on a response', { timeout: 120_000 }, async () => {
    const file = join(seed.dir, 'overdue.yaml');
    writeFileSync(file, 'name: overdue\non: loop.overdue\nwhen: "true"\nactions:\n  - id: a\n    action: slack.postMessage\n    params: { channel: "#x", text: "late" }\n');
    const out = await closeloop(['try', file, '--since', '30d'], { env: env() });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('runs on loop.overdue');
    rmSync(file);
  });

  it('without --since, try over one payload is as it was', { timeout: 120_000 }, async () => {
    const payload = join(seed.dir, 'payload.json');
    writeFileSync(payload, JSON.stringify({ response_id: 'p-1', score: 10, email: 'x@example.com' }));
    const out = await closeloop(['try', seed.recipeFile, payload], { env: { CLOSELOOP_DB: seed.db, CLOSELOOP_RECIPES: seed.dir } });
    expect(out.stderr).toBe('');
    expect(out.stdout.split('\n').slice(0, 3)).toEqual(['response: score 10 (promoter), x@example.com, comment: none', '', 'FIRES  promoter-thanks: condition is true: response.metric == "nps" && response.score >= 9']);
    const missing = await closeloop(['try', seed.recipeFile], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('payload: is required without --since');
  });
});
