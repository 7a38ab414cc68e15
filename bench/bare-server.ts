// The reference: a bare Hono endpoint on the same machine that parses the JSON and answers 202.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/webhooks/generic', async (c) => {
  const body = await c.req.json<{ response_id: string }>();
  return c.json({ id: body.response_id, duplicate: false }, 202);
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, () => console.log('ready'));
