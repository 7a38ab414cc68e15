import { writeFileSync } from 'node:fs';
import { RECIPES_BUNDLE_PATH, recipesBundleSource } from './recipes-bundle.js';

// `npm run recipes:bundle [dir]`: the Worker's copy of the recipes (default recipes/).
writeFileSync(RECIPES_BUNDLE_PATH, recipesBundleSource(process.argv[2] ?? 'recipes'));
console.log(`wrote ${RECIPES_BUNDLE_PATH}`);
