import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubError } from '../../src/core/errors.js';
import { tryRecipe } from '../../src/runtime/node/commands/try.js';
import { hubspotFailing, hubspotHandlers, hubspotState, HUBSPOT_ENV } from '../crm/support/hubspot-fake.js';
import { recordingServer } from '../support/http-recorder.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** Fires for pro accounts only; the message says what the account is. */
const PRO_RECIPE = [
  'name: pro-accounts',
  'when: account.plan == "pro" || account.tier == "enterprise"',
  'actions:',
  '  - id: post',
  '    action: slack.postMessage',
  '    params: { channel: "#pro", text: "{{ account.name | default: \'?\' }} ({{ account.tier }}, ARR {{ account.arr }}) scored {{ response.score }}" }',
  '',
].join('\n');

let dir: string;
let recipe: string;
let payload: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'closeloop-try-'));
  recipe = join(dir, 'pro.yaml');
  payload = join(dir, 'payload.json');
  writeFileSync(recipe, PRO_RECIPE);
  writeFileSync(payload, JSON.stringify({ response_id: 't-1', score: 4, email: 'ana@example.com' }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const crm = recordingServer(...hubspotHandlers(hubspotState()));
beforeAll(() => crm.listen());
afterEach(() => crm.reset());
afterAll(() => crm.close());

/** The first lines of the rendered Slack request. */
const request = (text: string) => ['    {', '      "method": "POST",', '      "path": "/chat.postMessage",', '      "body": {', '        "channel": "#pro",', `        "text": ${JSON.stringify(text)},`];

describe('closeloop try with an account', () => {
  it('--account plan=pro,tier=gold,arr=120000: conditions and templates see it', async () => {
    const out = await tryRecipe({ recipe, payload, account: 'plan=pro, tier=gold,arr=120000,name=Acme,owner.name=Olga' }, {});
    expect(out.split('\n').slice(0, 12)).toEqual([
      'response: score 4 (detractor), ana@example.com, comment: none',
      'account: given, Acme, plan pro, tier gold, ARR 120000, owner Olga',
      '',
      'FIRES  pro-accounts: condition is true: account.plan == "pro" || account.tier == "enterprise"',
      '',
      '  post → slack.postMessage (sandbox)',
      ...request('Acme (gold, ARR 120000) scored 4'),
    ]);
    expect(crm.requests).toEqual([]);
  });

  it('without an account and no CRM, the account is empty (the output is as before)', async () => {
    const out = await tryRecipe({ recipe, payload }, {});
    expect(out).toBe('response: score 4 (detractor), ana@example.com, comment: none\n\nskips  pro-accounts: condition is false: account.plan == "pro" || account.tier == "enterprise"');
  });

  it('unknown fields and bad values are named, nothing runs', async () => {
    const error = await tryRecipe({ recipe, payload, account: 'plna=pro,arr=lots,owner.nick=x,custom.segment=smb,tier' }, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    const known = 'known: id, name, domain, plan, tier, arr, region, lifecycle, crm, owner.id, owner.name, owner.email, custom.<property>';
    expect((error as HubError).issues).toEqual([
      { field: '--account plna', message: `unknown account field; ${known}` },
      { field: '--account arr', message: 'must be a number' },
      { field: '--account owner.nick', message: `unknown account field; ${known}` },
      { field: '--account tier', message: 'must be field=value' },
    ]);
  });

  it('with CRM credentials, the configured CRM is asked (read-only) and the plan uses its account', async () => {
    const out = await tryRecipe({ recipe, payload }, HUBSPOT_ENV);
    expect(out.split('\n').slice(0, 12)).toEqual([
      'response: score 4 (detractor), ana@example.com, comment: none',
      'account: from hubspot, Acme Corp, plan Scale, tier enterprise, ARR 250000, owner Olivia Owner',
      '',
      'FIRES  pro-accounts: condition is true: account.plan == "pro" || account.tier == "enterprise"',
      '',
      '  post → slack.postMessage (sandbox)',
      ...request('Acme Corp (enterprise, ARR 250000) scored 4'),
    ]);
    // Look-ups only: the contact by email, its companies, the primary company, its owner.
    expect(crm.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      'POST /crm/v3/objects/contacts/search',
      'GET /crm/v4/objects/contacts/501/associations/companies',
      'GET /crm/v3/objects/companies/9001',
      'GET /crm/v3/owners/77',
    ]);
  });

  it('a CRM that cannot be reached is reported, with the way out', async () => {
    crm.server.use(hubspotFailing(401));
    const error = await tryRecipe({ recipe, payload }, HUBSPOT_ENV).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).message).toMatch(/^Could not look the respondent up in hubspot: /);
    expect((error as HubError).issues).toEqual([{ field: '--account', message: 'give the account instead, e.g. --account plan=pro,tier=gold' }]);
  });

  it('the CLI takes --account and names an unknown field (exit 1)', async () => {
    const closeloop = (args: string[]) =>
      run(process.execPath, ['bin/closeloop.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent' } }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const bad = await closeloop(['try', recipe, payload, '--account', 'plan=pro,segment=smb']);
    expect(bad).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Invalid --account:\n  --account segment: unknown account field; known: id, name, domain, plan, tier, arr, region, lifecycle, crm, owner.id, owner.name, owner.email, custom.<property>\n',
    });
  }, 120_000);
});
