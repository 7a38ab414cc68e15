import { parseRecipes, type KnownActions } from '../../recipes/parse.js';
import type { Recipe } from '../../recipes/recipe.js';
import { loadThemeRules } from '../../themes/parse-themes.js';
import { themeTagger, type ThemeTagger } from '../../themes/tagger.js';
import { NO_THEME_RULES } from '../../themes/theme-rules.js';
import { RECIPE_FILES, THEMES_FILE } from './recipes.generated.js';

/**
 * The recipes the Worker was built with (`npm run recipes:bundle` copies recipes/ into
 * recipes.generated.ts), parsed and validated exactly as Node loads the recipes folder: an
 * invalid recipe throws RecipeLoadError naming file:line.
 */
export function bundledRecipes(knownActions: KnownActions): Recipe[] {
  return parseRecipes([...RECIPE_FILES], knownActions);
}

/** The theme rules of the bundled themes.yaml; none bundled: sentiment only, as on Node without the file. */
export function bundledThemes(): ThemeTagger {
  return themeTagger(THEMES_FILE ? loadThemeRules(THEMES_FILE) : NO_THEME_RULES);
}
