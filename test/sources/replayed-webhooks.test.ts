import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { versionVerdict } from '../../src/store/replay-guard.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

const GENERIC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const DELIGHTED_SECRET = 'delighted-secret-123';

let hub: ReturnType<typeof makeTestHub>;
afterEach(async () => hub?.cleanup());

/** A Standard Webhooks delivery of `body`, signed now: what an attacker who saw it can send again as is. */
function signedGeneric(id: string, body: object) {
  const payload = JSON.stringify(body);
  const at = new Date();
  const signature = new Webhook(GENERIC_SECRET).sign(id, at, payload);
  return { payload, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature } };
}

function signedDelighted(event: 'created' | 'updated', updatedAt: number, comment: string | null) {
  const payload = JSON.stringify({
    event_type: `survey_response.${event}`,
    event_id: `${event}-${updatedAt}`,
    event_data: { id: 'd-77', survey_type: 'nps', score: 2, comment, created_at: 1791800000, updated_at: updatedAt, person: { id: 9, email: 'ana@example.com', name: 'Ana' } },
  });
  return { payload, headers: { 'X-Delighted-Webhook-Signature': `sha256=${createHmac('sha256', DELIGHTED_SECRET).update(payload).digest('hex')}` } };
}

async function send(source: string, delivery: { payload: string; headers: Record<string, string> }) {
  const res = await postWebhook(hub, source, delivery.payload, delivery.headers);
  return { status: res.status, json: (await res.json()) as any };
}
const keys = async (id: string) => (await hub.store.listJobs({ responseId: id, limit: 100 })).map((j) => j.key.replace(`${id}:`, '').replace(`:${id}`, '')).sort();

describe('replayed and out-of-order webhooks never roll a response back', () => {
  it('a signed request sent again after a newer version is refused (200, nothing stored, no "score changed" follow-up)', async () => {
    hub = makeTestHub({ env: { GENERIC_WEBHOOK_SECRET: GENERIC_SECRET } });
    const first = signedGeneric('msg_1', { response_id: 'r-9', score: 8, comment: 'Decent', email: 'ana@example.com' });
    const v1 = await send('generic', first);
    expect(v1.status).toBe(202);
    const id = v1.json.id as string;
    await hub.loop.drain();
    const second = signedGeneric('msg_2', { response_id: 'r-9', score: 3, comment: 'Decent', email: 'ana@example.com' });
    expect((await send('generic', second)).json).toEqual({ id, duplicate: false, updated: true });
    await hub.loop.drain();
    const before = await keys(id);

    // The first delivery, captured and sent again within the signature's tolerance.
    const replay = await send('generic', first);
    expect(replay).toEqual({ status: 200, json: { id, ignored: true, reason: 'the body of version 1 was sent again after version 2: a replay, not an update' } });
    await hub.loop.drain();
    expect(await hub.store.getResponse(id)).toMatchObject({ version: 2, score: 3 });
    expect(JSON.parse((await hub.store.getRawBody(id))!.body).score).toBe(3);
    expect(await keys(id)).toEqual(before);
    // The current version sent again is still a plain duplicate.
    expect((await send('generic', second)).json).toEqual({ id, duplicate: true });
  });

  it('an older Delighted event delivered after a newer one is refused by its updated_at; a newer one still updates', async () => {
    hub = makeTestHub({ env: { DELIGHTED_WEBHOOK_SECRET: DELIGHTED_SECRET } });
    const updated = await send('delighted', signedDelighted('updated', 1791800600, 'Too slow'));
    expect(updated.status).toBe(202);
    const id = updated.json.id as string;
    // `created`, signed by Delighted, arrives late (or is replayed): it must not erase the comment.
    const late = await send('delighted', signedDelighted('created', 1791800000, null));
    expect(late.status).toBe(200);
    expect(late.json).toMatchObject({ id, ignored: true, reason: expect.stringContaining('older than version 1') });
    expect(await hub.store.getResponse(id)).toMatchObject({ version: 1, comment: 'Too slow' });

    const newer = await send('delighted', signedDelighted('updated', 1791801200, 'Too slow, and support never answered'));
    expect(newer.json).toEqual({ id, duplicate: false, updated: true });
    expect(await hub.store.getResponse(id)).toMatchObject({ version: 2, comment: 'Too slow, and support never answered' });
  });

  it('AskNicely: a lower delivery `count` than stored is older', async () => {
    hub = makeTestHub();
    const body = (count: number, comment: string) => ({ count, person: { email: 'ana@example.com' }, question: { id: 'q-5', score: 7, comment } });
    const third = await postWebhook(hub, 'asknicely', body(3, 'third'));
    const id = ((await third.json()) as { id: string }).id;
    const second = await postWebhook(hub, 'asknicely', body(2, 'second'));
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ id, ignored: true });
    expect(await hub.store.getResponse(id)).toMatchObject({ version: 1, comment: 'third' });
  });

  it('the rule: duplicate, then replayed body, then older revision, else a new version', () => {
    const stored = { version: 3, digest: 'd3', revision: 300 };
    const verdict = (incoming: { digest?: string; revision?: number | null }, sameContent = false, earlier?: number) =>
      versionVerdict({ stored, incoming, sameContent, digestVersion: () => earlier }).kind;
    expect(verdict({ digest: 'd3' })).toBe('duplicate');
    expect(verdict({ digest: 'x', revision: 1 }, true)).toBe('duplicate');
    expect(verdict({ digest: 'd1', revision: 999 }, false, 1)).toBe('stale');
    expect(verdict({ digest: 'x', revision: 299 })).toBe('stale');
    expect(verdict({ digest: 'x', revision: 300 })).toBe('new-version');
    expect(verdict({ digest: 'x', revision: null })).toBe('new-version');
    expect(verdict({})).toBe('new-version');
  });
});
