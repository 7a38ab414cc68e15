import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { parseRecipe } from '../../src/recipes/parse.js';
import { formatIssue } from '../../src/recipes/recipe.js';

const known = new Set(actionRegistry().keys());

/** The issues of one recipe file, as `check` prints them. */
function issuesOf(text: string): string[] {
  return parseRecipe({ file: 'r.yaml', text }, known).issues.map(formatIssue);
}

const slack = (params: string) => `actions:\n  - id: a\n    action: slack.postMessage\n    params:\n      channel: "#x"\n${params}`;

describe('check: conditions that would never match are errors, with file:line:column', () => {
  it('a misspelt variable', () => {
    expect(issuesOf(`name: r\nwhen: respnse.score <= 6\n${slack('      text: hi\n')}`)).toEqual([
      'r.yaml:2:7 when: condition never matches: unknown variable "respnse"; conditions see response, account, contact',
    ]);
  });

  it('a misspelt field, pointed at the field itself (quoted condition too)', () => {
    expect(issuesOf(`name: r\nwhen: "response.metric == 'nps' && response.scor <= 6"\n${slack('      text: hi\n')}`)).toEqual([
      'r.yaml:2:45 when: condition never matches: unknown field "scor"',
    ]);
  });

  it('a number compared with a string', () => {
    expect(issuesOf(`name: r\nwhen: response.comment != null && response.score <= "6"\n${slack('      text: hi\n')}`)).toEqual([
      'r.yaml:2:35 when: condition never matches: type mismatch: no operator for double <= string',
    ]);
  });

  it("an action's own condition, and a condition that is not true/false", () => {
    const text = `name: r\nwhen: response.score\nactions:\n  - id: a\n    action: slack.postMessage\n    when: account.plan == 5\n    params: { channel: "#x", text: hi }\n`;
    expect(issuesOf(text)).toEqual([
      'r.yaml:2:7 when: condition never matches: gives double, not true/false',
      'r.yaml:6:11 actions[0].when: condition never matches: type mismatch: no operator for string == int',
    ]);
  });

  it('arithmetic as it runs: JSON numbers are doubles, so an int literal is refused with the way out', () => {
    expect(issuesOf(`name: r\nwhen: response.score + 1 > 7\n${slack('      text: hi\n')}`)).toEqual([
      'r.yaml:2:7 when: condition never matches: type mismatch: no operator for double + int (numbers in responses and accounts are doubles: write 1.0, or int(response.score))',
    ]);
    // What the check accepts evaluates: the same conditions, run as the hub runs them.
    const context = { response: { score: 8 }, account: { arr: 1000 } };
    for (const when of ['int(response.score) + 1 > 7', 'response.score + 1.0 > 7.0', 'response.score == 8 && response.score in [7, 8]', 'account.arr / 2.0 == 500.0']) {
      const { recipe, issues } = parseRecipe({ file: 'r.yaml', text: `name: r\nwhen: ${JSON.stringify(when)}\n${slack('      text: hi\n')}` }, known);
      expect(issues, when).toEqual([]);
      expect(recipe!.when.evaluate(context), when).toEqual({ matched: true });
    }
  });

  it('well-typed conditions load: null checks, int/double comparisons, lists, records', () => {
    for (const when of [
      'response.metric == "nps" && response.score <= 6',
      'response.score == 10 || response.score in [9, 10]',
      'response.respondent.email != null && account.arr >= 100000 && account.arr == 0',
      'response.comment != null && response.comment.contains("slow")',
      'account.custom.segment == "strategic" && response.extra.plan == "pro"',
    ]) {
      expect(issuesOf(`name: r\nwhen: ${JSON.stringify(when)}\n${slack('      text: hi\n')}`), when).toEqual([]);
    }
  });
});

describe('check: template variables the recipe context does not have', () => {
  it('an unknown variable and an unknown field, at their column in a one-line template', () => {
    expect(issuesOf(`name: r\nwhen: "true"\n${slack('      text: "Score {{ respnse.score }} from {{ account.nme | default: \'?\' }}"\n')}`)).toEqual([
      'r.yaml:8:23 actions[0].params.text: template reads nothing: unknown variable "respnse"; templates see response, account, contact',
      'r.yaml:8:48 actions[0].params.text: template reads nothing: unknown field "nme" in account',
    ]);
  });

  it('in a block template, on its own line; records, lists and variables the template assigns are fine', () => {
    const body = [
      '      text: |',
      '        {% assign who = response.respondent.name %}{{ who }} said',
      '        {{ response.extra.anything }} {{ account.custom.tier }} {{ response.comment.size }}',
      '        {% for t in response.tags %}{{ t }}{% endfor %}',
      '',
    ].join('\n');
    expect(issuesOf(`name: r\nwhen: "true"\n${slack(body)}`)).toEqual([
      'r.yaml:11:21 actions[0].params.text: template reads nothing: unknown field "tags" in response',
    ]);
  });
});

describe('closeloop check', () => {
  it('exits 1 listing each type error with file:line:column (the hub refuses to start on the same list)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'closeloop-check-types-'));
    try {
      writeFileSync(join(dir, 'typo.yaml'), `name: typo\nwhen: respnse.score <= 6\n${slack('      text: hi\n')}`);
      writeFileSync(join(dir, 'types.yaml'), `name: types\nwhen: response.score <= "6"\n${slack('      text: "{{ account.nme }}"\n')}`);
      const result = await promisify(execFile)(process.execPath, ['bin/closeloop.js', 'check'], {
        cwd: resolve(import.meta.dirname, '../..'),
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', CLOSELOOP_RECIPES: dir },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(result).toEqual({
        code: 1,
        stderr: [
          'Invalid recipes:',
          `${join(dir, 'types.yaml')}:2:7 when: condition never matches: type mismatch: no operator for double <= string`,
          `${join(dir, 'types.yaml')}:8:17 actions[0].params.text: template reads nothing: unknown field "nme" in account`,
          `${join(dir, 'typo.yaml')}:2:7 when: condition never matches: unknown variable "respnse"; conditions see response, account, contact`,
          '',
        ].join('\n'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
