import type { Template } from 'liquidjs';
import type { z } from 'zod';
import { RecipeContextShape, unwrapSchema } from './context-shape.js';
import { templateVariables } from './template.js';

export interface TemplateVariableError {
  message: string;
  /** 1-based line and column of the variable in the template text. */
  row: number;
  col: number;
}

/**
 * Variables a template reads that the recipe context does not have (`respnse.score`,
 * `account.nme`): they would render empty for every response, silently. Checked against
 * {@link RecipeContextShape} as deep as it declares fields (a record such as `response.extra`
 * or `account.custom` can hold anything); variables the template assigns itself are its own.
 */
export function checkTemplateVariables(template: Template[]): TemplateVariableError[] {
  const errors: TemplateVariableError[] = [];
  for (const variable of templateVariables(template)) {
    const problem = pathProblem(variable.segments);
    if (problem) errors.push({ message: problem, row: variable.location.row, col: variable.location.col });
  }
  return errors;
}

/** Liquid's own properties of arrays and strings (`list.size`, `list.first`). */
const LIQUID_PROPERTIES = new Set(['size', 'first', 'last']);

function pathProblem(segments: readonly unknown[]): string | undefined {
  const [root, ...rest] = segments;
  if (typeof root !== 'string') return undefined;
  const rootSchema = (RecipeContextShape.shape as Record<string, z.ZodType>)[root];
  if (!rootSchema) return `unknown variable "${root}"; templates see ${Object.keys(RecipeContextShape.shape).join(', ')}`;
  let schema = rootSchema;
  let path = root;
  for (const segment of rest) {
    // A computed key (`extra[account.id]`) cannot be checked before it is rendered.
    if (typeof segment !== 'string' && typeof segment !== 'number') return undefined;
    const def = unwrapSchema(schema);
    if (def.type === 'object') {
      const next = (def.shape as Record<string, z.ZodType>)[String(segment)];
      if (!next) return `unknown field "${segment}" in ${path}`;
      schema = next;
    } else if (def.type === 'array') {
      if (typeof segment === 'number' || LIQUID_PROPERTIES.has(segment)) schema = def.element;
      else return `unknown field "${segment}" in ${path} (a list)`;
    } else if (def.type === 'string' || def.type === 'enum') {
      if (segment === 'size') return undefined;
      return `unknown field "${segment}" in ${path} (a text)`;
    } else if (def.type === 'number' || def.type === 'boolean') {
      return `unknown field "${segment}" in ${path} (a ${def.type})`;
    } else return undefined; // records and unknowns hold anything
    path = `${path}.${segment}`;
  }
  return undefined;
}
