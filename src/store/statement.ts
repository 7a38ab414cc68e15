/**
 * One SQL statement with its positional values, as the runtime-agnostic store modules build
 * them (src/store/*.ts) and a driver runs them: the statement and its values stay together.
 */
export interface Statement {
  sql: string;
  params: unknown[];
}
