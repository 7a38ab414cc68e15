import type { Recipe } from './recipe.js';
import { RecipeLoadError, formatIssue } from './recipe.js';

/**
 * The recipes the hub runs now. A reload replaces the whole set at once and planning reads it
 * once per response ({@link current}), so a response is planned with the old set or the new
 * one, never a mix.
 */
export class RecipeSet {
  private recipes: readonly Recipe[];

  constructor(recipes: readonly Recipe[]) {
    this.recipes = Object.freeze([...recipes]);
  }

  /** The set as it is now; keep the array for the whole plan. */
  current(): readonly Recipe[] {
    return this.recipes;
  }

  /** Swap in a complete, validated set. */
  replace(recipes: readonly Recipe[]): void {
    this.recipes = Object.freeze([...recipes]);
  }
}

export type ReloadOutcome = { reloaded: true; recipes: readonly Recipe[] } | { reloaded: false; error: string };

/**
 * Load every recipe file again (`load` throws {@link RecipeLoadError} on any problem in any
 * file) and swap the set only if all are valid; otherwise the running set stays as it was and
 * the outcome says why.
 */
export function reloadRecipes(set: RecipeSet, load: () => Recipe[]): ReloadOutcome {
  let recipes: Recipe[];
  try {
    recipes = load();
  } catch (error) {
    if (error instanceof RecipeLoadError) return { reloaded: false, error: error.issues.map(formatIssue).join('\n') };
    return { reloaded: false, error: (error as Error)?.message ?? String(error) };
  }
  set.replace(recipes);
  return { reloaded: true, recipes };
}
