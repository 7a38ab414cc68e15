import type { D1Database, DurableObjectNamespace, Queue } from '@cloudflare/workers-types/latest/index.js';
import type { Env } from '../../core/env.js';

/** What a queue message carries: only the job's id; its D1 row is the truth. */
export interface JobMessage {
  jobId: string;
}

/** The Worker's bindings (wrangler.toml). */
export interface WorkerBindings {
  DB: D1Database;
  JOBS: Queue<JobMessage>;
  RATE_LIMITER?: DurableObjectNamespace;
  INCIDENTS?: DurableObjectNamespace;
}

/**
 * The bindings and, beside them, the hub's settings from `[vars]` and `wrangler secret`, under the
 * same names as on Node (docs/reference/configuration.md).
 */
export type WorkerEnv = WorkerBindings & Record<string, unknown>;

/** The settings alone (every string value), as the hub reads them on Node from the process environment. */
export function settingsOf(env: WorkerEnv): Env {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
