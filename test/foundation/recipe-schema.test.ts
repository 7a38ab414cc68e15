import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { actionRegistry } from '../../connectors/registry.js';
import { recipeJsonSchema } from '../../src/recipes/json-schema.js';
import { parseRecipes } from '../../src/recipes/parse.js';

const registry = actionRegistry();
const shipped = readdirSync('recipes')
  // themes.yaml is the theme rules (docs/themes.md), not a recipe.
  .filter((f) => f.endsWith('.yaml') && f !== 'themes.yaml')
  .sort()
  .map((f) => ({ file: join('recipes', f), text: readFileSync(join('recipes', f), 'utf8') }));

describe('recipes/schema.json (editor completion)', () => {
  it('is exactly what `npm run schema` writes now (run it after changing an action’s params)', () => {
    const generated = JSON.stringify(recipeJsonSchema(registry), null, 2) + '\n';
    expect(readFileSync('recipes/schema.json', 'utf8')).toBe(generated);
  });

  it('lists every registered action', () => {
    const schema = JSON.parse(readFileSync('recipes/schema.json', 'utf8'));
    expect(schema.properties.actions.items.properties.action.enum).toEqual([...registry.keys()].sort());
  });

  it('the shipped recipes are the three of the product, point at the schema, and load', () => {
    expect(shipped.map((s) => s.file)).toEqual(['recipes/detractor-ticket.yaml', 'recipes/promoter-advocacy.yaml', 'recipes/verbatims-to-slack.yaml']);
    for (const s of shipped) expect(s.text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    const recipes = parseRecipes(shipped, new Set(registry.keys()));
    expect(recipes.map((r) => [r.name, r.enabled, r.throttle?.period ?? null, r.actions.map((a) => `${a.id}:${a.action}`)])).toEqual([
      ['detractor-ticket', true, null, ['ticket:zendesk.createTicket', 'alert:slack.postMessage']],
      ['promoter-advocacy', true, 90 * 24 * 3600 * 1000, ['event:intercom.trackEvent']],
      ['verbatims-to-slack', true, null, ['verbatim:slack.postMessage']],
    ]);
  });

  it('the shipped recipes validate against the JSON Schema, and typos do not', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync('recipes/schema.json', 'utf8')));
    for (const s of shipped) {
      const ok = validate(parseYaml(s.text));
      expect({ file: s.file, errors: validate.errors ?? null }).toEqual({ file: s.file, errors: null });
      expect(ok).toBe(true);
    }
    const base = parseYaml(shipped[2]!.text) as { actions: { action: string; params: Record<string, unknown> }[] };
    const unknownAction = structuredClone(base);
    unknownAction.actions[0]!.action = 'slack.postMesage';
    expect(validate(unknownAction)).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath)).toContain('/actions/0/action');

    const unknownParam = structuredClone(base);
    unknownParam.actions[0]!.params.chanel = '#typo';
    expect(validate(unknownParam)).toBe(false);
    expect(validate.errors!.some((e) => e.instancePath === '/actions/0/params' && e.keyword === 'additionalProperties')).toBe(true);

    expect(validate({ ...base, colour: 'red' })).toBe(false);
  });
});
