import { afterEach, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { readAdminToken } from '../../src/runtime/node/admin-token.js';
import { createNodeHub } from '../../src/runtime/node/hub.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

type ErrorBody = { error: { code: string; message: string; issues: { field: string; message: string }[] } };
type Hub = ReturnType<typeof makeTestHub>;

const TOKEN = 'admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
/** What @hono/node-server puts in the env for a request from this peer. */
const peer = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress, remotePort: 40000, remoteFamily: remoteAddress.includes(':') ? 'IPv6' : 'IPv4' } } });

describe('admin API', () => {
  let hub: Hub;
  afterEach(async () => hub?.cleanup());

  it('with CLOSELOOP_ADMIN_TOKEN set: 401 without or with a wrong bearer token, 200 with it', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN } });
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Bearer ${TOKEN}x` }] as Record<string, string>[]) {
      const res = await hub.app.request('/api/jobs', { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: { code: 'unauthorized', message: 'Missing or wrong bearer token (CLOSELOOP_ADMIN_TOKEN)', issues: [{ field: 'authorization', message: 'bearer token required' }] },
      });
    }
    // A malformed Authorization header is a 400 (RFC 6750), still naming the field.
    const basic = await hub.app.request('/api/jobs', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
    expect(basic.status).toBe(400);
    expect(((await basic.json()) as ErrorBody).error.issues).toEqual([{ field: 'authorization', message: 'bearer token required' }]);

    // A token is required even from this machine.
    expect((await hub.app.request('/api/jobs', {}, peer('127.0.0.1'))).status).toBe(401);
    const ok = await hub.app.request('/api/jobs', { headers: auth }, peer('203.0.113.9'));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ jobs: [] });
    // The webhooks are not behind the admin token.
    expect((await postWebhook(hub, 'generic', { response_id: 'r-1', score: 5 })).status).toBe(202);
  });

  it('without CLOSELOOP_ADMIN_TOKEN: never open, not even to this machine; a token is generated beside the database (0600) and kept', async () => {
    hub = makeTestHub();
    const file = `${hub.config.CLOSELOOP_DB}.admin-token`;
    expect(hub.adminToken).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), file, generated: true });
    expect(readFileSync(file, 'utf8').trim()).toBe(hub.adminToken.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // A loopback peer is no credential: a local proxy or tunnel makes every caller look local.
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '203.0.113.9']) {
      const res = await hub.app.request('/api/responses', {}, peer(address));
      expect(res.status).toBe(401);
      expect(((await res.json()) as ErrorBody).error.issues).toEqual([{ field: 'authorization', message: 'bearer token required' }]);
    }
    expect((await hub.app.request('/api/jobs/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"status":"dead"}' }, peer('127.0.0.1'))).status).toBe(401);
    const ok = await hub.app.request('/api/jobs', { headers: { authorization: `Bearer ${hub.adminToken.token}` } }, peer('127.0.0.1'));
    expect(ok.status).toBe(200);

    // The next start on the same database keeps the token; the CLI reads the same file.
    const env = { CLOSELOOP_DB: hub.config.CLOSELOOP_DB };
    const again = createNodeHub({ env: { ...env, CLOSELOOP_RECIPES: 'recipes' }, log: silentLogger });
    try {
      expect(again.adminToken).toEqual({ token: hub.adminToken.token, file, generated: false });
    } finally {
      await again.close();
    }
    expect(readAdminToken(loadConfig(env))).toEqual({ token: hub.adminToken.token, file, generated: false });
    expect(() => readAdminToken(loadConfig({ CLOSELOOP_DB: join(hub.dir, 'other.db') }))).toThrow(/No admin token/);
  });

  it('a token with any printable characters works (compared by the hub, in constant time), and only that token', async () => {
    // Outside the RFC 6750 token68 charset that hono's bearerAuth allows: it answered 400 to the right token.
    const odd = 'p@ss:w0rd!#$%^&*()[]{}|;\'",<>? ~x';
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: odd } });
    expect((await hub.app.request('/api/jobs', { headers: { authorization: `Bearer ${odd}` } })).status).toBe(200);
    expect((await hub.app.request('/api/jobs', { headers: { authorization: `bearer  ${odd}` } })).status).toBe(200);
    for (const wrong of [odd.slice(0, -1), `${odd}!`, odd.toUpperCase()]) {
      expect((await hub.app.request('/api/jobs', { headers: { authorization: `Bearer ${wrong}` } })).status).toBe(401);
    }
  });

  it('GET /api/jobs?status=bogus → 422 naming `status`; a bad limit → 422 naming `limit`', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN } });
    const res = await hub.app.request('/api/jobs?status=bogus', { headers: auth });
    expect(res.status).toBe(422);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.issues).toEqual([{ field: 'status', message: 'Invalid option: expected one of "queued"|"running"|"succeeded"|"sandboxed"|"dead"|"cancelled"' }]);
    for (const limit of ['0', '501', 'ten']) {
      const bad = await hub.app.request(`/api/jobs?limit=${limit}`, { headers: auth });
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as ErrorBody).error.issues.map((i) => i.field)).toEqual(['limit']);
    }
  });

  it('responses and their jobs; 404 for an unknown id', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN } });
    const ids: string[] = [];
    for (const [rid, score] of [['a', 3], ['b', 9], ['c', 7]] as const) {
      ids.push(((await (await postWebhook(hub, 'generic', { response_id: rid, score, email: `${rid}@example.com` })).json()) as { id: string }).id);
    }
    await hub.loop.drain();

    const list = (await (await hub.app.request('/api/responses', { headers: auth })).json()) as { responses: { id: string; sourceResponseId: string }[] };
    expect(list.responses.map((r) => r.sourceResponseId)).toEqual(['c', 'b', 'a']);
    const page = (await (await hub.app.request(`/api/responses?limit=1&before=${ids[2]}`, { headers: auth })).json()) as { responses: { id: string }[] };
    expect(page.responses.map((r) => r.id)).toEqual([ids[1]]);

    const one = await hub.app.request(`/api/responses/${ids[0]}`, { headers: auth });
    expect(one.status).toBe(200);
    const { response, jobs } = (await one.json()) as { response: Record<string, unknown>; jobs: { key: string; status: string }[] };
    expect(response).toMatchObject({ id: ids[0], score: 3, category: 'detractor', respondent: { email: 'a@example.com' } });
    expect(jobs.map((j) => [j.key, j.status])).toEqual([
      [`plan:${ids[0]}`, 'succeeded'],
      [`${ids[0]}:detractor-ticket:ticket`, 'sandboxed'],
      [`${ids[0]}:detractor-ticket:alert`, 'sandboxed'],
    ]);

    const sandboxed = (await (await hub.app.request('/api/jobs?status=sandboxed&action=intercom.trackEvent', { headers: auth })).json()) as { jobs: { key: string }[] };
    expect(sandboxed.jobs.map((j) => j.key)).toEqual([`${ids[1]}:promoter-advocacy:event`]);

    const missing = await hub.app.request('/api/responses/00000000-0000-0000-0000-000000000000', { headers: auth });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ErrorBody).error.issues).toEqual([{ field: 'id', message: 'no such response' }]);
    expect((await hub.app.request('/api/jobs/nope', { headers: auth })).status).toBe(404);
  });

  it('replay: 409 for a job that is not dead, 200 for a dead one, which then runs again', async () => {
    // A recipe whose channel renders empty: the job dead-letters on its parameters, before any call.
    const recipes = parseRecipes(
      [{ file: 'broken.yaml', text: 'name: broken\nwhen: "true"\nactions:\n  - id: post\n    action: slack.postMessage\n    params: { channel: "{{ response.extra.nothing }}", text: hi }\n' }],
      new Set(actionRegistry().keys()),
    );
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN }, recipes });
    const { id } = (await (await postWebhook(hub, 'generic', { response_id: 'r-dead', score: 2 })).json()) as { id: string };
    await hub.loop.drain();
    const jobs = await hub.store.listJobs({ responseId: id, limit: 10 });
    const plan = jobs.find((j) => j.type === 'plan')!;
    const dead = jobs.find((j) => j.key === `${id}:broken:post`)!;
    expect(plan.status).toBe('succeeded');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastError: 'invalid parameters for slack.postMessage: channel is required' });

    const notDead = await hub.app.request(`/api/jobs/${plan.id}/replay`, { method: 'POST', headers: auth });
    expect(notDead.status).toBe(409);
    expect(await notDead.json()).toEqual({
      error: { code: 'not_dead', message: `Job ${plan.id} is succeeded; only dead jobs are replayed`, issues: [{ field: 'id', message: 'job is succeeded' }] },
    });
    expect((await hub.app.request('/api/jobs/nope/replay', { method: 'POST', headers: auth })).status).toBe(404);

    const detail = (await (await hub.app.request(`/api/jobs/${dead.id}`, { headers: auth })).json()) as { job: { id: string }; attempts: { attempt: number; outcome: string; error: string }[] };
    expect(detail.job.id).toBe(dead.id);
    expect(detail.attempts.map((a) => [a.attempt, a.outcome, a.error])).toEqual([[1, 'dead', dead.lastError]]);

    const replay = await hub.app.request(`/api/jobs/${dead.id}/replay`, { method: 'POST', headers: auth });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ replayed: 1 });
    expect(await hub.store.getJob(dead.id)).toMatchObject({ status: 'queued', attempts: 0 });
    await hub.loop.drain();
    // It ran again (and failed the same way: the recipe is still broken).
    expect(await hub.store.getJob(dead.id)).toMatchObject({ status: 'dead', attempts: 1, lastError: dead.lastError });
  });

  it('/api/openapi.json describes every route, relative to /api', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN } });
    expect((await hub.app.request('/api/openapi.json')).status).toBe(401);
    const res = await hub.app.request('/api/openapi.json', { headers: auth });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: '/api' }]);
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(['GET /jobs', 'GET /jobs/{id}', 'GET /loops', 'GET /nps', 'GET /responses', 'GET /responses/{id}', 'GET /responses/{id}/loop', 'GET /themes', 'GET /verbatims', 'DELETE /respondents/{email}', 'POST /jobs/replay', 'POST /jobs/{id}/replay', 'GET /campaigns', 'POST /campaigns', 'GET /campaigns/{id}', 'POST /campaigns/{id}/approve', 'POST /campaigns/{id}/cancel', 'POST /recipes/backtest'].sort());
    const npsParams = (doc.paths['/nps']!.get as { parameters: { name: string }[] }).parameters.map((p) => p.name);
    expect(npsParams.sort()).toEqual(['by', 'compare', 'interval', 'metric', 'minSample', 'since', 'source', 'survey', 'top', 'tz', 'until']);
    const statusParam = (doc.paths['/jobs']!.get as { parameters: { name: string; schema: { enum?: string[] } }[] }).parameters.find((p) => p.name === 'status')!;
    expect(statusParam.schema.enum).toEqual(['queued', 'running', 'succeeded', 'sandboxed', 'dead', 'cancelled']);
  });
});
