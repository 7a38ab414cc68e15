import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseRecipe, parseRecipes } from '../../src/recipes/parse.js';
import { RecipeLoadError, type RecipeIssue } from '../../src/recipes/recipe.js';
import { createNodeHub } from '../../src/runtime/node/hub.js';

const known = new Set(actionRegistry().keys());
// Every registered action, as the error lists them (sorted): connectors keep adding actions.
const KNOWN_LIST = [...actionRegistry().keys()].sort().join(', ');

/** A valid recipe; each test breaks one thing in it. Line numbers are 1-based. */
const VALID = `name: example
when: response.score <= 6
actions:
  - id: alert
    action: slack.postMessage
    params:
      channel: "#cx"
      text: "Score {{ response.score }}"
`;

function issuesOf(text: string, file = 'recipes/example.yaml'): RecipeIssue[] {
  const result = parseRecipe({ file, text }, known);
  if (result.issues.length) expect(result.recipe).toBeUndefined();
  return result.issues;
}

describe('recipe validation: every problem by file, line, column and field', () => {
  it('the valid base recipe loads', () => {
    const { recipe, issues } = parseRecipe({ file: 'recipes/example.yaml', text: VALID }, known);
    expect(issues).toEqual([]);
    expect(recipe).toMatchObject({ name: 'example', enabled: true, file: 'recipes/example.yaml', throttle: undefined });
    expect(recipe!.actions.map((a) => [a.id, a.action])).toEqual([['alert', 'slack.postMessage']]);
  });

  it('YAML syntax error: the line where YAML gives up', () => {
    const text = VALID.replace('      text: "Score {{ response.score }}"', '      text: "Score {{ response.score }}\n  oops');
    expect(issuesOf(text)).toEqual([
      { file: 'recipes/example.yaml', line: 10, column: 1, field: '(yaml)', message: 'Missing closing "quote' },
    ]);
  });

  it('YAML error: a duplicate key, on its own line', () => {
    const text = VALID.replace('when: response.score <= 6\n', 'when: response.score <= 6\nwhen: "true"\n');
    expect(issuesOf(text)).toEqual([{ file: 'recipes/example.yaml', line: 3, column: 1, field: '(yaml)', message: 'Map keys must be unique' }]);
  });

  it('missing `when` is required (reported on the object that lacks it)', () => {
    const text = VALID.replace('when: response.score <= 6\n', '');
    expect(issuesOf(text)).toEqual([{ file: 'recipes/example.yaml', line: 1, column: 1, field: 'when', message: 'is required' }]);
  });

  it('an empty `when` says how to match everything', () => {
    const text = VALID.replace('when: response.score <= 6', 'when: "  "');
    expect(issuesOf(text)).toEqual([
      { file: 'recipes/example.yaml', line: 2, column: 7, field: 'when', message: 'is required (use "true" to match every response)' },
    ]);
  });

  it('unknown key: named, on its own line (top level and inside an action)', () => {
    expect(issuesOf(VALID + 'colour: red\n')).toEqual([
      { file: 'recipes/example.yaml', line: 9, column: 9, field: 'colour', message: 'unknown key "colour"' },
    ]);
    const inAction = VALID.replace('    action: slack.postMessage\n', '    action: slack.postMessage\n    retries: 3\n');
    expect(issuesOf(inAction)).toEqual([
      { file: 'recipes/example.yaml', line: 6, column: 14, field: 'actions[0].retries', message: 'unknown key "retries"' },
    ]);
  });

  it('bad throttle period', () => {
    const text = VALID.replace('actions:\n', 'throttle:\n  per: respondent\n  period: soon\nactions:\n');
    expect(issuesOf(text)).toEqual([
      { file: 'recipes/example.yaml', line: 5, column: 11, field: 'throttle.period', message: 'must be a period such as 30m, 12h, 90d' },
    ]);
  });

  it('a valid throttle period is parsed to milliseconds', () => {
    const text = VALID.replace('actions:\n', 'throttle:\n  period: 90d\nactions:\n');
    expect(parseRecipe({ file: 'x.yaml', text }, known).recipe!.throttle).toEqual({ per: 'respondent', period: 90 * 24 * 3600 * 1000 });
  });

  it('unknown action: on the line of `action:`, listing the known ones', () => {
    const text = VALID.replace('action: slack.postMessage', 'action: slack.postMesage');
    expect(issuesOf(text)).toEqual([
      { file: 'recipes/example.yaml', line: 5, column: 13, field: 'actions[0].action', message: `unknown action "slack.postMesage"; known: ${KNOWN_LIST}` },
    ]);
  });

  it('duplicate action id: on the second one', () => {
    const text = VALID + '  - id: alert\n    action: slack.postMessage\n    params: { channel: "#x", text: hi }\n';
    expect(issuesOf(text)).toEqual([{ file: 'recipes/example.yaml', line: 9, column: 9, field: 'actions[1].id', message: 'duplicate action id "alert"' }]);
  });

  it('invalid CEL condition', () => {
    const text = VALID.replace('when: response.score <= 6', 'when: response.score <=');
    expect(issuesOf(text)).toEqual([
      { file: 'recipes/example.yaml', line: 2, column: 7, field: 'when', message: 'invalid CEL condition: Unexpected token: EOF' },
    ]);
  });

  it('invalid Liquid: an unknown filter, on the parameter', () => {
    const text = VALID.replace('"Score {{ response.score }}"', '"Score {{ response.score | shout }}"');
    expect(issuesOf(text)).toEqual([
      { file: 'recipes/example.yaml', line: 8, column: 13, field: 'actions[0].params.text', message: 'invalid template: undefined filter: shout, line:1, col:7' },
    ]);
  });

  it('invalid Liquid: an unclosed tag in a nested parameter', () => {
    const text = VALID + '      fields:\n        - { label: A, value: "{% if account.name %}x" }\n';
    expect(issuesOf(text)).toEqual([
      {
        file: 'recipes/example.yaml',
        line: 10,
        column: 30,
        field: 'actions[0].params.fields[0].value',
        message: 'invalid template: tag {% if account.name %} not closed, line:1, col:1',
      },
    ]);
  });

  it('bad name, no actions', () => {
    const text = 'name: Detractor Ticket\nwhen: "true"\nactions: []\n';
    expect(issuesOf(text)).toEqual([
      { file: 'recipes/example.yaml', line: 1, column: 7, field: 'name', message: 'must be lowercase letters, digits and dashes (e.g. detractor-ticket)' },
      { file: 'recipes/example.yaml', line: 3, column: 10, field: 'actions', message: 'needs at least one action' },
    ]);
  });

  it('reports several problems of one file together', () => {
    const text = VALID.replace('when: response.score <= 6', 'when: response.score <= ').replace('slack.postMessage', 'slack.nope');
    expect(issuesOf(text).map((i) => [i.line, i.field])).toEqual([
      [2, 'when'],
      [5, 'actions[0].action'],
    ]);
  });

  it('duplicate recipe names across files: the second file, on its name', () => {
    let error: unknown;
    try {
      parseRecipes(
        [
          { file: 'recipes/a.yaml', text: VALID },
          { file: 'recipes/b.yaml', text: '# same name\n' + VALID },
        ],
        known,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RecipeLoadError);
    expect((error as RecipeLoadError).issues).toEqual([
      { file: 'recipes/b.yaml', line: 2, column: 7, field: 'name', message: 'recipe name "example" is also used by recipes/a.yaml' },
    ]);
    expect((error as RecipeLoadError).message).toBe(
      'Invalid recipes:\nrecipes/b.yaml:2:7 name: recipe name "example" is also used by recipes/a.yaml',
    );
  });

  it('parseRecipes lists the problems of every file, not just the first', () => {
    const run = () =>
      parseRecipes(
        [
          { file: 'recipes/a.yaml', text: VALID.replace('slack.postMessage', 'slack.nope') },
          { file: 'recipes/b.yaml', text: VALID.replace('name: example', 'name: other').replace('<= 6', '<=') },
        ],
        known,
      );
    expect(run).toThrow(RecipeLoadError);
    try {
      run();
    } catch (e) {
      expect((e as RecipeLoadError).issues.map((i) => `${i.file}:${i.line} ${i.field}`)).toEqual([
        'recipes/a.yaml:5 actions[0].action',
        'recipes/b.yaml:2 when',
      ]);
    }
  });
});

describe('the hub refuses to start on an invalid recipe', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('createNodeHub throws RecipeLoadError naming file, line and field', () => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-recipes-'));
    writeFileSync(join(dir, 'good.yaml'), VALID);
    writeFileSync(join(dir, 'bad.yaml'), VALID.replace('name: example', 'name: bad').replace('slack.postMessage', 'slack.postMesage'));
    let error: unknown;
    try {
      createNodeHub({ env: { CLOSELOOP_DB: join(dir, 'hub.db'), CLOSELOOP_RECIPES: dir }, log: silentLogger });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RecipeLoadError);
    const issues = (error as RecipeLoadError).issues;
    expect(issues.length).toBe(1);
    expect(issues[0]).toMatchObject({ line: 5, column: 13, field: 'actions[0].action' });
    expect(issues[0]!.file.endsWith('bad.yaml')).toBe(true);
  });
});
