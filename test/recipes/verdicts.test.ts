import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { loadRecipesDir } from '../../src/runtime/node/recipes-dir.js';
import { startFakeVendors, type FakeVendors } from '../delivery/fake-vendors.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const TOKEN = 'admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const T0 = new Date('2026-03-02T10:00:00.000Z');
const known = new Set(actionRegistry().keys());

async function closeloop(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/closeloop.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

type Hub = ReturnType<typeof makeTestHub>;
let hub: Hub | undefined;
let vendors: FakeVendors | undefined;
afterEach(async () => {
  await hub?.cleanup();
  await vendors?.close();
  hub = vendors = undefined;
});

async function post(h: Hub, body: Record<string, unknown>): Promise<string> {
  const res = await postWebhook(h, 'generic', body);
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

describe('recipe verdicts, recorded when a response is planned', () => {
  it('GET /api/responses/{id}: each recipe matched, not matched (why), throttled, disabled; skipped actions; with the jobs', async () => {
    const paused = parseRecipes([{ file: 'paused.yaml', text: 'name: paused\nenabled: false\nwhen: "true"\nactions:\n  - id: a\n    action: slack.postMessage\n    params: { channel: "#x", text: hi }\n' }], known);
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN }, now: () => T0, recipes: [...loadRecipesDir('recipes', known), ...paused] });
    const anonymous = await post(hub, { response_id: 'd-1', score: 2, comment: 'Too slow' });
    const first = await post(hub, { response_id: 'p-1', score: 10, email: 'pat@example.com' });
    await hub.loop.drain();
    const again = await post(hub, { response_id: 'p-2', score: 9, email: 'pat@example.com' });
    await hub.loop.drain();

    const detractor = await hub.app.request(`/api/responses/${anonymous}`, { headers: auth });
    expect(detractor.status).toBe(200);
    const body = (await detractor.json()) as { verdicts: unknown[]; jobs: { key: string; status: string }[] };
    const at = T0.toISOString();
    expect(body.verdicts).toEqual([
      {
        responseId: anonymous,
        responseVersion: 1,
        recipe: 'detractor-ticket',
        verdict: 'matched',
        reason: 'condition is true: response.metric == "nps" && response.score <= 6',
        skippedActions: [{ id: 'ticket', action: 'zendesk.createTicket', reason: 'condition is false: response.respondent.email != null' }],
        plannedAt: at,
      },
      { responseId: anonymous, responseVersion: 1, recipe: 'promoter-advocacy', verdict: 'not_matched', reason: 'condition is false: response.metric == "nps" && response.score >= 9 && response.respondent.email != null', skippedActions: [], plannedAt: at },
      { responseId: anonymous, responseVersion: 1, recipe: 'verbatims-to-slack', verdict: 'matched', reason: 'condition is true: response.comment != null', skippedActions: [], plannedAt: at },
      { responseId: anonymous, responseVersion: 1, recipe: 'paused', verdict: 'disabled', reason: 'recipe is disabled', skippedActions: [], plannedAt: at },
    ]);
    expect(body.jobs.map((j) => [j.key, j.status])).toEqual([
      [`plan:${anonymous}`, 'succeeded'],
      [`${anonymous}:detractor-ticket:alert`, 'sandboxed'],
      [`${anonymous}:verbatims-to-slack:verbatim`, 'sandboxed'],
    ]);

    const verdictOf = async (id: string, recipe: string) =>
      ((await (await hub!.app.request(`/api/responses/${id}`, { headers: auth })).json()) as { verdicts: { recipe: string; verdict: string; reason: string }[] }).verdicts.find((v) => v.recipe === recipe);
    expect(await verdictOf(first, 'promoter-advocacy')).toMatchObject({ verdict: 'matched' });
    expect(await verdictOf(again, 'promoter-advocacy')).toMatchObject({ verdict: 'throttled', reason: `throttled: already fired for this respondent at ${at}` });
  });

  it('an update is planned again: its verdicts come first, the first version\'s are kept', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN }, now: () => T0 });
    const id = await post(hub, { response_id: 'u-1', score: 8, email: 'sam@example.com' });
    await hub.loop.drain();
    await post(hub, { response_id: 'u-1', score: 8, email: 'sam@example.com', comment: 'Actually, great' });
    await hub.loop.drain();
    const verdicts = await hub.store.listVerdicts(id);
    expect(verdicts.map((v) => [v.responseVersion, v.recipe, v.verdict])).toEqual([
      [2, 'detractor-ticket', 'not_matched'],
      [2, 'promoter-advocacy', 'not_matched'],
      [2, 'verbatims-to-slack', 'matched'],
      [1, 'detractor-ticket', 'not_matched'],
      [1, 'promoter-advocacy', 'not_matched'],
      [1, 'verbatims-to-slack', 'not_matched'],
    ]);
  });

  it('the OpenAPI document describes the verdicts', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN } });
    const doc = (await (await hub.app.request('/api/openapi.json', { headers: auth })).json()) as { components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> } };
    expect(doc.components.schemas.RecipeVerdict!.properties.verdict!.enum).toEqual(['matched', 'not_matched', 'throttled', 'disabled', 'no_score']);
  });
});

