import { afterEach, describe, expect, it } from 'vitest';
import { makeTestHub, postWebhook } from '../support/hub.js';

type ErrorBody = { error: { code: string; message: string; issues: { field: string; message: string }[] } };
type Hub = ReturnType<typeof makeTestHub>;

async function expectNothingStored(hub: Hub) {
  expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
  expect(await hub.store.listJobs({ limit: 10 })).toEqual([]);
}

/** Claim up to `limit` due jobs now, as the runner does (which first writes the plan jobs of unplanned responses). */
function claim(hub: Hub, limit: number) {
  return hub.store.claimJobs({ now: new Date().toISOString(), limit, leaseUntil: new Date(Date.now() + 30_000).toISOString() });
}

async function accepted(response: Response | Promise<Response>) {
  const res = await response;
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; duplicate: boolean };
}

describe('generic mapping', () => {
  let hub: Hub;
  afterEach(async () => hub?.cleanup());

  it('reads the default paths and keeps the raw body', async () => {
    hub = makeTestHub();
    const body = {
      response_id: 'r-1',
      survey_id: 'q3-relationship',
      score: 4,
      comment: 'Exports are slow',
      email: ' Ana.Lopez@Example.COM ',
      name: 'Ana López',
      answered_at: '2026-01-02T03:04:05Z',
    };
    const text = JSON.stringify(body);
    const { id, duplicate } = await accepted(await postWebhook(hub, 'generic', text));
    expect(duplicate).toBe(false);
    const stored = await hub.store.getResponse(id);
    expect(stored).toMatchObject({
      id,
      source: 'generic',
      sourceResponseId: 'r-1',
      surveyId: 'q3-relationship',
      metric: 'nps',
      score: 4,
      category: 'detractor',
      comment: 'Exports are slow',
      respondent: { email: 'ana.lopez@example.com', name: 'Ana López', externalId: null },
      answeredAt: '2026-01-02T03:04:05Z',
      version: 1,
    });
    expect(await hub.store.getRawBody(id)).toEqual({ body: text, contentType: 'application/json' });
    // The request wrote the response row alone; the runner's next claim writes its plan job,
    // due from the response's arrival.
    expect(await hub.store.listJobs({ responseId: id, limit: 10 })).toEqual([]);
    expect((await hub.store.queueStats(new Date().toISOString())).unplanned).toBe(1);
    const claimed = await claim(hub, 8);
    expect(claimed.map((j) => [j.type, j.key, j.responseId, j.runAt])).toEqual([['plan', `plan:${id}`, id, stored!.receivedAt]]);
    expect((await hub.store.queueStats(new Date().toISOString())).unplanned).toBe(0);
  });

  it('takes a numeric response id as text and an empty comment as none', async () => {
    hub = makeTestHub();
    const { id } = await accepted(await postWebhook(hub, 'generic', { response_id: 12345, score: 8, comment: '   ' }));
    expect(await hub.store.getResponse(id)).toMatchObject({ sourceResponseId: '12345', comment: null, category: 'passive' });
  });

  it('reads custom nested and array paths from GENERIC_FIELD_*', async () => {
    hub = makeTestHub({
      env: {
        GENERIC_FIELD_SCORE: 'data.nps',
        GENERIC_FIELD_COMMENT: 'data.answers[1].text',
        GENERIC_FIELD_EMAIL: 'data.person.email',
        GENERIC_FIELD_NAME: 'data.person.name',
        GENERIC_FIELD_RESPONSE_ID: 'meta.id',
        GENERIC_FIELD_SURVEY_ID: 'meta.survey',
        GENERIC_FIELD_ANSWERED_AT: 'meta.at',
      },
    });
    const body = {
      meta: { id: 'evt_9', survey: 's-7', at: '2026-03-04T05:06:07+02:00' },
      data: { nps: 10, answers: [{ text: 'first' }, { text: 'Love it' }], person: { email: 'BO@Example.org', name: 'Bo' } },
      // The default paths are ignored once custom ones are set.
      response_id: 'ignored',
      score: 0,
    };
    const { id } = await accepted(await postWebhook(hub, 'generic', body));
    expect(await hub.store.getResponse(id)).toMatchObject({
      sourceResponseId: 'evt_9',
      surveyId: 's-7',
      score: 10,
      category: 'promoter',
      comment: 'Love it',
      respondent: { email: 'bo@example.org', name: 'Bo' },
      answeredAt: '2026-03-04T05:06:07+02:00',
    });
  });

  it('reads own fields only: a path naming a prototype member finds nothing', async () => {
    hub = makeTestHub({ env: { GENERIC_FIELD_COMMENT: 'meta.toString', GENERIC_FIELD_NAME: 'tags.length', GENERIC_FIELD_SURVEY_ID: 'constructor.name' } });
    const { id } = await accepted(await postWebhook(hub, 'generic', { response_id: 'r-proto', score: 3, meta: {}, tags: ['a', 'b'] }));
    // An array's length is its own; Object.prototype.toString and constructor are not.
    expect(await hub.store.getResponse(id)).toMatchObject({ comment: null, surveyId: null, respondent: { name: '2' } });
  });

  it('names the configured path when the response id is missing (422), stores nothing', async () => {
    hub = makeTestHub({ env: { GENERIC_FIELD_RESPONSE_ID: 'meta.id' } });
    const res = await postWebhook(hub, 'generic', { response_id: 'r-1', score: 5 });
    expect(res.status).toBe(422);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('invalid_response');
    expect(body.error.issues).toEqual([{ field: 'meta.id', message: 'is required' }]);
    await expectNothingStored(hub);
  });

  it('names the default path when the response id is missing', async () => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'generic', { score: 5 });
    expect(res.status).toBe(422);
    expect(((await res.json()) as ErrorBody).error.issues).toEqual([{ field: 'response_id', message: 'is required' }]);
    await expectNothingStored(hub);
  });

  it('rejects a bad email with 422 naming `email` (the configured path when set)', async () => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'generic', { response_id: 'r-1', score: 5, email: 'not-an-email' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as ErrorBody).error.issues).toEqual([{ field: 'email', message: 'must be an email address' }]);
    await expectNothingStored(hub);
    await hub.cleanup();

    hub = makeTestHub({ env: { GENERIC_FIELD_EMAIL: 'contact.mail' } });
    const custom = await postWebhook(hub, 'generic', { response_id: 'r-1', score: 5, contact: { mail: 'a@b' } });
    expect(custom.status).toBe(422);
    expect(((await custom.json()) as ErrorBody).error.issues).toEqual([{ field: 'contact.mail', message: 'must be an email address' }]);
    await expectNothingStored(hub);
  });

  it('rejects an answered_at that is not an ISO date-time, naming it', async () => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'generic', { response_id: 'r-1', score: 5, answered_at: 'yesterday' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as ErrorBody).error.issues.map((i) => i.field)).toEqual(['answered_at']);
    await expectNothingStored(hub);
  });
});

