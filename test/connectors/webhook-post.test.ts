import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lookup } from 'node:dns';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressPolicy } from '../../connectors/webhook/address-policy.js';
import { createWebhookClient } from '../../connectors/webhook/client.js';
import { webhookPost, WebhookPostParams } from '../../connectors/webhook/post.js';
import { silentLogger } from '../../src/core/logger.js';
import { emptyEnrichment, type Enricher } from '../../src/core/account.js';
import type { Job } from '../../src/core/job.js';
import { loadHubConfig } from '../../src/runtime/node/hub.js';
import { publicFetch } from '../../src/runtime/node/public-fetch.js';
import { actionHub, T0 } from './action-hub.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver on a loopback address: records every request and answers with the next scripted reply. */
async function receiver(host: string, replies: ((req: Received) => { status: number; headers?: Record<string, string> })[] = []) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, body };
      received.push(r);
      const reply = (replies.shift() ?? (() => ({ status: 200 })))(r) as { status: number; headers?: Record<string, string> };
      res.writeHead(reply.status, reply.headers).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { url: `http://${host}:${port}`, port, received };
}
const servers: Server[] = [];
const hubs: { cleanup(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.cleanup()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** The account a CRM would have returned for every respondent. */
const acme: Enricher = {
  async enrich(email) {
    const e = emptyEnrichment();
    return { ...e, account: { ...e.account, name: 'Acme', plan: 'enterprise', arr: 120000 }, contact: { ...e.contact, email } };
  },
};

function hubFor(url: string, env: Record<string, string> = {}) {
  const hub = actionHub({ action: 'webhook.post', params: { url, type: 'nps.detractor', fields: { team: 'cx-{{ account.plan | default: "none" }}' } }, // A real socket on a busy machine: more than the action hub's 300 ms.
    env: { CLOSELOOP_WEBHOOK_SECRET: SECRET, CLOSELOOP_HTTP_TIMEOUT_MS: '10000', ...env },
    enricher: acme,
  });
  hubs.push(hub);
  return hub;
}

describe('address policy', () => {
  const policy = AddressPolicy.parse('');
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['192.168.0.10', 'a private address'],
    ['172.16.5.4', 'a private address'],
    ['169.254.169.254', 'a linkLocal address'],
    ['0.0.0.0', 'a unspecified address'],
    ['100.64.0.1', 'a carrierGradeNat address'],
    ['::1', 'a loopback address'],
    ['fe80::1', 'a linkLocal address'],
    ['fd00::1', 'a uniqueLocal address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
  ])('refuses %s (%s)', (address, why) => {
    expect(policy.refusal(address)).toBe(why);
  });
  it.each(['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888'])('lets the public address %s through', (address) => {
    expect(policy.refusal(address)).toBeNull();
  });
  it('lets through what the operator allows, by address or range, and nothing else', () => {
    const allow = AddressPolicy.parse('10.0.0.0/8, 127.0.0.2,fd00::/8');
    expect([allow.refusal('10.9.9.9'), allow.refusal('127.0.0.2'), allow.refusal('fd00::5')]).toEqual([null, null, null]);
    expect(allow.refusal('127.0.0.1')).toBe('a loopback address');
    expect(allow.refusal('192.168.1.1')).toBe('a private address');
  });
  it('names an entry that is not an address', () => {
    expect(() => AddressPolicy.parse('10.0.0.0/8,intranet')).toThrow('"intranet" is not an IP address or CIDR range');
  });
});

describe('webhook.post', () => {
  it('POSTs the response, its account and the fields, signed so that a Standard Webhooks receiver verifies it', async () => {
    const target = await receiver('127.0.0.1');
    const hub = hubFor(`${target.url}/hooks/nps?x=1`, { CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES: '127.0.0.1' });
    const job = await hub.respond({ response_id: 'r-77', score: 2, comment: 'Billing is confusing', email: 'ana@example.com' });
    expect(job.lastError).toBeNull();
    expect(job.status).toBe('succeeded');
    expect(target.received).toHaveLength(1);
    const [req] = target.received;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/hooks/nps?x=1');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['webhook-id']).toBe(job.key);
    // The receiver's own check, by the standardwebhooks library: signature and timestamp.
    const verified = new Webhook(SECRET).verify(req!.body, req!.headers as Record<string, string>);
    const body = JSON.parse(req!.body);
    expect(verified).toEqual(body);
    expect(body).toEqual({
      type: 'nps.detractor',
      timestamp: T0.toISOString(),
      data: {
        response: expect.objectContaining({ id: job.responseId, source: 'generic', sourceResponseId: 'r-77', score: 2, category: 'detractor', comment: 'Billing is confusing', respondent: expect.objectContaining({ email: 'ana@example.com' }) }),
        account: expect.objectContaining({ name: 'Acme', plan: 'enterprise', arr: 120000 }),
        contact: expect.objectContaining({ email: 'ana@example.com' }),
        fields: { team: 'cx-enterprise' },
      },
    });
    expect(job.result).toEqual({ remoteId: job.key, status: 200 });
  });

  it('retries a 503 after its Retry-After with the same webhook-id and body, and a signature made anew', async () => {
    const target = await receiver('127.0.0.1', [() => ({ status: 503, headers: { 'retry-after': '120' } })]);
    const hub = hubFor(`${target.url}/in`, { CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES: '127.0.0.0/8' });
    let job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toMatch(/answered HTTP 503/);
    expect(Date.parse(job.runAt) - T0.getTime()).toBeGreaterThanOrEqual(120_000);
    job = await hub.later(119_000, job);
    expect(target.received).toHaveLength(1);
    job = await hub.later(2_000 + 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(target.received).toHaveLength(2);
    const [first, second] = target.received;
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    expect(() => new Webhook(SECRET).verify(second!.body, second!.headers as Record<string, string>)).not.toThrow();
  });

  it('dead-letters a 4xx answer at once', async () => {
    const target = await receiver('127.0.0.1', [() => ({ status: 410 })]);
    const hub = hubFor(`${target.url}/gone`, { CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES: '127.0.0.1' });
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toBe(`webhook to 127.0.0.1:${target.port} answered HTTP 410: {}`);
  });

  it.each([
    ['a loopback address', (port: number) => `http://127.0.0.1:${port}/x`, '127.0.0.1 is a loopback address'],
    ['an IPv4-mapped loopback address', (port: number) => `http://[::ffff:127.0.0.1]:${port}/x`, '[::ffff:7f00:1] is a loopback address'],
    ['localhost', (port: number) => `http://localhost:${port}/x`, 'localhost is a loopback address'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a linkLocal address'],
  ])('refuses %s unless allowed, and nothing is sent', async (_name, url, why) => {
    const target = await receiver('127.0.0.1');
    const hub = hubFor(url(target.port));
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toContain(`refused: ${why}`);
    expect(target.received).toHaveLength(0);
  });

  it('refuses a redirect to a loopback address from an allowed one, and does not follow it', async () => {
    const inner = await receiver('127.0.0.1');
    const outer = await receiver('127.0.0.2', [() => ({ status: 307, headers: { location: `${inner.url}/admin` } })]);
    const hub = hubFor(`${outer.url}/start`, { CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES: '127.0.0.2' });
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toContain('refused: 127.0.0.1 is a loopback address');
    expect(outer.received).toHaveLength(1);
    expect(inner.received).toHaveLength(0);
  });

  it('follows a redirect between allowed addresses with the same body and headers', async () => {
    const inner = await receiver('127.0.0.1');
    const outer = await receiver('127.0.0.2', [() => ({ status: 308, headers: { location: `${inner.url}/moved` } })]);
    const hub = hubFor(`${outer.url}/start`, { CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES: '127.0.0.1,127.0.0.2' });
    const job = await hub.respond();
    expect(job.status).toBe('succeeded');
    expect(inner.received.map((r) => [r.url, r.body, r.headers['webhook-id']])).toEqual([['/moved', outer.received[0]!.body, job.key]]);
  });

  it('runs in sandbox mode without a secret: planned and shown, nothing sent', async () => {
    const target = await receiver('127.0.0.1');
    const hub = actionHub({ action: 'webhook.post', params: { url: `${target.url}/x` }, env: {} });
    hubs.push(hub);
    const job = await hub.respond({ score: 10 });
    expect(job.status).toBe('sandboxed');
    expect(job.result).toMatchObject({ sandbox: true });
    expect(target.received).toHaveLength(0);
  });
});

describe('the connection check after DNS (a name that resolves to 127.0.0.1)', () => {
  // The resolver stands in for DNS; undici connects to whatever address it returns, if allowed.
  const resolver = {
    lookup: ((hostname: string, options: object, callback: (...args: unknown[]) => void) =>
      hostname === 'hooks.example.test' ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : lookup(hostname, options, callback as never)) as typeof lookup,
  };
  const job = { key: 'resp-1:recipe:hook', createdAt: T0.toISOString() } as Job;
  const params = (url: string) => WebhookPostParams.parse({ url, data: { response: { id: 'resp-1' } } });
  const client = (allow = '') =>
    createWebhookClient({ CLOSELOOP_WEBHOOK_SECRET: SECRET, CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES: allow }, { publicFetch: (refusal) => publicFetch(refusal, resolver) });

  it('refuses the name when it resolves to a loopback address, before any byte is sent', async () => {
    const target = await receiver('127.0.0.1');
    const run = webhookPost.run(client(), params(`http://hooks.example.test:${target.port}/x`), { job, log: silentLogger });
    await expect(run).rejects.toMatchObject({ cause: { name: 'RefusedAddressError', address: '127.0.0.1' } });
    const { webhook } = await import('../../connectors/webhook/index.js');
    const classified = await run.catch((e: unknown) => webhook.classify(e));
    expect(classified).toMatchObject({ retryable: false, message: 'webhook refused: hooks.example.test resolves to 127.0.0.1, a loopback address (CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES allows it)' });
    expect(target.received).toHaveLength(0);
  });

  it('connects to the address the check saw when it is allowed', async () => {
    const target = await receiver('127.0.0.1');
    const result = await webhookPost.run(client('127.0.0.1'), params(`http://hooks.example.test:${target.port}/x`), { job, log: silentLogger });
    expect(result).toEqual({ remoteId: job.key, status: 200 });
    expect(target.received.map((r) => r.headers.host)).toEqual([`hooks.example.test:${target.port}`]);
  });
});

describe('settings', () => {
  it.each([
    [{ CLOSELOOP_WEBHOOK_SECRET: 'whsec_!!!' }, 'CLOSELOOP_WEBHOOK_SECRET must be whsec_ followed by base64'],
    [{ CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES: '10.0.0.0/8,intranet' }, 'CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES "intranet" is not an IP address or CIDR range'],
  ])('a hub with %j refuses to start, naming the variable', (env, message) => {
    expect(() => loadHubConfig(env)).toThrow(message);
  });
});
