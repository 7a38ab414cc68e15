import type { z } from 'zod';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { issuePath } from '../core/errors.js';
import { locateIn, schemaIssues, type RecipeSource } from '../recipes/parse.js';
import type { RecipeIssue } from '../recipes/recipe.js';
import { ThemeLoadError, ThemeRulesFile, type CompiledTheme, type ThemeRules } from './theme-rules.js';
import { stemsOf } from './words.js';

/**
 * Parse and validate a theme rules file. Every problem is reported with its line: YAML syntax,
 * the schema (zod), a keyword of several words, a term with no letter or digit.
 */
export function parseThemeRules(source: RecipeSource): { rules?: ThemeRules; issues: RecipeIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const issue = (path: (string | number)[], message: string): RecipeIssue => ({
    file: source.file,
    ...locateIn(doc, lineCounter, path),
    field: issuePath(path),
    message,
  });
  if (doc.errors.length) {
    return {
      issues: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file: source.file, line: pos.line, column: pos.col, field: '(yaml)', message: e.message.split('\n')[0] ?? e.message };
      }),
    };
  }
  const parsed = ThemeRulesFile.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (!parsed.success) {
    return {
      issues: [
        ...themeNameIssues(parsed.error).map((i) => ({ file: source.file, ...keyLocation(doc, lineCounter, i.name), field: issuePath(['themes', i.name]), message: i.message })),
        ...schemaIssues(parsed.error).filter((i) => i.message !== INVALID_KEY).map((i) => issue(i.path, i.message)),
      ],
    };
  }

  const issues: RecipeIssue[] = [];
  const themes = Object.entries(parsed.data.themes).map(([name, rule]): CompiledTheme => {
    const compile = (kind: 'keywords' | 'phrases' | 'exclude') =>
      rule[kind].flatMap((term, i) => {
        const stems = stemsOf(term);
        if (!stems.length) issues.push(issue(['themes', name, kind, i], `"${term}" has no letter or digit to match`));
        else if (kind === 'keywords' && stems.length > 1) issues.push(issue(['themes', name, kind, i], `"${term}" is ${stems.length} words: put it under phrases`));
        return stems.length ? [stems] : [];
      });
    const terms = [...compile('keywords'), ...compile('phrases')];
    if (!rule.keywords.length && !rule.phrases.length) issues.push(issue(['themes', name], 'needs at least one keyword or phrase'));
    return { name, label: rule.label ?? name, terms, exclude: compile('exclude') };
  });
  if (issues.length) return { issues };
  return { rules: { file: source.file, themes }, issues };
}

const INVALID_KEY = 'Invalid key in record';

/** zod reports a bad record key as "Invalid key in record" with the reason nested: the reason, by theme name. */
function themeNameIssues(error: z.ZodError): { name: string; message: string }[] {
  return error.issues.flatMap((i) =>
    i.code === 'invalid_key' && i.path[0] === 'themes' ? [{ name: String(i.path[1]), message: i.issues[0]?.message ?? i.message }] : [],
  );
}

/** Where a theme's name is written (its key, not its value). */
function keyLocation(doc: Document, lc: LineCounter, name: string) {
  const themes = isMap(doc.contents) ? doc.contents.items.find((p) => (p.key as { value?: unknown } | null)?.value === 'themes')?.value : undefined;
  const pair = isMap(themes) ? themes.items.find((p) => (p.key as { value?: unknown } | null)?.value === name) : undefined;
  const pos = lc.linePos((pair?.key as { range?: [number] } | undefined)?.range?.[0] ?? 0);
  return { line: pos.line, column: pos.col };
}

/** {@link parseThemeRules}, throwing a {@link ThemeLoadError} listing every problem. */
export function loadThemeRules(source: RecipeSource): ThemeRules {
  const { rules, issues } = parseThemeRules(source);
  if (!rules) throw new ThemeLoadError(issues);
  return rules;
}
