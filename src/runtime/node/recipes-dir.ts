import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseRecipes, type KnownActions } from '../../recipes/parse.js';
import type { Recipe } from '../../recipes/recipe.js';

/** Every `*.yaml` / `*.yml` in the folder, parsed and validated (throws RecipeLoadError). */
export function loadRecipesDir(dir: string, knownActions: KnownActions): Recipe[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  return parseRecipes(
    files.map((f) => ({ file: relative(process.cwd(), join(dir, f)) || f, text: readFileSync(join(dir, f), 'utf8') })),
    knownActions,
  );
}
