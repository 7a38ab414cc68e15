// The part of @cloudflare/vitest-pool-workers' `cloudflare:test` module these tests use, typed
// with the importable workers types (the project's type check runs with Node's and the DOM's
// globals, which the ambient workers types would clash with).
declare module 'cloudflare:test' {
  import type { D1Database, ExecutionContext, MessageBatch, ScheduledController, Fetcher } from '@cloudflare/workers-types/latest/index.js';
  import type { WorkerEnv } from '../../src/runtime/workers/worker-env.js';

  export interface ServiceBindingQueueMessage<Body = unknown> {
    id: string;
    timestamp: Date;
    attempts: number;
    body: Body;
  }
  export interface FetcherQueueResult {
    outcome: string;
    ackAll: boolean;
    retryBatch: { retry: boolean; delaySeconds?: number };
    explicitAcks: string[];
    retryMessages: { msgId: string; delaySeconds?: number }[];
  }
  export interface D1Migration {
    name: string;
    queries: string[];
  }
  export const env: WorkerEnv & { DB: D1Database; TEST_MIGRATIONS: D1Migration[] };
  export const SELF: Fetcher;
  export function applyD1Migrations(db: D1Database, migrations: D1Migration[], migrationsTableName?: string): Promise<void>;
  export function createExecutionContext(): ExecutionContext;
  export function waitOnExecutionContext(ctx: ExecutionContext): Promise<void>;
  export function createScheduledController(options?: { scheduledTime?: Date | number; cron?: string }): ScheduledController;
  export function createMessageBatch<Body = unknown>(queueName: string, messages: ServiceBindingQueueMessage<Body>[]): MessageBatch<Body>;
  export function getQueueResult(batch: MessageBatch, ctx: ExecutionContext): Promise<FetcherQueueResult>;
}

// Vite's `?raw` imports (the shipped recipes as text, as the Worker bundles them).
declare module '*?raw' {
  const text: string;
  export default text;
}
