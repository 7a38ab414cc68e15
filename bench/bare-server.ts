// The reference: a bare Hono endpoint on the same machine that parses the JSON and answers 202.
// With SPIN_US set, it also busy-waits that many microseconds per request: a server as slow as
// the hub but with none of its batching, fsyncs or background work, to show what p99 a given
// throughput alone costs under this closed-loop load.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const spinMs = Number(process.env.SPIN_US ?? 0) / 1000;
const app = new Hono();
app.post('/webhooks/generic', async (c) => {
  const body = await c.req.json<{ response_id: string }>();
  if (spinMs > 0) for (const end = performance.now() + spinMs; performance.now() < end; );
  return c.json({ id: body.response_id, duplicate: false }, 202);
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, () => console.log('ready'));
