import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerThemesCommand } from '../../src/runtime/node/commands/themes.js';
import { NormalizedResponse } from '../../src/core/response.js';
import { SqliteStore } from '../../src/runtime/node/sqlite-store.js';
import { loadThemeRules } from '../../src/themes/parse-themes.js';
import { retagHistory } from '../../src/themes/retag.js';
import { themeTagger } from '../../src/themes/tagger.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const SPEED = 'themes:\n  speed:\n    keywords: [slow]\n';
const SPEED_AND_BILLING = 'themes:\n  speed:\n    keywords: [slow]\n  billing:\n    keywords: [bill, invoice]\n';
const rulesOf = (text: string) => themeTagger(loadThemeRules({ file: 'themes.yaml', text }));

function ingest(store: SqliteStore, id: string, score: number, comment: string | null) {
  const response = NormalizedResponse.parse({ source: 'generic', sourceResponseId: id, score, comment });
  return store.ingest({ response, rawBody: JSON.stringify(response), contentType: 'application/json' });
}

async function themesOfAll(store: SqliteStore) {
  return (await store.listVerbatims({ limit: 100 })).map((v) => [v.comment, v.themes]);
}

describe('re-tagging history (store level)', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = new SqliteStore({ path: ':memory:' });
  });
  afterEach(async () => store.close());

  it('tags what the current rules have not, in batches, and a second run does nothing', async () => {
    for (const [id, comment] of [['a', 'slow and billed twice'], ['b', 'the invoice'], ['c', null], ['d', 'fine'], ['e', 'so slow']] as const) {
      await ingest(store, id, 3, comment);
    }
    const progress: unknown[] = [];
    const first = await retagHistory(store, rulesOf(SPEED), { batch: 2, onProgress: (p) => progress.push(p) });
    expect(first).toEqual({ retagged: 5, changed: 2 });
    expect(progress).toEqual([{ retagged: 2, changed: 1 }, { retagged: 4, changed: 1 }, { retagged: 5, changed: 2 }]);
    expect(await themesOfAll(store)).toEqual([['so slow', ['speed']], ['fine', []], ['the invoice', []], ['slow and billed twice', ['speed']]]);
    expect(await retagHistory(store, rulesOf(SPEED))).toEqual({ retagged: 0, changed: 0 });

    // New rules: everything is looked at again; only the comments whose themes differ count as changed.
    expect(await retagHistory(store, rulesOf(SPEED_AND_BILLING), { batch: 3 })).toEqual({ retagged: 5, changed: 2 });
    expect(await themesOfAll(store)).toEqual([['so slow', ['speed']], ['fine', []], ['the invoice', ['billing']], ['slow and billed twice', ['speed', 'billing']]]);
    expect(await retagHistory(store, rulesOf(SPEED_AND_BILLING))).toEqual({ retagged: 0, changed: 0 });
    // The theme index follows: one row per (theme, response), none left from the old rules.
    expect(store.db.prepare('SELECT theme, COUNT(*) AS n FROM response_themes GROUP BY theme ORDER BY theme').all()).toEqual([
      { theme: 'billing', n: 2 },
      { theme: 'speed', n: 2 },
    ]);
  });

  it('tags computed from an older version change nothing once a newer version is stored', async () => {
    const { id } = await ingest(store, 'v', 3, 'slow');
    await ingest(store, 'v', 3, 'the invoice'); // version 2
    const tagger = rulesOf(SPEED_AND_BILLING);
    const rules = await tagger.fingerprint();
    await store.tagResponses([{ responseId: id, version: 1, themes: ['speed'], sentiment: 0, rules }]);
    expect(await themesOfAll(store)).toEqual([['the invoice', null]]);
    await store.tagResponses([{ responseId: id, version: 2, ...tagger.tag('the invoice'), rules }]);
    expect(await themesOfAll(store)).toEqual([['the invoice', ['billing']]]);
  });

  it('a deleted response takes its theme rows along', async () => {
    const { id } = await ingest(store, 'x', 3, 'slow');
    await retagHistory(store, rulesOf(SPEED));
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM response_themes').get()).toEqual({ n: 1 });
    store.db.prepare('DELETE FROM responses WHERE id = ?').run(id);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM response_themes').get()).toEqual({ n: 0 });
  });
});

