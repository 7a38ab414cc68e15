import { describe, expect, it } from 'vitest';
import { sampleWebhook } from '../../src/sources/sample.js';
import { typeform } from '../../src/sources/typeform.js';
import typeformExample from '../../samples/typeform.json' with { type: 'json' };
import { ADMIN_TOKEN, testWorker } from './support.js';

const SECRET = 'typeform-secret-for-workers';
const SETTINGS = { CLOSELOOP_ADMIN_TOKEN: ADMIN_TOKEN, TYPEFORM_WEBHOOK_SECRET: SECRET };

async function signedTypeform(id: string, score = '3') {
  return sampleWebhook(typeform, { example: typeformExample, values: { id, score, comment: 'Exports are too slow', email: 'ana@example.com' }, secret: SECRET, baseUrl: 'https://closeloop.test', env: {}, now: new Date() });
}

describe('webhooks on the Worker (D1)', () => {
  it('a signed Typeform webhook is stored in D1, its plan job written and sent; a resend is a duplicate that sends nothing', async () => {
    const worker = testWorker(SETTINGS);
    const hook = await signedTypeform('tf-workers-1');
    const post = () => worker.fetch(new URL(hook.url).pathname, { method: 'POST', headers: hook.headers, body: hook.body });

    const first = await post();
    expect(first.status).toBe(202);
    const { id, duplicate } = (await first.json()) as { id: string; duplicate: boolean };
    expect(duplicate).toBe(false);
    const planJob = (await worker.jobsOf(id)).find((j) => j.type === 'plan')!;
    expect(planJob).toMatchObject({ key: `plan:${id}`, status: 'queued' });
    expect(worker.queue.take()).toEqual([{ body: { jobId: planJob.id }, delaySeconds: 0 }]);

    const again = await post();
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ id, duplicate: true });
    expect(worker.queue.take()).toEqual([]);

    // The admin API reads what D1 holds: the response as Typeform sent it, parsed.
    const res = await worker.admin(`/api/responses/${id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { response: Record<string, unknown>; jobs: unknown[] };
    expect(body.response).toMatchObject({ id, source: 'typeform', sourceResponseId: 'tf-workers-1', score: 3, category: 'detractor', comment: 'Exports are too slow', respondent: { email: 'ana@example.com' } });
    expect(body.jobs).toHaveLength(1);
    const raw = await worker.admin(`/api/responses?source=typeform&limit=10`);
    expect(((await raw.json()) as { responses: { id: string }[] }).responses.map((r) => r.id)).toContain(id);
  });

  it('a wrong signature is refused with 401 and nothing is stored or sent', async () => {
    const worker = testWorker(SETTINGS);
    const hook = await signedTypeform('tf-workers-bad');
    const res = await worker.fetch('/webhooks/typeform', { method: 'POST', headers: { ...hook.headers, 'typeform-signature': 'sha256=AAAA' }, body: hook.body });
    expect(res.status).toBe(401);
    expect(worker.queue.take()).toEqual([]);
    const list = await worker.admin('/api/responses?source=typeform&limit=100');
    expect(((await list.json()) as { responses: { sourceResponseId: string }[] }).responses.map((r) => r.sourceResponseId)).not.toContain('tf-workers-bad');
  });

  it('the admin API wants the token, and without CLOSELOOP_ADMIN_TOKEN it is off (503), never open', async () => {
    const worker = testWorker(SETTINGS);
    expect((await worker.fetch('/api/responses')).status).toBe(401);
    expect((await worker.fetch('/api/responses', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await worker.admin('/api/responses')).status).toBe(200);

    const open = testWorker({ TYPEFORM_WEBHOOK_SECRET: SECRET });
    const refused = await open.fetch('/api/responses');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'admin_token_missing', issues: [{ field: 'CLOSELOOP_ADMIN_TOKEN', message: 'is not set' }] } });
    expect((await open.fetch('/api/responses', { headers: { authorization: 'Bearer anything-at-all-0123' } })).status).toBe(503);
    // Webhooks and health are served all the same.
    expect((await open.fetch('/healthz')).status).toBe(200);
  });

  it('a body over the Workers limit (512 KiB: D1 rows hold 2 MB) is a 413; a higher CLOSELOOP_BODY_LIMIT is refused as invalid', async () => {
    const worker = testWorker({ CLOSELOOP_ADMIN_TOKEN: ADMIN_TOKEN, CLOSELOOP_ALLOW_UNSIGNED: 'generic' });
    const big = JSON.stringify({ response_id: 'big-1', score: 3, comment: 'x'.repeat(600 * 1024) });
    const res = await worker.fetch('/webhooks/generic', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'body_too_large', issues: [{ field: '(body)', message: 'larger than 524288 bytes' }] } });

    const tooHigh = testWorker({ CLOSELOOP_ADMIN_TOKEN: ADMIN_TOKEN, CLOSELOOP_BODY_LIMIT: String(4 * 1024 * 1024) });
    const refused = await tooHigh.fetch('/healthz');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_config', issues: [{ field: 'CLOSELOOP_BODY_LIMIT' }] } });
  });
});
