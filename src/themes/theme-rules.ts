import { z } from 'zod';
import { HubError } from '../core/errors.js';
import { formatIssue, type RecipeIssue } from '../recipes/recipe.js';

/** A theme's name: what `response.themes` holds, `?theme=` takes and reports show. */
export const ThemeName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (e.g. ease-of-use)');

const Term = z.string().trim().min(1, 'must not be empty').max(200);

export const ThemeRule = z.strictObject({
  label: z.string().trim().min(1).max(100).optional().describe('How reports name the theme (default: its name)'),
  keywords: z
    .array(Term)
    .max(500)
    .default([])
    .describe('Single words, matched by their stem: "bill" matches billing, billed, bills'),
  phrases: z
    .array(Term)
    .max(500)
    .default([])
    .describe('Several words, matched as a sequence of stems: "credit card" matches "credit cards"'),
  exclude: z
    .array(Term)
    .max(500)
    .default([])
    .describe('Words or phrases that keep the theme off a comment even when a keyword or phrase matches'),
});

/** The theme rules file (`recipes/themes.yaml`), as written in YAML. */
export const ThemeRulesFile = z.strictObject({
  $schema: z.string().optional(),
  themes: z
    .record(ThemeName, ThemeRule)
    .refine((t) => Object.keys(t).length <= 200, 'at most 200 themes')
    .describe('Theme name → its keywords, phrases and exclusions'),
});
export type ThemeRulesFile = z.output<typeof ThemeRulesFile>;

/** One theme, compiled: every keyword, phrase and exclusion as its sequence of stems. */
export interface CompiledTheme {
  name: string;
  label: string;
  /** Keywords (one stem each) and phrases (several), any of which tags a comment. */
  terms: string[][];
  /** Any of these present keeps the theme off the comment. */
  exclude: string[][];
}

/** Validated, compiled theme rules, in the file's order. */
export interface ThemeRules {
  /** The file they came from, or null for none (no themes, sentiment only). */
  file: string | null;
  themes: CompiledTheme[];
}

export const NO_THEME_RULES: ThemeRules = { file: null, themes: [] };

/** A theme file with problems: each with file, line, column and field, like a recipe's. */
export class ThemeLoadError extends HubError {
  constructor(readonly locations: RecipeIssue[]) {
    super(400, 'invalid_themes', `Invalid theme rules:\n${locations.map(formatIssue).join('\n')}`);
    this.name = 'ThemeLoadError';
  }
}
