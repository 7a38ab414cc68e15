import { setupServer } from 'msw/node';
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { actionRegistry } from '../../connectors/registry.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { D1Driver } from '../../src/runtime/workers/d1-driver.js';
import { DEAD_LETTER_QUEUE, workerHandlers } from '../../src/runtime/workers/handlers.js';
import type { WorkerHubOptions } from '../../src/runtime/workers/worker-hub.js';
import type { JobMessage, WorkerEnv } from '../../src/runtime/workers/worker-env.js';
import { SqlStore } from '../../src/store/sql-store.js';
import detractorTicket from '../../recipes/detractor-ticket.yaml?raw';
import promoterAdvocacy from '../../recipes/promoter-advocacy.yaml?raw';
import verbatimsToSlack from '../../recipes/verbatims-to-slack.yaml?raw';

/** The three shipped recipes, as the Worker bundles them. */
export const SHIPPED_RECIPES = parseRecipes(
  [
    { file: 'recipes/detractor-ticket.yaml', text: detractorTicket },
    { file: 'recipes/promoter-advocacy.yaml', text: promoterAdvocacy },
    { file: 'recipes/verbatims-to-slack.yaml', text: verbatimsToSlack },
  ],
  new Set(actionRegistry().keys()),
);

export const ADMIN_TOKEN = 'workers-admin-token-0123456789';

/** A Worker with the admin API, unsigned generic webhooks, no rate limits, and Slack's Web API at msw's `slack.test`. */
export const SLACK_SETTINGS = {
  CLOSELOOP_ADMIN_TOKEN: ADMIN_TOKEN,
  CLOSELOOP_ALLOW_UNSIGNED: 'generic',
  CLOSELOOP_RATE_LIMITS: 'off',
  SLACK_BOT_TOKEN: 'xoxb-workers-123',
  SLACK_API_URL: 'https://slack.test/api/',
};

/** A message the Worker sent, as the queue got it. */
export interface SentMessage {
  body: JobMessage;
  delaySeconds: number;
}

/** The JOBS binding, recording what is sent; a test delivers the messages when it chooses. */
export class RecordingQueue {
  sent: SentMessage[] = [];
  async send(body: JobMessage, options: { delaySeconds?: number } = {}) {
    this.sent.push({ body, delaySeconds: options.delaySeconds ?? 0 });
    return {} as never;
  }
  async sendBatch(messages: Iterable<{ body: JobMessage; delaySeconds?: number }>) {
    for (const m of messages) this.sent.push({ body: m.body, delaySeconds: m.delaySeconds ?? 0 });
    return {} as never;
  }
  /** Everything sent since the last take. */
  take(): SentMessage[] {
    const sent = this.sent;
    this.sent = [];
    return sent;
  }
}

/** A clock a test moves (a retry's delay passing). */
export function testClock(start = Date.now()) {
  let at = start;
  return { now: () => new Date(at), advance: (ms: number) => void (at += ms), set: (time: number) => void (at = time) };
}

let messageSeq = 0;

/**
 * The Worker's handlers on the test's D1 (the migrations applied), with settings as
 * `wrangler secret`/`[vars]` give them and a recording JOBS queue, silent logs and the shipped
 * recipes unless told otherwise.
 */
