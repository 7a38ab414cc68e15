// Regenerates the editors' JSON Schemas (recipes, theme rules, campaigns) from the zod schemas (a test fails when one is stale).
import { writeFileSync } from 'node:fs';
import { actionRegistry } from '../connectors/registry.js';
import { campaignJsonSchema } from '../src/campaigns/json-schema.js';
import { recipeJsonSchema } from '../src/recipes/json-schema.js';
import { themesJsonSchema } from '../src/themes/json-schema.js';

writeFileSync('recipes/schema.json', JSON.stringify(recipeJsonSchema(actionRegistry()), null, 2) + '\n');
console.log('wrote recipes/schema.json');
writeFileSync('recipes/themes.schema.json', JSON.stringify(themesJsonSchema(), null, 2) + '\n');
console.log('wrote recipes/themes.schema.json');
writeFileSync('campaigns/schema.json', JSON.stringify(campaignJsonSchema(actionRegistry()), null, 2) + '\n');
console.log('wrote campaigns/schema.json');
