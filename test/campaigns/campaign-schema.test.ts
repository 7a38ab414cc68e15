import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { actionRegistry } from '../../connectors/registry.js';
import { compileCampaignFile } from '../../src/campaigns/compile.js';
import { campaignJsonSchema } from '../../src/campaigns/json-schema.js';
import type { HubError } from '../../src/core/errors.js';

const registry = actionRegistry();
const EXAMPLE = 'campaigns/featured-on-g2.yaml';

describe('campaigns/schema.json (editor completion)', () => {
  it('is exactly what `npm run schema` writes now (run it after changing a campaign field or an action’s params)', () => {
    expect(readFileSync('campaigns/schema.json', 'utf8')).toBe(JSON.stringify(campaignJsonSchema(registry), null, 2) + '\n');
  });

  it('the example campaign points at it, validates against it, and compiles as the CLI reads it', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync('campaigns/schema.json', 'utf8')));
    expect(validate(parseYaml(text)) ? null : validate.errors).toBeNull();
    const compiled = compileCampaignFile({ file: EXAMPLE, text }, registry);
    expect([compiled.definition.name, compiled.registered.fullName, compiled.definition.betweenWaves]).toEqual(['featured-on-g2', 'intercom.trackEvent', { approval: true }]);
  });

  it('refuses what the CLI refuses: an unknown action, a misspelt parameter of the action, an unknown field', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync('campaigns/schema.json', 'utf8')));
    const base = parseYaml(readFileSync(EXAMPLE, 'utf8')) as { action: string; params: Record<string, unknown> };

    expect(validate({ ...base, action: 'intercom.trackEvnt' })).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath)).toContain('/action');

    expect(validate({ ...base, params: { ...base.params, event_name: 'typo' } })).toBe(false);
    expect(validate.errors!.some((e) => e.instancePath === '/params' && e.keyword === 'additionalProperties')).toBe(true);

    expect(validate({ ...base, wave: [{ score: 10 }] })).toBe(false);
    // The same typo, as the CLI reports it: by line, on the key.
    const typo = (() => {
      try {
        compileCampaignFile({ file: EXAMPLE, text: `${readFileSync(EXAMPLE, 'utf8')}wave: []\n` }, registry);
      } catch (error) {
        return (error as HubError).issues;
      }
    })();
    expect(typo).toEqual([{ field: `${EXAMPLE}:24:7 wave`, message: 'unknown key "wave"' }]);
  });
});
