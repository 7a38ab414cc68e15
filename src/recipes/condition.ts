import { Environment } from '@marcbachmann/cel-js';

/**
 * Recipe conditions are CEL (Common Expression Language) expressions, evaluated by
 * @marcbachmann/cel-js: an interpreter with no `eval`, so it runs on Workers too.
 * Variables: `response`, `account`, `contact`.
 */
const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });

export interface CompiledCondition {
  source: string;
  /** True, false, or an error message (a missing key, a type mismatch). Never throws. */
  evaluate(context: Record<string, unknown>): { matched: boolean; error?: string };
}

/** Parse once; throws with CEL's message (position marked) on a syntax error. */
export function compileCondition(source: string): CompiledCondition {
  const program = env.parse(source);
  return {
    source,
    evaluate(context) {
      try {
        const value = program(context);
        if (typeof value !== 'boolean') return { matched: false, error: `condition gave ${typeof value}, not true/false` };
        return { matched: value };
      } catch (error) {
        return { matched: false, error: firstLine((error as Error).message) };
      }
    },
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** Why a condition did not match, as plans and `closeloop try` report it. */
export function whyNotMatched(result: { error?: string }, condition: CompiledCondition): string {
  return result.error ? `condition could not be evaluated: ${result.error}` : `condition is false: ${condition.source}`;
}
