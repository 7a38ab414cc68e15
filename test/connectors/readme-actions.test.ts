import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { actionRegistry, CONNECTORS } from '../../connectors/registry.js';

/** The README's action reference and credentials table must not fall behind the registry. */
describe('README "Connectors and actions"', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Connectors and actions'), readme.indexOf('## Delivery guarantees'));

  it('has a row for every registered action, naming each of its parameters', () => {
    for (const [name, { action }] of actionRegistry()) {
      const row = section.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `README row for ${name}`).toBeDefined();
      const shape = (action.params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      for (const param of Object.keys(shape)) expect(row, `${name} parameter ${param}`).toContain(`\`${param}\``);
    }
  });

  it('names every credential and base-URL variable of every connector', () => {
    for (const c of CONNECTORS) for (const v of c.variables) expect(section, `${c.name}: ${v.name}`).toContain(`\`${v.name}\``);
  });
});
