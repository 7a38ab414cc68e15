import { Environment } from '@marcbachmann/cel-js';
import type { z } from 'zod';
import { RecipeContextShape, unwrapSchema } from './context-shape.js';

/**
 * Type-checks recipe conditions against the declared recipe context ({@link RecipeContextShape}):
 * a misspelt variable or field (`respnse.score`, `response.scor`) or a comparison between types
 * (`response.score <= "6"`) would make a condition never match, silently; here it is an error
 * with its position. Checking only: conditions still run in the permissive environment of
 * condition.ts, so nothing about how a valid condition evaluates changes.
 */
const env = typedEnvironment(RecipeContextShape);

export interface ConditionTypeError {
  message: string;
  /** Offset of the offending part in the condition's text (0-based). */
  offset: number;
}

/** Undefined when the condition is well typed and gives true/false. */
export function checkConditionTypes(source: string): ConditionTypeError | undefined {
  const result = env.check(source);
  if (!result.valid) {
    const error = result.error!;
    return { message: describe(error.message.split('\n')[0] ?? error.message), offset: error.range?.start ?? 0 };
  }
  if (result.type !== 'bool' && result.type !== 'dyn') return { message: `gives ${result.type}, not true/false`, offset: 0 };
  return undefined;
}

/** cel-js's wording, with what a recipe author can do about it. */
function describe(message: string): string {
  const unknownVariable = /^Unknown variable: (\S+)/.exec(message);
  if (unknownVariable) return `unknown variable "${unknownVariable[1]}"; conditions see ${Object.keys(RecipeContextShape.shape).join(', ')}`;
  const noSuchKey = /^No such key: (\S+)/.exec(message);
  if (noSuchKey) return `unknown field "${noSuchKey[1]}"`;
  const overload = /^no such overload: (.+)$/.exec(message);
  if (overload) {
    const hint = /double/.test(overload[1]!) && /\bint\b/.test(overload[1]!) ? ' (numbers in responses and accounts are doubles: write 1.0, or int(response.score))' : '';
    return `type mismatch: no operator for ${overload[1]}${hint}`;
  }
  return message;
}

type CelType = string;

/**
 * A CEL environment whose variables are the object schema's keys, each with a type derived from
 * its zod schema: objects become declared types (their fields known), records `map<string, dyn>`,
 * numbers `double` (what a JSON number is when a condition runs, whole or not). CEL has no nullable types, so comparing any
 * primitive with `null` is declared (the context's unknowns are null).
 */
export function typedEnvironment(shape: z.ZodObject): Environment {
  const env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false });
  for (const t of ['string', 'int', 'double', 'bool']) env.registerOperator(`${t} == null`, (a: unknown, b: unknown) => a === b);
  // Conditions see JSON numbers, which CEL runs as doubles; a double compares with an int
  // literal at run time (`score == 10`, `score in [9, 10]`), but does no arithmetic with one.
  env.registerOperator('double == int', (a: number, b: bigint) => a === Number(b));
  env.registerOperator('double in list<int>', (a: number, b: bigint[]) => b.some((x) => Number(x) === a));
  const declared = new Set<string>();
  for (const [name, field] of Object.entries(shape.shape)) env.registerVariable(name, celTypeOf(env, field as z.ZodType, typeName(name), declared));
  return env;
}

function typeName(path: string): string {
  return path
    .split('.')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function celTypeOf(env: Environment, schema: z.ZodType, name: string, declared: Set<string>): CelType {
  const def = unwrapSchema(schema);
  switch (def.type) {
    case 'string':
    case 'enum':
      return 'string';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'literal':
      return typeof def.values[0] === 'string' ? 'string' : 'dyn';
    case 'array':
      return `list<${celTypeOf(env, def.element, name, declared)}>`;
    case 'record':
      return 'map<string, dyn>';
    case 'object': {
      if (!declared.has(name)) {
        const fields = Object.fromEntries(
          Object.entries<z.ZodType>(def.shape).map(([key, field]) => [key, celTypeOf(env, field, `${name}${typeName(key)}`, declared)]),
        );
        env.registerType(name, { fields });
        declared.add(name);
      }
      return name;
    }
    default:
      return 'dyn';
  }
}
