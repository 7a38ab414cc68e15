import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import dotenv from 'dotenv';
import { HubError, type FieldIssue } from '../../core/errors.js';

/**
 * dotenv 17's own line pattern (lib/main.js `LINE`): dotenv reads what it matches and skips any
 * other line without a word, so a line it would skip is found here and reported instead.
 */
const DOTENV_LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

/**
 * Lines of a `.env` text that dotenv would silently skip (not blank, not a `#` comment, not
 * `KEY=value` nor inside a quoted multi-line value), as issues `line N`; their text is not
 * repeated (it may hold a secret).
 */
export function dotenvProblems(text: string): FieldIssue[] {
  const covered = new Uint8Array(text.length);
  for (const match of text.matchAll(DOTENV_LINE)) covered.fill(1, match.index, match.index + match[0].length);
  const issues: FieldIssue[] = [];
  let at = 0;
  for (const [i, line] of text.split('\n').entries()) {
    const trimmed = line.trim();
    const start = at + line.indexOf(trimmed);
    at += line.length + 1;
    if (!trimmed || trimmed.startsWith('#') || covered[start]) continue;
    issues.push({ field: `line ${i + 1}`, message: 'is not KEY=value (quote a value with spaces or #; start a comment with #)' });
  }
  return issues;
}

/**
 * Read `.env` from the working directory (when there is one) into `target`, as dotenv does by
 * default: a variable already in the environment wins over the file. A line dotenv would skip
 * is an error naming the line, so a mistyped secret never goes unnoticed.
 */
export function loadDotenvFile(target: Record<string, string | undefined>, path = '.env'): void {
  const file = resolve(path);
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const issues = dotenvProblems(text);
  if (issues.length) {
    throw new HubError(400, 'invalid_config', `Invalid ${file} (nothing was read from it):`, issues);
  }
  dotenv.populate(target as dotenv.DotenvPopulateInput, dotenv.parse(text));
}
