import { readFileSync, writeFileSync } from 'node:fs';
import { loadDotenvFile } from '../src/runtime/node/dotenv-file.js';
import { bundleInputs, RECIPES_BUNDLE_PATH, recipesBundleSource } from './recipes-bundle.js';

// `npm run recipes:bundle [dir]`: the Worker's copy of the recipes, from the folder given, else
// CLOSELOOP_RECIPES (default recipes/), with CLOSELOOP_THEMES when set — as `npm start` reads them,
// `.env` included. wrangler runs it before each deploy and dev build (wrangler.toml [build]); an
// unchanged copy is not rewritten, so it does not wake wrangler's watcher for nothing.
const env: Record<string, string | undefined> = { ...process.env };
loadDotenvFile(env);
const { dir, themesFile } = bundleInputs(env, process.argv.slice(2));
const source = recipesBundleSource(dir, themesFile);
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
