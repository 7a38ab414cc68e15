/** Process environment (Node) or Worker bindings: variable name → value. */
export type Env = Readonly<Record<string, string | undefined>>;
