import { readFileSync, writeFileSync } from 'node:fs';
import { RECIPES_BUNDLE_PATH, recipesBundleSource } from './recipes-bundle.js';

// `npm run recipes:bundle [dir]`: the Worker's copy of the recipes (default recipes/). wrangler runs
// it before each deploy and dev build (wrangler.toml [build]); an unchanged copy is not rewritten,
// so it does not wake wrangler's watcher for nothing.
const source = recipesBundleSource(process.argv[2] ?? 'recipes');
const current = (() => {
  try {
    return readFileSync(RECIPES_BUNDLE_PATH, 'utf8');
  } catch {
    return undefined;
  }
})();
if (current === source) console.log(`${RECIPES_BUNDLE_PATH} is up to date`);
else {
  writeFileSync(RECIPES_BUNDLE_PATH, source);
  console.log(`wrote ${RECIPES_BUNDLE_PATH}`);
}