/** Run `node bin/closeloop.js …` from the repository root with only these variables set. */
async function closeloop(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/closeloop.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `closeloop themes …` in this process (the command as registered), its printed lines collected. */
async function themesCommand(args: string[], env: Record<string, string>) {
  const program = new Command('closeloop').exitOverride();
  registerThemesCommand(program, env);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  try {
    await program.parseAsync(['node', 'closeloop', ...args]);
  } finally {
    log.mockRestore();
  }
  return lines.join('\n') + '\n';
}

describe('closeloop themes, closeloop themes retag, check and serve', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-themes-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('retag after a rules change: progress lines, then nothing left to do; the table shows the new theme', async () => {
    writeFileSync(join(dir, 'themes.yaml'), SPEED);
    const env = { CLOSELOOP_RECIPES: dir, CLOSELOOP_DB: join(dir, 'hub.db') };
    const hub = makeTestHub({ env });
    for (const [id, score, comment] of [['1', 2, 'Slow, and billed twice'], ['2', 3, 'Wrong invoice'], ['3', 9, 'fast enough'], ['4', 10, 'great']] as const) {
      expect((await postWebhook(hub, 'generic', { response_id: id, score, comment })).status).toBe(202);
    }
    await hub.loop.drain();
    await hub.close();

    writeFileSync(join(dir, 'themes.yaml'), SPEED_AND_BILLING);
    expect(await themesCommand(['themes'], env)).toContain('4 response(s) with a comment not tagged by the current rules: run closeloop themes retag.');

    expect(await themesCommand(['themes', 'retag', '--batch', '3'], env)).toBe(
      [
        '… 3 re-tagged, 2 with other themes',
        '… 4 re-tagged, 2 with other themes',
        `re-tagged 4 response(s) with ${join(dir, 'themes.yaml')}; 2 changed themes`,
        '',
      ].join('\n'),
    );
    expect(await themesCommand(['themes', 'retag'], env)).toBe(`re-tagged 0 response(s) with ${join(dir, 'themes.yaml')}; 0 changed themes\n`);

    expect(await themesCommand(['themes'], env)).toBe(
      [
        'theme    mentions   NPS  detractors  promoters  others  lift',
        'billing         2  -100      100.0%       0.0%    0.0%  +100',
        'speed           1  -100       50.0%       0.0%    0.0%   +50',
        '',
        '4 NPS response(s) with a comment (2 detractors, 0 passives, 2 promoters).',
        'detractors / promoters / others: share of each group mentioning the theme; lift: detractors − others, in points.',
        '',
      ].join('\n'),
    );
    const json = JSON.parse(await themesCommand(['themes', '--json', '--since', '1d'], env));
    expect(json.themes.map((t: { theme: string; mentions: number }) => [t.theme, t.mentions])).toEqual([['billing', 2], ['speed', 1]]);
    await expect(themesCommand(['themes', '--since', 'yesterday'], env)).rejects.toMatchObject({ issues: [{ field: '--since', message: expect.stringContaining('must be an ISO 8601 time') }] });
  });

  // Two runs of the real CLI (a few seconds each on a loaded machine): the start-up path and its exit code.
  it('check and serve report an invalid theme file with file:line and exit 1', { timeout: 120_000 }, async () => {
    writeFileSync(join(dir, 'themes.yaml'), 'themes:\n  billing:\n    keywords: [bill]\n    phrase: [credit card]\n');
    const expected = `Invalid theme rules:\n${join(dir, 'themes.yaml')}:4:13 themes.billing.phrase: unknown key "phrase"\n`;
    const check = await closeloop(['check'], { CLOSELOOP_RECIPES: dir });
    expect(check).toMatchObject({ code: 1, stdout: '', stderr: expected });
    const serve = await closeloop(['serve'], { CLOSELOOP_RECIPES: dir, CLOSELOOP_DB: join(dir, 'hub.db'), PORT: '18797' });
    expect(serve).toMatchObject({ code: 1, stderr: expected });
  });
});
