import { afterEach, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { parseRecipe } from '../../src/recipes/parse.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

describe("an action's own `when`", () => {
  let hub: ReturnType<typeof makeTestHub>;
  afterEach(async () => hub?.cleanup());

  it('leaves the ticket out for an anonymous detractor and still alerts Slack', async () => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'generic', { response_id: 'anon-1', score: 2, comment: 'Nothing works' });
    const { id } = (await res.json()) as { id: string };
    await hub.loop.drain();
    const jobs = await hub.store.listJobs({ responseId: id, limit: 50 });
    const actions = jobs.filter((j) => j.type === 'action').map((j) => `${j.key.split(':').slice(1).join(':')} ${j.status}`);
    expect(actions.sort()).toEqual(['detractor-ticket:alert sandboxed', 'verbatims-to-slack:verbatim sandboxed']);
    const alert = jobs.find((j) => j.key.endsWith(':detractor-ticket:alert'))!;
    expect((alert.params as { text: string }).text).toBe('Detractor: 2/10 from an anonymous respondent — no email, so no ticket');
  });

  it('still opens the ticket when the detractor left an email', async () => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'generic', { response_id: 'known-1', score: 2, email: 'kim@example.com' });
    const { id } = (await res.json()) as { id: string };
    await hub.loop.drain();
    const keys = (await hub.store.listJobs({ responseId: id, limit: 50 })).filter((j) => j.type === 'action').map((j) => j.key.split(':').slice(1).join(':'));
    expect(keys.sort()).toEqual(['detractor-ticket:alert', 'detractor-ticket:ticket']);
  });

  it('is reported with its line when it is not valid CEL', () => {
    const text = ['name: r', 'when: "true"', 'actions:', '  - id: a', '    action: slack.postMessage', '    when: response.score >', '    params: { channel: "#x", text: hi }', ''].join('\n');
    const { issues, recipe } = parseRecipe({ file: 'r.yaml', text }, new Set(actionRegistry().keys()));
    expect(recipe).toBeUndefined();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'r.yaml', line: 6, field: 'actions[0].when' });
    expect(issues[0]!.message).toMatch(/^invalid CEL condition/);
  });
});
