import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { emptyEnrichment } from '../../src/core/account.js';
import { NormalizedResponse } from '../../src/core/response.js';
import { planResponse } from '../../src/recipes/plan.js';
import type { Recipe } from '../../src/recipes/recipe.js';
import { loadRecipesDir } from '../../src/runtime/node/recipes-dir.js';
import { bundledRecipes, bundledThemes } from '../../src/runtime/workers/bundled-recipes.js';
import { bundleInputs, RECIPES_BUNDLE_PATH, recipesBundleSource } from '../../scripts/recipes-bundle.js';

/** The Worker's recipes are the texts of recipes/ compiled in (npm run recipes:bundle), read by Node's loader. */
const registry = actionRegistry();
const known = new Set(registry.keys());

describe('recipes bundled for the Worker', () => {
  it('src/runtime/workers/recipes.generated.ts holds recipes/ as it is now (run `npm run recipes:bundle` after changing a recipe)', () => {
    expect(readFileSync(RECIPES_BUNDLE_PATH, 'utf8'), `${RECIPES_BUNDLE_PATH} is stale: run \`npm run recipes:bundle\``).toBe(recipesBundleSource());
  });

  it('a changed recipe folder makes another module: the check above can fail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'closeloop-recipes-'));
    try {
      cpSync('recipes', dir, { recursive: true });
      writeFileSync(join(dir, 'extra.yaml'), 'name: extra\nwhen: "true"\nactions: []\n');
      const source = recipesBundleSource(dir);
      expect(source).toContain('name: extra');
      expect(source).not.toBe(readFileSync(RECIPES_BUNDLE_PATH, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parse to the same recipes as Node loads from recipes/, and plan the same jobs', async () => {
    const worker = bundledRecipes(known);
    const node = loadRecipesDir('recipes', known);
    expect(worker.map((r) => [r.name, r.file, r.actions.map((a) => a.id)])).toEqual(node.map((r) => [r.name, r.file, r.actions.map((a) => a.id)]));
    expect(worker.length).toBeGreaterThanOrEqual(3);
    const plan = (recipes: readonly Recipe[], score: number) => {
      const response = { ...NormalizedResponse.parse({ source: 'generic', sourceResponseId: `r-${score}`, score, comment: 'Too slow to load', respondent: { email: 'ana@example.com', name: 'Ana' } }), id: `resp-${score}`, receivedAt: '2026-03-02T10:00:00.000Z', version: 1 };
      return planResponse(response, emptyEnrichment(), { recipes, registry, lastRun: async () => undefined, now: new Date('2026-03-02T10:00:00.000Z'), maxAttempts: () => 10 });
    };
    for (const score of [2, 8, 10]) {
      const [fromBundle, fromDir] = [await plan(worker, score), await plan(node, score)];
      expect(fromBundle).toEqual(fromDir);
      expect(fromBundle.some((d) => d.matched), `score ${score}: some shipped recipe fires`).toBe(true);
    }
  });

  it('bundles what `npm start` would read: CLOSELOOP_RECIPES unless a folder is given, and CLOSELOOP_THEMES over the folder\'s themes.yaml', () => {
    expect(bundleInputs({}, [])).toEqual({ dir: 'recipes' });
    expect(bundleInputs({ CLOSELOOP_RECIPES: './ours' }, [])).toEqual({ dir: './ours' });
    expect(bundleInputs({ CLOSELOOP_RECIPES: './ours', CLOSELOOP_THEMES: './themes/cx.yaml' }, ['other'])).toEqual({ dir: 'other', themesFile: './themes/cx.yaml' });
    const dir = mkdtempSync(join(tmpdir(), 'closeloop-recipes-'));
    try {
      cpSync('recipes', join(dir, 'recipes'), { recursive: true });
      writeFileSync(join(dir, 'cx-themes.yaml'), 'themes:\n  - name: pricing\n    match: [price]\n');
      const source = recipesBundleSource(join(dir, 'recipes'), join(dir, 'cx-themes.yaml'));
      expect(source).toContain(`THEMES_FILE: RecipeSource | undefined = { file: ${JSON.stringify(join(dir, 'cx-themes.yaml'))}`);
      expect(source).toContain('name: pricing');
      // The folder's own themes.yaml is not bundled then, nor taken for a recipe.
      expect(source).not.toContain(JSON.stringify(join(dir, 'recipes', 'themes.yaml')));
      expect(() => recipesBundleSource(join(dir, 'recipes'), join(dir, 'missing.yaml'))).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bundles the theme rules too', () => {
    expect(bundledThemes().rules.themes.length).toBeGreaterThan(0);
  });
});
