import { afterEach, describe, expect, it } from 'vitest';
import { makeTestHub } from '../support/hub.js';

/** The webhook path checks a declared Content-Length from the header alone (no stream per request). */
describe('webhook body size by Content-Length', () => {
  let hub: ReturnType<typeof makeTestHub>;
  afterEach(async () => hub?.cleanup());
  const post = (body: string, length: string) =>
    hub.app.request('/webhooks/generic', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': length }, body });

  it('accepts a body whose declared length is within the limit', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_BODY_LIMIT: '2048' } });
    const body = JSON.stringify({ response_id: 'len-1', score: 9 });
    const res = await post(body, String(Buffer.byteLength(body)));
    expect(res.status).toBe(202);
    expect((await hub.store.listResponses({ limit: 5 })).map((r) => r.sourceResponseId)).toEqual(['len-1']);
  });

  it('answers 413 from the declared length alone, and stores nothing', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_BODY_LIMIT: '2048' } });
    const body = JSON.stringify({ response_id: 'len-2', score: 9, comment: 'x'.repeat(3000) });
    const res = await post(body, String(Buffer.byteLength(body)));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'body_too_large', message: 'Body exceeds 2048 bytes', issues: [{ field: '(body)', message: 'larger than 2048 bytes' }] } });
    expect(await hub.store.listResponses({ limit: 5 })).toEqual([]);
    // The header alone decides: a small body declared larger than the limit is refused unread.
    const small = JSON.stringify({ response_id: 'len-3', score: 9 });
    expect((await post(small, '4096')).status).toBe(413);
    expect(await hub.store.listResponses({ limit: 5 })).toEqual([]);
  });

  it('answers 400 naming content-length when it is not a number', async () => {
    hub = makeTestHub();
    const res = await post('{}', '12abc');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { issues: { field: string }[] } }).error.issues[0]!.field).toBe('content-length');
  });
});