describe('closeloop show <id|email>', () => {
  it('prints the verdicts and the jobs, with links to the ticket and the message they made; by email, newest first', async () => {
    vendors = await startFakeVendors({ zendesk: { email: 'agent@example.com', token: 'zd-show' }, slack: { token: 'xoxb-show' }, intercom: { token: 'ic-show' }, now: () => T0 });
    const dir = mkdtempSync(join(tmpdir(), 'closeloop-show-'));
    const env = { CLOSELOOP_DB: join(dir, 'hub.db'), ...vendors.env };
    hub = makeTestHub({ env, now: () => T0 });
    const detractor = await post(hub, { response_id: 's-1', score: 3, email: 'Dana@Example.com', comment: 'Too slow' });
    await hub.loop.drain();
    const promoter = await post(hub, { response_id: 's-2', score: 10, email: 'dana@example.com' });
    await hub.loop.drain();
    await hub.cleanup();
    hub = undefined;
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));

    const [ticket] = vendors.state.tickets;
    const alert = vendors.state.messages.find((m) => m.channel === 'C0CXALERTS1')!;
    const verbatim = vendors.state.messages.find((m) => m.channel === 'C0NPSFEED01')!;
    const contact = vendors.state.contacts[0]!;
    const at = T0.toISOString();
    const detractorStory = [
      `response ${detractor}  generic s-1  received ${at}`,
      '  score 3 (detractor), dana@example.com, comment: "Too slow"',
      `  recipes (version 1, planned ${at}):`,
      '    matched      detractor-ticket: condition is true: response.metric == "nps" && response.score <= 6',
      '    not matched  promoter-advocacy: condition is false: response.metric == "nps" && response.score >= 9 && response.respondent.email != null',
      '    matched      verbatims-to-slack: condition is true: response.comment != null',
      '  jobs:',
      `    succeeded  detractor-ticket/ticket → zendesk.createTicket  ${vendors.env.ZENDESK_BASE_URL}/agent/tickets/${ticket!.id}`,
      `    succeeded  detractor-ticket/alert → slack.postMessage  https://slack.com/archives/C0CXALERTS1/p${alert.ts.replace('.', '')}`,
      `    succeeded  verbatims-to-slack/verbatim → slack.postMessage  https://slack.com/archives/C0NPSFEED01/p${verbatim.ts.replace('.', '')}`,
    ].join('\n');
    const promoterStory = [
      `response ${promoter}  generic s-2  received ${at}`,
      '  score 10 (promoter), dana@example.com, comment: none',
      `  recipes (version 1, planned ${at}):`,
      '    not matched  detractor-ticket: condition is false: response.metric == "nps" && response.score <= 6',
      '    matched      promoter-advocacy: condition is true: response.metric == "nps" && response.score >= 9 && response.respondent.email != null',
      '    not matched  verbatims-to-slack: condition is false: response.comment != null',
      '  jobs:',
      `    succeeded  promoter-advocacy/event → intercom.trackEvent  Intercom contact ${contact.id}`,
    ].join('\n');

    const one = await closeloop(['show', detractor], env);
    expect(one).toEqual({ code: 0, stdout: `${detractorStory}\n`, stderr: '' });
    const byEmail = await closeloop(['show', 'DANA@example.com'], env);
    expect(byEmail).toEqual({ code: 0, stdout: `${promoterStory}\n\n${detractorStory}\n`, stderr: '' });

    const nobody = await closeloop(['show', 'nobody@example.com'], env);
    expect(nobody).toEqual({ code: 1, stdout: '', stderr: 'No response from nobody@example.com\n  email: no such response\n' });
  }, 180_000);
});
