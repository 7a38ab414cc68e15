// The part of workerd's `cloudflare:workers` module the Durable Objects (and their tests) use, typed with the
// importable workers types (the project's type check runs with Node's and the DOM's globals,
// which the ambient workers types would clash with).
declare module 'cloudflare:workers' {
  import type { DurableObjectState, Rpc } from '@cloudflare/workers-types/latest/index.js';

  export abstract class DurableObject<Env = unknown> implements Rpc.DurableObjectBranded {
    [Rpc.__DURABLE_OBJECT_BRAND]: never;
    protected ctx: DurableObjectState;
    protected env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }

  /** The Worker's bindings and vars, for code outside a handler (tests); typed where used. */
  export const env: unknown;
}
