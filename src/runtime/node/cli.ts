import { HubError } from '../../core/errors.js';
import { formatIssue, RecipeLoadError } from '../../recipes/recipe.js';
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof RecipeLoadError) {
    console.error(`Invalid recipes:\n${error.issues.map(formatIssue).join('\n')}`);
  } else if (error instanceof HubError) {
    console.error(error.message);
    for (const i of error.issues) console.error(`  ${i.field}: ${i.message}`);
  } else throw error;
  process.exitCode = 1;
}
