import type { z } from 'zod';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, Scalar, type Document, type Node } from 'yaml';
import { issuePath } from '../core/errors.js';
import { compileCondition, type CompiledCondition } from './condition.js';
import { checkConditionTypes } from './condition-types.js';
import { checkTemplateVariables } from './template-types.js';
import { RecipeFile } from './schema.js';
import { compileParams, TemplateError, type CompiledParams } from './template.js';
import { RecipeLoadError, type Recipe, type RecipeIssue } from './recipe.js';

export interface RecipeSource {
  /** File name as shown in errors (`recipes/detractor-ticket.yaml`). */
  file: string;
  text: string;
}

/** Action names that exist (`slack.postMessage`…), to reject typos at load time. */
export type KnownActions = ReadonlySet<string>;

/**
 * Parse and validate one recipe file. Every problem is reported with its line: YAML syntax,
 * schema (zod), the CEL condition, each Liquid template, unknown actions, duplicate ids.
 */
export function parseRecipe(source: RecipeSource, knownActions: KnownActions): { recipe?: Recipe; issues: RecipeIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const locate = (path: (string | number)[]) => locateIn(doc, lineCounter, path);
  const issue = (path: (string | number)[], message: string, at?: { row: number; col: number }): RecipeIssue => ({
    file: source.file,
    ...(at ? locateInValue(doc, lineCounter, source.text, path, at) : locate(path)),
    field: issuePath(path),
    message,
  });
  /** A condition that parses but would never match as meant (a misspelt field, a comparison between types). */
  const typeCheck = (path: (string | number)[], condition: CompiledCondition) => {
    const error = checkConditionTypes(condition.source);
    if (error) issues.push(issue(path, `condition never matches: ${error.message}`, positionIn(condition.source, error.offset)));
  };
  /** Template variables that the recipe context does not have. */
  const checkTemplates = (path: (string | number)[], params: CompiledParams) => {
    if (params.kind === 'template') {
      for (const e of checkTemplateVariables(params.template)) issues.push(issue(path, `template reads nothing: ${e.message}`, { row: e.row, col: e.col }));
    } else if (params.kind === 'array') params.items.forEach((item, i) => checkTemplates([...path, i], item));
    else if (params.kind === 'object') for (const [key, value] of params.entries) checkTemplates([...path, key], value);
  };

  if (doc.errors.length) {
    return {
      issues: doc.errors.map((e) => {
        // linePos is only filled in with prettyErrors; the offset always is.
        const pos = lineCounter.linePos(e.pos[0]);
        return { file: source.file, line: pos.line, column: pos.col, field: '(yaml)', message: e.message.split('\n')[0] ?? e.message };
      }),
    };
  }

  const parsed = RecipeFile.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (!parsed.success) {
    return { issues: schemaIssues(parsed.error).map((i) => issue(i.path, i.message)) };
  }
  const file = parsed.data;
  const issues: RecipeIssue[] = [];

  let when;
  try {
    when = compileCondition(file.when);
    typeCheck(['when'], when);
  } catch (error) {
    issues.push(issue(['when'], `invalid CEL condition: ${(error as Error).message.split('\n')[0]}`));
  }

  const seen = new Set<string>();
  const actions = file.actions.flatMap((a, i) => {
    if (seen.has(a.id)) issues.push(issue(['actions', i, 'id'], `duplicate action id "${a.id}"`));
    seen.add(a.id);
    if (!knownActions.has(a.action)) {
      issues.push(issue(['actions', i, 'action'], `unknown action "${a.action}"; known: ${[...knownActions].sort().join(', ')}`));
    }
    let actionWhen;
    if (a.when !== undefined) {
      try {
        actionWhen = compileCondition(a.when);
        typeCheck(['actions', i, 'when'], actionWhen);
      } catch (error) {
        issues.push(issue(['actions', i, 'when'], `invalid CEL condition: ${(error as Error).message.split('\n')[0]}`));
      }
    }
    try {
      const params = compileParams(a.params);
      checkTemplates(['actions', i, 'params'], params);
      return [{ id: a.id, action: a.action, ...(actionWhen ? { when: actionWhen } : {}), params }];
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      issues.push(issue(['actions', i, 'params', ...error.path], `invalid template: ${error.message}`));
      return [];
    }
  });

  if (issues.length || !when) return { issues };
  return {
    issues,
    recipe: {
      name: file.name,
      description: file.description,
      enabled: file.enabled,
      on: file.on,
      file: source.file,
      when,
      throttle: file.throttle,
      actions,
      locate,
    },
  };
}

