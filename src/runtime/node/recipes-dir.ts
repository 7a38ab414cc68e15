import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseRecipes, type KnownActions } from '../../recipes/parse.js';
import type { Recipe } from '../../recipes/recipe.js';

/** The theme rules' default home (docs/themes.md): in the recipes folder, and not a recipe. */
export const THEMES_FILE_NAME = 'themes.yaml';

/** Every `*.yaml` / `*.yml` in the folder but `themes.yaml`, parsed and validated (throws RecipeLoadError). */
export function loadRecipesDir(dir: string, knownActions: KnownActions): Recipe[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== THEMES_FILE_NAME)
    .sort();
  return parseRecipes(
    files.map((f) => ({ file: displayPath(join(dir, f)), text: readFileSync(join(dir, f), 'utf8') })),
    knownActions,
  );
}

/** Relative to the working directory when inside it (`recipes/x.yaml`), else absolute, for error messages. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(path);
}
