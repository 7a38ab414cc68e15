import type { CompiledCondition } from './condition.js';
import type { CompiledParams } from './template.js';
import type { RecipeFile, RecipeTrigger } from './schema.js';

/** Where a recipe problem is: file, 1-based line and column, and the field's dotted path. */
export interface RecipeIssue {
  file: string;
  line: number;
  column: number;
  field: string;
  message: string;
}

export interface CompiledAction {
  id: string;
  /** Full action name, `zendesk.createTicket`. */
  action: string;
  /** This action's own condition, when it has one. */
  when?: CompiledCondition;
  params: CompiledParams;
}

/** A validated recipe, ready to run: condition and templates compiled once. */
export interface Recipe {
  name: string;
  description: string | undefined;
  enabled: boolean;
  /** What makes the hub consider it: a response arriving (default) or its loop overdue. */
  on: RecipeTrigger;
  file: string;
  when: CompiledCondition;
  throttle: RecipeFile['throttle'];
  actions: CompiledAction[];
  /** Line and column of a field in the file, for errors found after loading (`closeloop check`). */
  locate(path: (string | number)[]): { line: number; column: number };
}

export class RecipeLoadError extends Error {
  constructor(readonly issues: RecipeIssue[]) {
    super(`Invalid recipes:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'RecipeLoadError';
  }
}

export function formatIssue(i: RecipeIssue): string {
  return `${i.file}:${i.line}:${i.column} ${i.field}: ${i.message}`;
}