/** Parse every recipe; throws a {@link RecipeLoadError} listing every problem in every file. */
export function parseRecipes(sources: RecipeSource[], knownActions: KnownActions): Recipe[] {
  const recipes: Recipe[] = [];
  const issues: RecipeIssue[] = [];
  const byName = new Map<string, string>();
  for (const source of sources) {
    const result = parseRecipe(source, knownActions);
    issues.push(...result.issues);
    if (!result.recipe) continue;
    const other = byName.get(result.recipe.name);
    if (other) {
      issues.push({ file: source.file, ...result.recipe.locate(['name']), field: 'name', message: `recipe name "${result.recipe.name}" is also used by ${other}` });
      continue;
    }
    byName.set(result.recipe.name, source.file);
    recipes.push(result.recipe);
  }
  if (issues.length) throw new RecipeLoadError(issues);
  return recipes;
}

/**
 * zod's issues in a recipe author's words, each on its own field: an unknown key is reported on
 * that key (zod puts it on the parent object), a missing one as "is required".
 */
export function schemaIssues(error: z.ZodError): { path: (string | number)[]; message: string }[] {
  return error.issues.flatMap((i) => {
    const path = i.path as (string | number)[];
    if (i.code === 'unrecognized_keys') return i.keys.map((key) => ({ path: [...path, key], message: `unknown key "${key}"` }));
    if (i.code === 'invalid_type' && i.input === undefined) return [{ path, message: 'is required' }];
    return [{ path, message: i.message }];
  });
}

/** Line/column of the deepest node on the path that exists (a missing key points at its parent). */
export function locateIn(doc: Document, lc: LineCounter, path: (string | number)[]) {
  const found = nodeAt(doc, path);
  const offset = found?.range?.[0] ?? 0;
  const pos = lc.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** 1-based row and column of an offset in a text. */
function positionIn(text: string, offset: number): { row: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { row: before.length, col: before[before.length - 1]!.length + 1 };
}

/**
 * Line/column in the file of a row/column inside a string value: exact for a value on one line
 * (plain or quoted, without escapes before it) and for a block (`|`) value; otherwise the value's start.
 */
function locateInValue(doc: Document, lc: LineCounter, text: string, path: (string | number)[], at: { row: number; col: number }) {
  const node = nodeAt(doc, path);
  const start = node?.range?.[0] ?? 0;
  const fallback = lc.linePos(start);
  if (!node || !isScalar(node)) return { line: fallback.line, column: fallback.col };
  const value = String(node.value);
  if (node.type === Scalar.BLOCK_LITERAL) {
    // The header (`|`) line, then one line per row, each indented alike.
    const firstLine = fallback.line + at.row;
    const lineStart = lc.lineStarts[firstLine - 1];
    if (lineStart === undefined) return { line: fallback.line, column: fallback.col };
    const indent = /^ */.exec(text.slice(lc.lineStarts[fallback.line] ?? lineStart))![0].length;
    return { line: firstLine, column: indent + at.col };
  }
  const raw = text.slice(start, node.range![1]);
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
  const body = quoted ? raw.slice(1) : raw;
  const offsetInValue = value.split('\n').slice(0, at.row - 1).reduce((n, l) => n + l.length + 1, 0) + at.col - 1;
  if (at.row > 1 || body.slice(0, offsetInValue) !== value.slice(0, offsetInValue)) return { line: fallback.line, column: fallback.col };
  const pos = lc.linePos(start + (quoted ? 1 : 0) + offsetInValue);
  return { line: pos.line, column: pos.col };
}

/** The deepest node on the path that exists. */
function nodeAt(doc: Document, path: (string | number)[]): Node | null {
  let node: unknown = doc.contents;
  let found = node as Node | null;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      node = pair.value ?? pair.key;
      found = (pair.value ?? pair.key) as Node;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key];
      if (!item) break;
      node = item;
      found = item as Node;
    } else break;
  }
  return found;
}
