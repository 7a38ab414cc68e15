// Regenerates recipes/schema.json from the zod schemas (a test fails when it is stale).
import { writeFileSync } from 'node:fs';
import { actionRegistry } from '../connectors/registry.js';
import { recipeJsonSchema } from '../src/recipes/json-schema.js';
import { themesJsonSchema } from '../src/themes/json-schema.js';

writeFileSync('recipes/schema.json', JSON.stringify(recipeJsonSchema(actionRegistry()), null, 2) + '\n');
console.log('wrote recipes/schema.json');
writeFileSync('recipes/themes.schema.json', JSON.stringify(themesJsonSchema(), null, 2) + '\n');
console.log('wrote recipes/themes.schema.json');
