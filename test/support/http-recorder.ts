import { setupServer } from 'msw/node';
import type { RequestHandler } from 'msw';

/** One request as it left the process: what a test asserts on. */
export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  /** Parsed JSON when the body is JSON, URLSearchParams-as-object for forms, else text. */
  body: unknown;
}

/**
 * msw server that fails the test on any request no handler expects (nothing reaches the
 * network) and records every request the real SDKs send.
 */
export function recordingServer(...handlers: RequestHandler[]) {
  const requests: RecordedRequest[] = [];
  const server = setupServer(...handlers);
  server.events.on('request:start', async ({ request }) => {
    const clone = request.clone();
    const text = await clone.text();
    const type = request.headers.get('content-type') ?? '';
    let body: unknown = text;
    if (type.includes('json') && text) body = JSON.parse(text);
    else if (type.includes('x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(text));
    requests.push({ method: request.method, url: new URL(request.url), headers: request.headers, body });
  });
  return {
    server,
    requests,
    listen() {
      server.listen({ onUnhandledRequest: 'error' });
    },
    reset() {
      requests.length = 0;
      server.resetHandlers();
    },
    close() {
      server.close();
    },
  };
}
