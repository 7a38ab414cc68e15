/**
 * Dashboard part of `npm run bench`, run in its own process by bench/run.ts (prints one JSON line;
 * `node --import tsx bench/dashboard.ts` runs it alone). On a database of 100,000 stored responses
 * over a year (segments, themes, verdicts of three recipes, a ticket job per detractor, some loops
 * answered, 200 dead jobs), each page of the dashboard is loaded through the app with a session
 * cookie, in turns with the JSON API calls that give the same figures (their times added up), and
 * the ratio page ÷ API is the median of the rounds' ratios: what rendering HTML costs over JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src/core/logger.js';
import { createNodeHub } from '../src/runtime/node/hub.js';

const SIZE = Number(process.env.BENCH_DASHBOARD_RESPONSES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_DASHBOARD_ROUNDS ?? 9);
const NOW = new Date('2026-12-01T12:00:00.000Z');
const ORIGIN = 'http://bench.test';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface DashboardPageResult {
  page: string;
  path: string;
  api: string[];
  pageMs: number;
  apiMs: number;
  /** Null when no API call is behind the page. */
  ratio: number | null;
  bytes: number;
}

const dir = mkdtempSync(join(tmpdir(), 'closeloop-bench-dashboard-'));
try {
  const hub = createNodeHub({ env: { CLOSELOOP_DB: join(dir, 'dash.db'), CLOSELOOP_RECIPES: 'recipes', CLOSELOOP_SYNC: 'NORMAL' }, log: silentLogger, now: () => NOW });
  const db = hub.store.db;
  const fillStart = performance.now();
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @size)
       INSERT INTO responses (id, source, source_response_id, metric, score, category, comment, respondent_email, received_at, data, raw_body, content_type)
       SELECT id, 'generic', 's-' || i, 'nps', score, category, comment, email, at,
              json_object('source', 'generic', 'sourceResponseId', 's-' || i, 'surveyId', NULL, 'metric', 'nps', 'score', score, 'scale', json_object('min', 0, 'max', 10),
                'category', category, 'comment', comment, 'respondent', json_object('email', email, 'name', NULL, 'externalId', NULL), 'answeredAt', NULL, 'extra', json_object()),
              '{}', 'application/json'
       FROM (SELECT printf('r-%08d', i) AS id, i, (i * 7919) % 11 AS score,
                    CASE WHEN (i * 7919) % 11 >= 9 THEN 'promoter' WHEN (i * 7919) % 11 >= 7 THEN 'passive' ELSE 'detractor' END AS category,
                    CASE i % 3 WHEN 0 THEN 'The export is slow and the invoice was wrong, ticket ' || i WHEN 1 THEN 'Support helped fast' ELSE NULL END AS comment,
                    printf('user%d@example.com', i % 40000) AS email,
                    strftime('%Y-%m-%dT%H:%M:%fZ', '2025-12-01T12:00:00Z', printf('+%d seconds', CAST(i * (31536000.0 / @size) AS INTEGER))) AS at
             FROM n)`,
    ).run({ size: SIZE });
    db.prepare(`UPDATE plan_cursor SET planned_through = (SELECT MAX(seq) FROM responses)`).run();
    db.prepare(
      `INSERT INTO response_segments (response_id, version, received_at, metric, category, score, source, plan, account, planned_at)
       SELECT id, 1, received_at, metric, category, score, source, CASE seq % 5 WHEN 0 THEN NULL ELSE 'plan-' || (seq % 5) END,
              json_object('id', NULL, 'name', 'Account ' || (seq % 900), 'domain', NULL, 'plan', 'plan-' || (seq % 5), 'tier', NULL, 'arr', NULL, 'owner', json_object('name', NULL, 'email', NULL), 'region', NULL, 'lifecycle', NULL, 'custom', json_object(), 'crm', NULL),
              received_at FROM responses ORDER BY seq`,
    ).run();
    db.prepare(`INSERT INTO recipe_verdicts (response_id, response_version, recipe, position, verdict, reason, skipped_actions, planned_at)
      SELECT r.id, 1, x.recipe, x.position,
             CASE WHEN (x.recipe = 'detractor-ticket' AND r.category = 'detractor') OR (x.recipe = 'promoter-advocacy' AND r.category = 'promoter') OR (x.recipe = 'verbatims-to-slack' AND r.comment IS NOT NULL) THEN 'matched' ELSE 'not_matched' END,
             'condition', NULL, r.received_at
      FROM responses r, (SELECT 'detractor-ticket' AS recipe, 0 AS position UNION ALL SELECT 'promoter-advocacy', 1 UNION ALL SELECT 'verbatims-to-slack', 2) x`).run();
    db.prepare(`INSERT INTO jobs (id, key, type, response_id, recipe, action_id, action, params, status, attempts, max_attempts, run_at, created_at, updated_at, result)
      SELECT 'j-' || id, id || ':detractor-ticket:ticket', 'action', id, 'detractor-ticket', 'ticket', 'zendesk.createTicket', '{}', 'sandboxed', 1, 8, received_at, received_at, received_at, '{"remoteId":null}'
      FROM responses WHERE category = 'detractor'`).run();
    db.prepare(`INSERT INTO jobs (id, key, type, response_id, recipe, action_id, action, params, status, attempts, max_attempts, run_at, created_at, updated_at, last_error)
      SELECT 'd-' || id, id || ':verbatims-to-slack:verbatim', 'action', id, 'verbatims-to-slack', 'verbatim', 'slack.postMessage', '{}', 'dead', 3, 8, received_at, received_at, received_at, 'Slack answered is_archived'
      FROM responses WHERE comment IS NOT NULL ORDER BY seq DESC LIMIT 200`).run();
    db.prepare(`INSERT INTO loops (response_id, acknowledged_at, acknowledged_by, acknowledged_via)
      SELECT id, strftime('%Y-%m-%dT%H:%M:%fZ', received_at, '+' || (seq % 72) || ' hours'), 'Dana', 'zendesk' FROM responses WHERE category = 'detractor' AND seq % 2 = 0`).run();
    db.prepare(`INSERT INTO response_themes (theme, response_seq) SELECT 'speed', seq FROM responses WHERE comment LIKE '%slow%'`).run();
    db.prepare(`UPDATE responses SET themes = '["speed"]' WHERE comment LIKE '%slow%'`).run();
  })();
  const fillSeconds = (performance.now() - fillStart) / 1000;

  // A session, as a browser gets it.
  const signIn = await hub.app.request(`${ORIGIN}/sign-in`, {
    method: 'POST',
    headers: { origin: ORIGIN, host: 'bench.test', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: hub.adminToken.token }).toString(),
  });
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  const bearer = { authorization: `Bearer ${hub.adminToken.token}` };
  const someone = 'user1234@example.com';
  const [detractor] = await hub.store.searchResponses({ category: 'detractor', limit: 1 });

  const pages: { page: string; path: string; api: string[] }[] = [
    { page: 'Overview', path: '/', api: ['/api/nps?since=84d&interval=week&compare=previous', '/api/nps?since=84d&by=plan&compare=previous', '/api/themes?since=84d', '/api/verbatims?limit=10'] },
    { page: 'Responses (search by email)', path: `/responses?email=${encodeURIComponent(someone)}`, api: ['/api/responses?limit=50'] },
    { page: 'Response', path: `/responses/${detractor!.id}`, api: [`/api/responses/${detractor!.id}`, `/api/responses/${detractor!.id}/loop`] },
    { page: 'Loop health', path: '/loop-health', api: ['/api/jobs?status=dead&limit=50', '/api/loops?since=30d', '/api/loops?since=30d&by=plan', '/healthz'] },
    // No API lists recipes: its time alone.
    { page: 'Recipes', path: '/recipes', api: [] },
  ];

  const time = async (path: string, headers: Record<string, string>) => {
    const t = performance.now();
    const res = await hub.app.request(`${ORIGIN}${path}`, { headers });
    const body = await res.text();
    const ms = performance.now() - t;
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${body.slice(0, 300)}`);
    return { ms, bytes: body.length };
  };

  const results: DashboardPageResult[] = [];
  for (const p of pages) {
    const ratios: number[] = [];
    const pageTimes: number[] = [];
    const apiTimes: number[] = [];
    let bytes = 0;
    // One warm-up round, then page and API in turns.
    for (let i = 0; i <= ROUNDS; i++) {
      const page = await time(p.path, { cookie });
      let api = 0;
      for (const path of p.api) api += (await time(path, bearer)).ms;
      if (i === 0) continue;
      bytes = page.bytes;
      pageTimes.push(page.ms);
      apiTimes.push(api);
      if (p.api.length) ratios.push(page.ms / api);
    }
    results.push({ page: p.page, path: p.path, api: p.api, pageMs: median(pageTimes), apiMs: median(apiTimes), ratio: ratios.length ? median(ratios) : null, bytes });
  }
  await hub.close();
  console.log(JSON.stringify({ responses: SIZE, rounds: ROUNDS, fillSeconds, pages: results }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
