import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminRequest, makeTestHub, postWebhook } from '../support/hub.js';

/** The recipe of docs/themes.md: billing detractors go to the billing group. */
export const BILLING_RECIPE = `name: billing-detractors
description: Billing detractors get a ticket in the billing group
when: response.metric == "nps" && response.score <= 6 && "billing" in response.themes
actions:
  - id: ticket
    action: zendesk.createTicket
    when: response.respondent.email != null
    params:
      requesterEmail: "{{ response.respondent.email }}"
      subject: "Billing detractor: {{ response.score }}/10"
      body: "{{ response.comment }} (themes: {{ response.themes | join: ', ' }}; sentiment {{ response.sentiment }})"
      groupId: 360001234
      tags: [nps, detractor, billing]
`;

type Hub = ReturnType<typeof makeTestHub>;

describe('a recipe conditioned on a theme, end to end', () => {
  let hub: Hub;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-themes-'));
    writeFileSync(join(dir, 'billing-detractors.yaml'), BILLING_RECIPE);
    // The shipped rules, at their default place: themes.yaml in CLOSELOOP_RECIPES (not loaded as a recipe).
    copyFileSync('recipes/themes.yaml', join(dir, 'themes.yaml'));
  });
  afterEach(async () => {
    await hub?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(body: object) {
    const res = await postWebhook(hub, 'generic', body);
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  }

  it('a billing detractor plans the ticket in the billing group; a detractor about speed and a billing promoter do not', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_RECIPES: dir } });
    expect(hub.recipes.current().map((r) => r.name)).toEqual(['billing-detractors']);
    const billing = await send({ response_id: 'b-1', score: 3, comment: "We were billed twice and it's awful", email: 'ana@example.com', name: 'Ana' });
    const speed = await send({ response_id: 's-1', score: 2, comment: 'Everything is so slow', email: 'bo@example.com' });
    const promoter = await send({ response_id: 'p-1', score: 10, comment: 'Fair pricing, love it', email: 'cy@example.com' });
    await hub.loop.drain();

    const actionJobs = async (id: string) => (await hub.store.listJobs({ responseId: id, limit: 100 })).filter((j) => j.type === 'action');
    const [ticket, ...others] = await actionJobs(billing);
    expect(others).toEqual([]);
    expect(ticket).toMatchObject({ key: `${billing}:billing-detractors:ticket`, action: 'zendesk.createTicket', status: 'sandboxed' });
    expect(ticket!.params).toEqual({
      requesterEmail: 'ana@example.com',
      requesterName: '',
      subject: 'Billing detractor: 3/10',
      body: "We were billed twice and it's awful (themes: billing; sentiment -3)",
      internal: true,
      tags: ['nps', 'detractor', 'billing'],
      priority: undefined,
      type: undefined,
      groupId: 360001234,
      assigneeEmail: undefined,
      customFields: [],
    });
    expect((ticket!.result as { request: { body: { ticket: { group_id: number } } } }).request.body.ticket.group_id).toBe(360001234);
    expect(await actionJobs(speed)).toEqual([]);
    expect(await actionJobs(promoter)).toEqual([]);

    // The tags the recipes decided on are the ones stored, with the plan.
    const res = await adminRequest(hub, '/api/verbatims');
    expect(res.status).toBe(200);
    const { verbatims } = (await res.json()) as { verbatims: { id: string; themes: string[]; sentiment: number; score: number }[] };
    expect(verbatims.map((v) => [v.id, v.score, v.themes, v.sentiment])).toEqual([
      [promoter, 10, ['billing'], 5], // fair +2, love +3
      [speed, 2, ['performance'], 0],
      [billing, 3, ['billing'], -3], // awful −3
    ]);
  });

  it('a late comment (a new version) re-tags the response and plans the billing ticket then', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_RECIPES: dir } });
    const id = await send({ response_id: 'late-1', score: 4, email: 'di@example.com' });
    await hub.loop.drain();
    expect((await hub.store.listJobs({ responseId: id, limit: 100 })).filter((j) => j.type === 'action')).toEqual([]);
    expect(await send({ response_id: 'late-1', score: 4, email: 'di@example.com', comment: 'The invoice is wrong' })).toBe(id);
    await hub.loop.drain();
    const jobs = (await hub.store.listJobs({ responseId: id, limit: 100 })).filter((j) => j.type === 'action');
    expect(jobs.map((j) => j.key)).toEqual([`${id}:billing-detractors:ticket`]);
    const { verbatims } = (await (await adminRequest(hub, '/api/verbatims?theme=billing')).json()) as { verbatims: { id: string; themes: string[] }[] };
    expect(verbatims).toEqual([expect.objectContaining({ id, themes: ['billing'] })]);
  });

  it('the hub refuses to start on an invalid theme file, naming file and line', () => {
    writeFileSync(join(dir, 'themes.yaml'), 'themes:\n  billing:\n    keywords: [credit card]\n');
    expect(() => makeTestHub({ env: { CLOSELOOP_RECIPES: dir } })).toThrow(
      `Invalid theme rules:\n${join(dir, 'themes.yaml')}:3:16 themes.billing.keywords[0]: "credit card" is 2 words: put it under phrases`,
    );
  });

  it('CLOSELOOP_THEMES names another file, which must exist', () => {
    // Outside the recipes folder: every other YAML file in it is a recipe.
    const other = join(dir, '..', `${dir.split('/').pop()}-themes.yml`);
    writeFileSync(other, 'themes:\n  speed:\n    keywords: [slow]\n');
    hub = makeTestHub({ env: { CLOSELOOP_RECIPES: dir, CLOSELOOP_THEMES: other } });
    rmSync(other);
    expect(hub.themes.rules.themes.map((t) => t.name)).toEqual(['speed']);
    expect(() => makeTestHub({ env: { CLOSELOOP_RECIPES: dir, CLOSELOOP_THEMES: join(dir, 'missing.yaml') } })).toThrow(
      `Invalid configuration: CLOSELOOP_THEMES ${join(dir, 'missing.yaml')}: no such file`,
    );
  });
});