export function testWorker(settings: Record<string, string>, options: Partial<WorkerHubOptions> = {}) {
  const queue = new RecordingQueue();
  const workerEnv = { ...env, ...settings, JOBS: queue } as unknown as WorkerEnv;
  const handlers = workerHandlers((e) => ({ driver: new D1Driver(e.DB), store: (driver, storeOptions) => new SqlStore(driver, { ...storeOptions, ...(options.now ? { now: options.now } : {}) }), recipes: SHIPPED_RECIPES, log: silentLogger, ...options }));
  const fetch = (path: string, init: RequestInit = {}) => handlers.fetch(new Request(`https://closeloop.test${path}`, init), workerEnv);
  const worker = {
    queue,
    env: workerEnv,
    handlers,
    fetch,
    /** A request to the admin API with the token. */
    admin: (path: string, init: RequestInit = {}) => fetch(path, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers as Record<string, string>) } }),
    postJson: (source: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`/webhooks/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
    /** Deliver messages to the consumer of `queueName` (default: the jobs queue), as Queues would. */
    async deliver(messages: SentMessage[], queueName = 'closeloop-jobs', attempts = 1) {
      const batch = createMessageBatch<unknown>(
        queueName,
        messages.map((m) => ({ id: `msg-${++messageSeq}`, timestamp: new Date(), attempts, body: m.body })),
      );
      const ctx = createExecutionContext();
      await handlers.queue(batch as never, workerEnv);
      return getQueueResult(batch, ctx);
    },
    /** Deliver what was sent, and what that sends, until nothing is due now (delayed messages stay in `queue.sent`). */
    async drain(): Promise<SentMessage[]> {
      const later: SentMessage[] = [];
      for (let round = 0; round < 20; round++) {
        const sent = queue.take();
        const now = sent.filter((m) => m.delaySeconds === 0);
        later.push(...sent.filter((m) => m.delaySeconds > 0));
        if (!now.length) break;
        await worker.deliver(now);
      }
      queue.sent.push(...later);
      return later;
    },
    deliverDeadLetters: (messages: SentMessage[], attempts = 6) => worker.deliver(messages, DEAD_LETTER_QUEUE, attempts),
    /** The cron trigger at `at`. */
    async sweep(at: Date) {
      const ctx = createExecutionContext();
      await handlers.scheduled(createScheduledController({ scheduledTime: at, cron: '* * * * *' }) as never, workerEnv, ctx);
      await waitOnExecutionContext(ctx);
    },
    /** A response's jobs, oldest first, through the admin API (reading D1). */
    async jobsOf(responseId: string) {
      const res = await worker.admin(`/api/responses/${responseId}`);
      return ((await res.json()) as { jobs: { id: string; key: string; action: string | null; status: string; attempts: number; lastError: string | null; params: unknown; type: string; recipe: string | null; actionId: string | null; maxAttempts: number }[] }).jobs;
    },
  };
  return worker;
}

/** A request as it left the Worker: JSON parsed, a form as an object, else the text. */
export interface SentRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

/** msw inside workerd, failing on any request no handler expects, recording each request in the order it left. */
export function recordingServer(...handlers: Parameters<typeof setupServer>) {
  const server = setupServer(...handlers);
  let pending: Promise<SentRequest>[] = [];
  server.events.on('request:start', ({ request }) => {
    const clone = request.clone();
    pending.push(
      clone.text().then((text) => {
        const type = request.headers.get('content-type') ?? '';
        const body = type.includes('json') && text ? JSON.parse(text) : type.includes('x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(text)) : text;
        return { method: request.method, url: new URL(request.url), headers: request.headers, body };
      }),
    );
  });
  return {
    server,
    listen: () => server.listen({ onUnhandledRequest: 'error' }),
    /** Every request sent since the last take. */
    async take(): Promise<SentRequest[]> {
      const sent = await Promise.all(pending);
      pending = [];
      return sent;
    },
    reset() {
      pending = [];
      server.resetHandlers();
    },
    close: () => server.close(),
  };
}

/** Tables kept between cases: the migration ledgers, and D1's and SQLite's own. */
const KEPT = new Set(['schema_migrations', 'd1_migrations', 'privacy_settings', 'plan_cursor', 'sqlite_sequence']);

/**
 * Every case starts on an empty hub database (the migrations stay applied; the erasure salt
 * stays, as it would in a real database): D1 in a test file is one database for all its cases.
 */
export async function emptyDatabase(driver: D1Driver): Promise<void> {
  const tables = await driver.all<{ name: string }>({ sql: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY rootpage DESC`, params: [] });
  await driver.batch([
    ...tables.filter((t) => !KEPT.has(t.name)).map((t) => ({ sql: `DELETE FROM "${t.name}"`, params: [] })),
    { sql: `UPDATE plan_cursor SET planned_through = 0, unplanned = 0`, params: [] },
    { sql: `UPDATE privacy_settings SET value = '0' WHERE key = 'retention_scrubbed_through'`, params: [] },
  ]);
}
