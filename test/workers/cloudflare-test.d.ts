// The part of @cloudflare/vitest-pool-workers' `cloudflare:test` module these tests use, typed
// with the importable workers types (the project's type check runs with Node's and the DOM's
// globals, which the ambient workers types would clash with).
declare module 'cloudflare:test' {
  import type { D1Database, ExecutionContext, MessageBatch, ScheduledController, FetcherQueueResult, ServiceBindingQueueMessage, Fetcher } from '@cloudflare/workers-types/latest/index.js';
  import type { WorkerEnv } from '../../src/runtime/workers/worker-env.js';

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