describe('bad requests', () => {
  let hub: Hub;
  afterEach(async () => hub?.cleanup());

  it('invalid JSON → 400 invalid_json', async () => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'generic', '{"response_id": "r-1", ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('invalid_json');
    expect(body.error.issues).toEqual([{ field: '(body)', message: 'is not valid JSON' }]);
    await expectNothingStored(hub);
  });

  it.each(['[1,2]', '"text"', '42', 'null'])('JSON that is not an object (%s) → 422', async (text) => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'generic', text);
    expect(res.status).toBe(422);
    expect(((await res.json()) as ErrorBody).error.issues).toEqual([{ field: '(body)', message: 'must be a JSON object' }]);
    await expectNothingStored(hub);
  });

  it('invalid UTF-8 → 400 invalid_encoding', async () => {
    hub = makeTestHub();
    // {"response_id":"<0xff>","score":3}
    const bytes = new Uint8Array([...new TextEncoder().encode('{"response_id":"'), 0xff, ...new TextEncoder().encode('","score":3}')]);
    const res = await postWebhook(hub, 'generic', bytes);
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('invalid_encoding');
    expect(body.error.issues).toEqual([{ field: '(body)', message: 'is not valid UTF-8' }]);
    await expectNothingStored(hub);
  });

  it('a body over CLOSELOOP_BODY_LIMIT → 413, at the limit → 202', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_BODY_LIMIT: '1024' } });
    const over = JSON.stringify({ response_id: 'big', score: 5, comment: 'x'.repeat(1100) });
    const res = await postWebhook(hub, 'generic', over);
    expect(res.status).toBe(413);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('body_too_large');
    expect(body.error.issues).toEqual([{ field: '(body)', message: 'larger than 1024 bytes' }]);
    await expectNothingStored(hub);

    const prefix = JSON.stringify({ response_id: 'fits', score: 5, comment: '' });
    const exact = prefix.replace('"comment":""', `"comment":"${'y'.repeat(1024 - prefix.length)}"`);
    expect(new TextEncoder().encode(exact).length).toBe(1024);
    expect((await postWebhook(hub, 'generic', exact)).status).toBe(202);
  });

  it('unknown source → 404 naming `source`', async () => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'surveytool9000', { response_id: 'r-1', score: 5 });
    expect(res.status).toBe(404);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('unknown_source');
    expect(body.error.issues).toEqual([{ field: 'source', message: 'is not a known survey source' }]);
    await expectNothingStored(hub);
  });

  it('HEAD /webhooks/generic → 200 (URL probes), HEAD of an unknown source → 404', async () => {
    hub = makeTestHub();
    const res = await hub.app.request('/webhooks/generic', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect((await hub.app.request('/webhooks/nope', { method: 'HEAD' })).status).toBe(404);
    await expectNothingStored(hub);
  });
});

