import { serve } from '@hono/node-server';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/runtime/node/logger.js';
import { makeTestHub } from '../support/hub.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => cleanup?.());

it('a client that disconnects mid-body is logged once, at debug, without a stack; nothing is stored', async () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const hub = makeTestHub({ log: createLogger({ level: 'debug', destination }) });
  const server = serve({ fetch: hub.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  cleanup = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await hub.cleanup();
  };
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  socket.write('POST /webhooks/generic HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"response_id":"r-1",');
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
  const deadline = Date.now() + 5_000;
  while (!lines.some((l) => /disconnect|request failed/.test(String(l.msg))) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 200));

  const aboutIt = lines.filter((l) => l.path === '/webhooks/generic');
  expect(aboutIt).toHaveLength(1);
  expect(aboutIt[0]).toMatchObject({ level: 20, msg: 'client disconnected before the request was read' });
  expect(JSON.stringify(aboutIt[0])).not.toContain('stack');
  expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
  expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
});
