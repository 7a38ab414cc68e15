import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeloop } from '../support/cli.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionRegistry, CONNECTORS } from '../../connectors/registry.js';
import { makeTestHub, postWebhook } from '../support/hub.js';



describe('closeloop CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('check: exits 1 and prints file:line:col field: message for every problem', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad\nwhen: response.score <=\nactions:\n  - id: a\n    action: slack.postMesage\n');
    writeFileSync(join(dir, 'worse.yaml'), 'name: worse\nwhen: "true"\nschedule: daily\nactions:\n  - id: a\n    action: slack.postMessage\n');
    const result = await closeloop(['check'], { env: { CLOSELOOP_RECIPES: dir } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'Invalid recipes:',
        `${join(dir, 'bad.yaml')}:2:7 when: invalid CEL condition: Unexpected token: EOF`,
        `${join(dir, 'bad.yaml')}:5:13 actions[0].action: unknown action "slack.postMesage"; known: ${[...actionRegistry().keys()].sort().join(', ')}`,
        `${join(dir, 'worse.yaml')}:3:11 schedule: unknown key "schedule"`,
        '',
      ].join('\n'),
    );
  });

  it('serve: refuses to start on an invalid recipe (exit 1, the same list)', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad\nwhen: "true"\nactions:\n  - id: a\n    action: slack.postMesage\n');
    const result = await closeloop(['serve'], { env: { CLOSELOOP_RECIPES: dir, CLOSELOOP_DB: join(dir, 'hub.db'), PORT: '18787' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Invalid recipes:\n${join(dir, 'bad.yaml')}:5:13 actions[0].action: unknown action "slack.postMesage"; known: ${[...actionRegistry().keys()].sort().join(', ')}\n`,
    );
  });

  it('check: parameters that would fail at delivery are reported on their line', async () => {
    // `channel` renders empty for every sample response: slack.postMessage requires it.
    writeFileSync(join(dir, 'empty.yaml'), 'name: empty\nwhen: "true"\nactions:\n  - id: a\n    action: slack.postMessage\n    params:\n      channel: "{{ response.extra.nothing }}"\n      text: hi\n');
    const result = await closeloop(['check'], { env: { CLOSELOOP_RECIPES: dir } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Invalid recipes:\n${join(dir, 'empty.yaml')}:7:16 actions[0].params.channel: is required (score 2, with CRM data)\n`);
  });

  it('check: the shipped recipes are valid, connectors without credentials are in sandbox', async () => {
    const result = await closeloop(['check'], { env: { CLOSELOOP_RECIPES: 'recipes' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'ok  recipes/detractor-ticket.yaml  detractor-ticket: zendesk.createTicket, slack.postMessage',
        'ok  recipes/promoter-advocacy.yaml  promoter-advocacy: intercom.trackEvent',
        'ok  recipes/verbatims-to-slack.yaml  verbatims-to-slack: slack.postMessage',
        'ok  recipes/themes.yaml  themes: billing, onboarding, support, performance, ease-of-use, features, bugs',
        ...CONNECTORS.map((c) => `sandbox  ${c.title}`),
        '3 recipe(s) valid',
        '',
      ].join('\n'),
    );
  });

  it('check: a bad configuration value exits 1 naming the variable', async () => {
    const result = await closeloop(['check'], { env: { CLOSELOOP_RECIPES: 'recipes', CLOSELOOP_ADMIN_TOKEN: 'short', PORT: '99999' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        'Invalid configuration: PORT Too big: expected number to be <=65535; CLOSELOOP_ADMIN_TOKEN must be at least 16 characters',
        '  PORT: Too big: expected number to be <=65535',
        '  CLOSELOOP_ADMIN_TOKEN: must be at least 16 characters',
        '',
      ].join('\n'),
    );
  });

  it('try: a dry run says which recipes fire and prints the rendered request', async () => {
    const payload = join(dir, 'promoter.json');
    writeFileSync(payload, JSON.stringify({ response_id: 'p-1', score: 10, comment: 'Love it', email: 'Pro@Example.com' }));
    const result = await closeloop(['try', 'verbatims-to-slack', payload], { env: { CLOSELOOP_RECIPES: 'recipes' } });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'response: score 10 (promoter), pro@example.com, comment: "Love it"',
      'themes: none; sentiment 3',
      '',
      'FIRES  verbatims-to-slack: condition is true: response.comment != null',
      '',
      '  verbatim → slack.postMessage (sandbox)',
    ]);
    const request = JSON.parse(lines.slice(6).join('\n'));
    expect(request).toMatchObject({ method: 'POST', path: '/chat.postMessage' });
    expect(request.body.channel).toBe('#nps-feedback');
    expect(request.body.text).toBe('10/10 (promoter) from pro@example.com');
  });

  it('try: a recipe that does not match says why', async () => {
    const payload = join(dir, 'passive.json');
    writeFileSync(payload, JSON.stringify({ response_id: 'p-2', score: 7 }));
    const result = await closeloop(['try', 'detractor-ticket', payload], { env: { CLOSELOOP_RECIPES: 'recipes' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'response: score 7 (passive), no email, comment: none\n\nskips  detractor-ticket: condition is false: response.metric == "nps" && response.score <= 6\n',
    );
  });

  it('try: an unknown recipe exits 1', async () => {
    const payload = join(dir, 'p.json');
    writeFileSync(payload, '{"response_id":"x","score":1}');
    const result = await closeloop(['try', 'nope', payload], { env: { CLOSELOOP_RECIPES: 'recipes' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('No recipe named "nope"\n');
  });

  it('jobs: a database that does not exist is reported, not created', async () => {
    const db = join(dir, 'missing', 'hub.db');
    const result = await closeloop(['jobs'], { env: { CLOSELOOP_DB: db } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`No database at ${db}: start the hub once (npm start), or set CLOSELOOP_DB\n  CLOSELOOP_DB: no such file\n`);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('jobs: lists the jobs in the database, and refuses a bogus status', async () => {
    const db = join(dir, 'hub.db');
    const hub = makeTestHub({ env: { CLOSELOOP_DB: db } });
    const res = await postWebhook(hub, 'generic', { response_id: 'r-cli', score: 9, email: 'pro@example.com' });
    const { id } = (await res.json()) as { id: string };
    await hub.loop.drain();
    const expected = await hub.store.listJobs({ limit: 50 });
    await hub.cleanup();
    expect(expected.map((j) => [j.action ?? 'plan', j.status])).toEqual([
      ['intercom.trackEvent', 'sandboxed'],
      ['plan', 'succeeded'],
    ]);

    const json = await closeloop(['jobs', '--json'], { env: { CLOSELOOP_DB: db } });
    expect(json.code).toBe(0);
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(expected);

    const sandboxed = await closeloop(['jobs', '--status', 'sandboxed'], { env: { CLOSELOOP_DB: db } });
    expect(sandboxed.code).toBe(0);
    const lines = sandboxed.stdout.trim().split('\n');
    expect(lines.length).toBe(2);
    expect(lines[0]).toContain(`${id}:promoter-advocacy:event`);
    expect(lines[0]).toContain('intercom.trackEvent');
    expect(lines[1]).toBe('1 job(s)');

    const bogus = await closeloop(['jobs', '--status', 'bogus'], { env: { CLOSELOOP_DB: db } });
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toContain("error: option '--status <status>' argument 'bogus' is invalid. must be one of queued, running, succeeded, sandboxed, dead, cancelled");
  });
});
