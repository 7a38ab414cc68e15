import { setupServer } from 'msw/node';
import type { Job } from '../../src/core/job.js';
import { silentLogger } from '../../src/core/logger.js';

/** An action job as the runner hands it to a connector. */
export function actionJob(action: string, params: unknown, key = 'resp-1:recipe:act'): Job {
  return {
    id: 'job-1',
    key,
    type: 'action',
    responseId: 'resp-1',
    recipe: 'recipe',
    actionId: 'act',
    action,
    params,
    maxAttempts: 10,
    runAt: '2026-03-02T10:00:00.000Z',
    status: 'running',
    attempts: 0,
    leaseUntil: null,
    lastError: null,
    result: null,
    createdAt: '2026-03-02T10:00:00.000Z',
    updatedAt: '2026-03-02T10:00:00.000Z',
    replayedAt: null,
  };
}

export const ctx = (job: Job) => ({ job, log: silentLogger });

export interface Sent {
  method: string;
  url: URL;
  headers: Headers;
  /** JSON parsed, a form as an object, else the text. */
  body: unknown;
}

/**
 * msw inside workerd, failing on any request no handler expects, recording each request in the
 * order it left (synchronously at its start, so a late body read cannot reorder or leak it).
 */
export function recordingServer() {
  const server = setupServer();
  let pending: Promise<Sent>[] = [];
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
    /** Every request sent since the last reset. */
    sent: () => Promise.all(pending),
    reset() {
      pending = [];
      server.resetHandlers();
    },
    close: () => server.close(),
  };
}