describe('dedupe and group commit', () => {
  let hub: Hub;
  afterEach(async () => hub?.cleanup());

  it('the same (source, response id) again → duplicate: true, same id, no new jobs', async () => {
    hub = makeTestHub();
    const body = { response_id: 'r-dup', score: 2, comment: 'Bad', email: 'x@example.com' };
    const first = await accepted(await postWebhook(hub, 'generic', body));
    expect(first.duplicate).toBe(false);
    await hub.loop.drain();
    const jobsBefore = await hub.store.listJobs({ limit: 100 });
    expect(jobsBefore.length).toBe(4); // plan + ticket + alert + verbatim

    // An identical resend is a duplicate (a changed one is a new version: test/sources/updates.test.ts).
    const again = await accepted(await postWebhook(hub, 'generic', body));
    expect(again).toEqual({ id: first.id, duplicate: true });
    await hub.loop.drain();
    expect(await hub.store.listJobs({ limit: 100 })).toEqual(jobsBefore);
    expect(await hub.store.getResponse(first.id)).toMatchObject({ score: 2 });
    expect((await hub.store.listResponses({ limit: 10 })).length).toBe(1);
  });

  it('20 concurrent posts of the same id → exactly one is new, all share its id', async () => {
    hub = makeTestHub();
    const body = { response_id: 'r-race', score: 7 };
    const results = await Promise.all(Array.from({ length: 20 }, () => accepted(postWebhook(hub, 'generic', body))));
    expect(results.filter((r) => !r.duplicate).length).toBe(1);
    const id = results.find((r) => !r.duplicate)!.id;
    expect(new Set(results.map((r) => r.id))).toEqual(new Set([id]));
    expect((await hub.store.listResponses({ limit: 100 })).map((r) => r.id)).toEqual([id]);
    await claim(hub, 100);
    expect((await hub.store.listJobs({ limit: 100 })).map((j) => j.key)).toEqual([`plan:${id}`]);
  });

  it('the same response id from another source is another response', async () => {
    hub = makeTestHub();
    const generic = await accepted(await postWebhook(hub, 'generic', { response_id: 'shared', score: 5 }));
    // Write through the store as another source would: dedupe is per (source, id).
    const parsed = (await hub.store.getResponse(generic.id))!;
    const { id: _id, receivedAt: _r, version: _v, ...response } = parsed;
    const other = await hub.store.ingest({ response: { ...response, source: 'other' }, rawBody: '{}', contentType: 'application/json' });
    expect(other.duplicate).toBe(false);
    expect(other.id).not.toBe(generic.id);
  });

  it('200 concurrent distinct posts are all stored, each with exactly one plan job', async () => {
    hub = makeTestHub();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => accepted(postWebhook(hub, 'generic', { response_id: `r-${i}`, score: i % 11 }))),
    );
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const ids = results.map((r) => r.id);
    expect(new Set(ids).size).toBe(200);
    const responses = await hub.store.listResponses({ limit: 500 });
    expect(responses.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(responses.map((r) => r.sourceResponseId).sort()).toEqual(Array.from({ length: 200 }, (_, i) => `r-${i}`).sort());
    // No plan job yet: the claims write them, oldest response first, each exactly once.
    expect(await hub.store.listJobs({ limit: 1000 })).toEqual([]);
    const firstClaim = await claim(hub, 150);
    expect((await hub.store.queueStats(new Date().toISOString())).unplanned).toBe(50);
    const secondClaim = await claim(hub, 150);
    expect(await claim(hub, 150)).toEqual([]);
    const claimed = [...firstClaim, ...secondClaim];
    expect(claimed.map((j) => j.type)).toEqual(Array(200).fill('plan'));
    const arrival = [...responses].reverse().map((r) => r.id); // listResponses is newest first
    expect(claimed.map((j) => j.responseId)).toEqual(arrival);
    expect((await hub.store.listJobs({ limit: 1000 })).length).toBe(200);
  });
});
