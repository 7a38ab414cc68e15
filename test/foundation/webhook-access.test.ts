import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestHub, postWebhook } from '../support/hub.js';

const encoder = new TextEncoder();
/** A small Typeform `form_response` body (the shared fixtures live outside the repository). */
const typeformBody = (token: string) =>
  encoder.encode(JSON.stringify({ event_id: `ev-${token}`, event_type: 'form_response', form_response: { form_id: 'f1', token, submitted_at: '2026-10-13T10:00:00Z', answers: [{ type: 'number', number: 4, field: { type: 'nps', ref: 'nps' } }] } }));
const delightedBody = encoder.encode(JSON.stringify({ event_type: 'survey_response.created', event_data: { id: 'd-1', score: 8, person: { email: 'ana@example.com' } } }));

/** A connector with credentials: actions would leave the machine. */
const LIVE = { ZENDESK_EMAIL: 'agent@example.com', ZENDESK_API_TOKEN: 'zd-token-123', ZENDESK_BASE_URL: 'https://zendesk.test' };
/** The policy as an operator gets it: nothing allowed unsigned (the test helper allows all by default). */
const STRICT = { CLOSELOOP_ALLOW_UNSIGNED: undefined };
const typeformSignature = (body: Uint8Array, secret: string) => ({ 'Typeform-Signature': `sha256=${createHmac('sha256', secret).update(body).digest('base64')}` });
const generic = { response_id: 'r-1', score: 3, email: 'ana@example.com' };

describe('webhooks: unsigned requests and enabled sources', () => {
  let hub: ReturnType<typeof makeTestHub>;
  afterEach(async () => hub?.cleanup());

  it('sandbox quickstart: with no connector credentials, a source without a secret takes unsigned webhooks', async () => {
    hub = makeTestHub({ env: STRICT });
    expect((await postWebhook(hub, 'generic', generic)).status).toBe(202);
  });

  it('once a connector has credentials, a source without its secret answers 401 naming the variable, and stores nothing', async () => {
    hub = makeTestHub({ env: { ...LIVE, ...STRICT } });
    const typeform = typeformBody('t-1');
    const res = await postWebhook(hub, 'typeform', typeform);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string; issues: unknown[] } };
    expect(body.error.code).toBe('unsigned_refused');
    expect(body.error.message).toContain('Set TYPEFORM_WEBHOOK_SECRET');
    expect(body.error.message).toContain('CLOSELOOP_ALLOW_UNSIGNED=typeform');
    expect(body.error.issues).toEqual([{ field: 'TYPEFORM_WEBHOOK_SECRET', message: 'is not set: unsigned webhooks are refused while connectors have credentials' }]);
    expect((await postWebhook(hub, 'generic', generic)).status).toBe(401);
    expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
  });

  it('with its secret set, the source verifies as before; CLOSELOOP_ALLOW_UNSIGNED opts named sources in, and only them', async () => {
    hub = makeTestHub({ env: { ...LIVE, TYPEFORM_WEBHOOK_SECRET: 'typeform-secret-1', CLOSELOOP_ALLOW_UNSIGNED: 'generic' } });
    const typeform = typeformBody('t-1');
    expect((await postWebhook(hub, 'typeform', typeform)).status).toBe(401);
    expect((await postWebhook(hub, 'typeform', typeform, typeformSignature(typeform, 'typeform-secret-1'))).status).toBe(202);
    expect((await postWebhook(hub, 'generic', generic)).status).toBe(202);
    const delighted = await postWebhook(hub, 'delighted', delightedBody);
    expect(delighted.status).toBe(401);
    expect(((await delighted.json()) as { error: { issues: { field: string }[] } }).error.issues[0]!.field).toBe('DELIGHTED_WEBHOOK_SECRET');
  });

  it('CLOSELOOP_SOURCES: only the named sources take webhooks; the others answer 404 (POST and HEAD)', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_SOURCES: 'typeform,delighted' } });
    const res = await postWebhook(hub, 'generic', generic);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'unknown_source', message: 'Source "generic" is not enabled (CLOSELOOP_SOURCES); enabled: typeform, delighted', issues: [{ field: 'source', message: 'is not enabled' }] },
    });
    expect((await hub.app.request('/webhooks/generic', { method: 'HEAD' })).status).toBe(404);
    expect((await hub.app.request('/webhooks/typeform', { method: 'HEAD' })).status).toBe(200);
    expect((await postWebhook(hub, 'typeform', typeformBody('t-2'))).status).toBe(202);
    expect(await hub.store.listResponses({ limit: 10 })).toHaveLength(1);
  });
});
