import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { makeTestHub, postWebhook } from '../support/hub.js';

type ErrorBody = { error: { code: string; message: string; issues: { field: string; message: string }[] } };
type Hub = ReturnType<typeof makeTestHub>;

const SECRET = 'whsec_' + Buffer.from('closeloop-test-signing-key-0123456789').toString('base64');
const OTHER_SECRET = 'whsec_' + Buffer.from('someone-elses-signing-key-9876543210').toString('base64');

/** Standard Webhooks headers for this body, signed by the library itself. */
function signed(body: string, options: { secret?: string; id?: string; at?: Date } = {}) {
  const id = options.id ?? 'msg_2a8d1f';
  const at = options.at ?? new Date();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(options.secret ?? SECRET).sign(id, at, body),
  };
}

const BODY = JSON.stringify({ response_id: 'r-signed', score: 3, comment: 'Slow', email: 'ana@example.com' });

async function expectRejected(hub: Hub, res: Response, message: string) {
  expect(res.status).toBe(401);
  const body = (await res.json()) as ErrorBody;
  expect(body.error.code).toBe('invalid_signature');
  expect(body.error.issues).toEqual([{ field: 'webhook-signature', message }]);
  expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
  expect(await hub.store.listJobs({ limit: 10 })).toEqual([]);
}

describe('Standard Webhooks signatures on /webhooks/generic (GENERIC_WEBHOOK_SECRET set)', () => {
  let hub: Hub;
  afterEach(async () => hub?.cleanup());

  it('accepts a valid signature and stores the response', async () => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: SECRET } });
    const res = await postWebhook(hub, 'generic', BODY, signed(BODY));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await hub.store.getResponse(id)).toMatchObject({ sourceResponseId: 'r-signed', score: 3 });
    expect(await hub.store.getRawBody(id)).toEqual({ body: BODY, contentType: 'application/json' });
  });

  it('accepts when one of several signatures matches (secret rotation)', async () => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: SECRET } });
    const good = signed(BODY);
    const old = signed(BODY, { secret: OTHER_SECRET });
    const res = await postWebhook(hub, 'generic', BODY, { ...good, 'webhook-signature': `${old['webhook-signature']} ${good['webhook-signature']}` });
    expect(res.status).toBe(202);
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('rejects a request missing %s', async (header) => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: SECRET } });
    const headers: Record<string, string> = signed(BODY);
    delete headers[header];
    await expectRejected(hub, await postWebhook(hub, 'generic', BODY, headers), 'Missing required headers');
  });

  it('rejects an unsigned request', async () => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: SECRET } });
    await expectRejected(hub, await postWebhook(hub, 'generic', BODY), 'Missing required headers');
  });

  it('rejects a signature made with another secret', async () => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: SECRET } });
    await expectRejected(hub, await postWebhook(hub, 'generic', BODY, signed(BODY, { secret: OTHER_SECRET })), 'No matching signature found');
  });

  it('rejects a body with one byte flipped after signing', async () => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: SECRET } });
    const headers = signed(BODY);
    const tampered = BODY.replace('"score":3', '"score":9');
    expect(tampered.length).toBe(BODY.length);
    await expectRejected(hub, await postWebhook(hub, 'generic', tampered, headers), 'No matching signature found');
  });

  it('rejects a signature whose webhook-id was changed', async () => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: SECRET } });
    const headers = { ...signed(BODY), 'webhook-id': 'msg_other' };
    await expectRejected(hub, await postWebhook(hub, 'generic', BODY, headers), 'No matching signature found');
  });

  it('rejects a timestamp more than 5 minutes old, and one more than 5 minutes ahead', async () => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: SECRET } });
    const stale = signed(BODY, { at: new Date(Date.now() - 6 * 60_000) });
    await expectRejected(hub, await postWebhook(hub, 'generic', BODY, stale), 'Message timestamp too old');
    const future = signed(BODY, { at: new Date(Date.now() + 6 * 60_000) });
    await expectRejected(hub, await postWebhook(hub, 'generic', BODY, future), 'Message timestamp too new');
  });

  it('accepts a timestamp 4 minutes old (inside the tolerance)', async () => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: SECRET } });
    const res = await postWebhook(hub, 'generic', BODY, signed(BODY, { at: new Date(Date.now() - 4 * 60_000) }));
    expect(res.status).toBe(202);
  });

  it('a correctly signed body that is not JSON gets 400 invalid_json, not a 5xx', async () => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: SECRET } });
    const text = '{"response_id": "r-1", ';
    const res = await postWebhook(hub, 'generic', text, signed(text));
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.code).toBe('invalid_json');
    expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
  });

  it('without GENERIC_WEBHOOK_SECRET, unsigned requests are accepted', async () => {
    hub = makeTestHub();
    expect((await postWebhook(hub, 'generic', BODY)).status).toBe(202);
  });
});
