import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, makeTestHub, postWebhook } from '../support/hub.js';

/**
 * Hostile input at the campaign routes: random JSON, a valid definition with any field replaced
 * by a hostile value, wrong content types, hostile ids. The contract of every admin endpoint: a
 * 4xx naming a field (or a 200/201 when the input happens to be valid), never a 5xx, and nothing
 * written for a rejected request.
 */
const RUNS = 400;
let hub: ReturnType<typeof makeTestHub>;
let requests = 0;
const statuses = new Set<number>();
beforeAll(async () => {
  hub = makeTestHub({ recipes: [], env: { CLOSELOOP_SYNC: 'NORMAL' } });
  for (let i = 0; i < 5; i++) await postWebhook(hub, 'generic', { response_id: `r${i}`, score: 6 + i, email: `p${i}@example.com`, comment: 'Great' });
  await hub.loop.drain();
});
afterAll(async () => {
  await hub?.cleanup();
  console.info(`campaign fuzz: ${requests} requests`);
});

const campaigns = () => (hub.store.db.prepare('SELECT (SELECT COUNT(*) FROM campaigns) + (SELECT COUNT(*) FROM campaign_members) + (SELECT COUNT(*) FROM campaign_waves) AS n').get() as { n: number }).n;

async function send(path: string, init: RequestInit): Promise<void> {
  const before = campaigns();
  requests += 1;
  const res = await adminRequest(hub, path, init);
  const text = await res.text();
  statuses.add(res.status);
  expect(res.status, `${init.method} ${path} ${String(init.body).slice(0, 300)} → ${text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(campaigns(), `a rejected request wrote: ${String(init.body).slice(0, 300)}`).toBe(before);
    const error = JSON.parse(text) as { error: { issues: { field: string }[] } };
    expect(error.error.issues.length).toBeGreaterThan(0);
  }
}

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', ' ', '\u0000', '💥', 'a.b', 'score', 'plan');
const hostileValue = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -0, -1, 11, 1e21, 2 ** 53 + 1, 0.1, '', ' ', 'NaN', '90d', '0d', '-5d', '99999999d', '{{', '{% include "x" %}', '{{ response.score | shout }}', [], {}, [[]], { $gt: '' }, { by: 'score' }, { size: 0 }, { pause: '1s' }, { approval: true }),
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

const VALID = {
  name: 'fuzz',
  action: 'slack.postMessage',
  params: { channel: '#advocates', text: '{{ response.respondent.email }} gave {{ response.score }}' },
  filter: { score: { min: 8 }, category: 'promoter', segments: { plan: 'enterprise' }, answeredWithin: '60d', notContactedFor: '90d' },
  waves: [{ score: 10 }, { score: 9 }],
  betweenWaves: { approval: true },
};
const PATHS: string[][] = [['name'], ['action'], ['params'], ['params', 'text'], ['params', 'channel'], ['filter'], ['filter', 'score'], ['filter', 'score', 'min'], ['filter', 'category'], ['filter', 'segments'], ['filter', 'segments', 'plan'], ['filter', 'answeredWithin'], ['filter', 'notContactedFor'], ['filter', 'contactedBy'], ['filter', 'limit'], ['waves'], ['waves', '0'], ['waves', '0', 'score'], ['betweenWaves'], ['betweenWaves', 'pause'], ['dryRun']];

/** The valid definition with the value at `path` replaced (or a key added), under a fresh name so that a valid one is created, not refused as a duplicate. */
function mutate(path: string[], value: unknown, n: number): unknown {
  const copy = JSON.parse(JSON.stringify(VALID)) as Record<string, unknown>;
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
  if (path[0] !== 'name') copy.name = `fuzz-${n}`;
  return copy;
}

let counter = 0;
const body = fc.oneof(
  fc.tuple(fc.constantFrom(...PATHS), hostileValue, fc.boolean()).map(([path, value, dryRun]) => JSON.stringify({ ...(mutate(path, value, ++counter) as object), ...(dryRun && path[0] !== 'dryRun' ? { dryRun } : {}) })),
  fc.tuple(hostileKey, hostileValue).map(([key, value]) => JSON.stringify({ ...VALID, name: `fuzz-${++counter}`, [key]: value, dryRun: true })),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '[]', 'null', '{"name":', '\u0000', '{"__proto__":{"polluted":1}}'),
);
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', '');
const pathParam = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('fuzz', '..', '%00', '%2F', 'a'.repeat(5000), '__proto__', 'constructor')).map((s) => encodeURIComponent(s));

describe('campaign routes under hostile input', () => {
  it('POST /api/campaigns: only 4xx (or a valid campaign), never a 5xx, nothing written when rejected', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, async (b, type) => {
        await send('/api/campaigns', { method: 'POST', headers: type ? { 'content-type': type } : {}, body: b });
      }),
      // The valid definition itself, created and dry-run, besides the random ones.
      { numRuns: RUNS, examples: [[JSON.stringify({ ...VALID, dryRun: true }), 'application/json'], [JSON.stringify(VALID), 'application/json']] },
    );
    expect(({}) as Record<string, unknown>).not.toHaveProperty('polluted');
    // The mutations reach every outcome: created, dry run, invalid, malformed.
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 201, 400, 422]));
  });

  it('GET /api/campaigns/{id} and POST …/approve with hostile ids and queries', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(pathParam, fc.boolean(), fc.string({ maxLength: 20 }), async (id, approve, limit) => {
        if (!id) return;
        await send(approve ? `/api/campaigns/${id}/approve` : `/api/campaigns/${id}`, { method: approve ? 'POST' : 'GET' });
        await send(`/api/campaigns?limit=${encodeURIComponent(limit)}`, { method: 'GET' });
      }),
      { numRuns: RUNS / 2 },
    );
  });
});
