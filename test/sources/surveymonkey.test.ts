import { createHmac } from 'node:crypto';
import { delay, http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/core/job.js';
import { recordingServer } from '../support/http-recorder.js';
import { makeTestHub, postWebhook } from '../support/hub.js';
import { COMMENTS, EMAILS, fixtureBytes, fixtureJson, NAMES } from './source-suite.js';

const API = 'https://api.surveymonkey.com';
const TOKEN = 'sm-access-token-123';
const KEY = 'dev_client_id&dev_secret_123';
const ENV = { SURVEYMONKEY_WEBHOOK_SECRET: KEY, SURVEYMONKEY_ACCESS_TOKEN: TOKEN, CLOSELOOP_HTTP_TIMEOUT_MS: '200' };
const SURVEY = '418273951';
const FIXTURES = ['promoter-with-comment.json', 'passive.json', 'detractor-long-unicode-comment.json'] as const;

/** The vendor: response details by response id, as `payloads/surveymonkey/api-responses/` documents them. */
const details = new Map<string, unknown>();
const detailsHandler = http.get(`${API}/v3/surveys/:survey/responses/:response/details`, ({ params }) => {
  const body = params.survey === SURVEY ? details.get(String(params.response)) : undefined;
  return body ? HttpResponse.json(body) : HttpResponse.json({ error: { id: '1020', name: 'Resource Not Found' } }, { status: 404 });
});
const api = recordingServer(detailsHandler);
beforeAll(() => api.listen());
afterEach(() => {
  api.reset();
  details.clear();
});
afterAll(() => api.close());

let hub: ReturnType<typeof makeTestHub>;
let clock: number;
afterEach(async () => hub?.cleanup());
function start(env: Record<string, string> = {}) {
  clock = Date.parse('2026-10-13T09:23:20.000Z');
  hub = makeTestHub({ env: { ...ENV, ...env }, now: () => new Date(clock) });
  return hub;
}
/** Move the clock past any retry delay and run what became due. */
async function later(hours = 2) {
  clock += hours * 3_600_000;
  await hub.loop.drain();
}

const sign = (bytes: Uint8Array, key = KEY) => createHmac('sha1', key).update(bytes).digest('base64');
async function post(bytes: Uint8Array, headers: Record<string, string> = { 'Sm-Signature': sign(bytes) }) {
  const res = await postWebhook(hub, 'surveymonkey', bytes, { 'Sm-Apikey': 'dev_client_id', ...headers });
  return { status: res.status, json: (await res.json()) as any };
}
const apiResponse = (file: string) => fixtureJson('surveymonkey', `api-responses/${file}`);
const jobsOf = (id: string) => hub.store.listJobs({ responseId: id, limit: 100 });
const planJob = async (id: string) => (await jobsOf(id)).find((j) => j.type === 'plan') as Job;
const actionJobs = async (id: string) => (await jobsOf(id)).filter((j) => j.type === 'action').map((j) => `${j.recipe}:${j.actionId}`).sort();
const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));

describe('surveymonkey source: signature and webhook', () => {
  it('accepts the documented Sm-Signature test vector', async () => {
    start();
    const bytes = fixtureBytes('surveymonkey', 'detractor-long-unicode-comment.json');
    const res = await post(bytes, { 'Sm-Signature': '4PKA29PnirxiVWbamKLj4Lcah4U=' });
    expect(res.status).toBe(202);
  });

  it('answers 401 to a flipped byte, a wrong key and a missing signature, and stores nothing', async () => {
    start();
    const bytes = fixtureBytes('surveymonkey', 'passive.json');
    const flipped = new Uint8Array(bytes);
    flipped[bytes.indexOf('9'.charCodeAt(0))]! ^= 0x01;
    expect((await post(flipped, { 'Sm-Signature': sign(bytes) })).status).toBe(401);
    expect((await post(bytes, { 'Sm-Signature': sign(bytes, 'dev_client_id&wrong') })).status).toBe(401);
    const missing = await post(bytes, {});
    expect(missing.status).toBe(401);
    expect(missing.json.error.issues[0].field).toBe('Sm-Signature');
    expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
  });

  it('answers the HEAD probe of the subscription URL with 200', async () => {
    start();
    const res = await hub.app.request('/webhooks/surveymonkey', { method: 'HEAD' });
    expect(res.status).toBe(200);
  });

  it('acknowledges a collector event with 200 (nothing stored) and answers 422 naming object_id when it is missing', async () => {
    start();
    const collector = { ...fixtureJson('surveymonkey', 'passive.json'), object_type: 'collector', event_type: 'collector_updated' };
    const a = await post(encode(collector));
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ ignored: true, reason: 'object_type must be "response", got "collector" (subscribe the webhook to response events)' });
    expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
    const { object_id: _, ...noId } = fixtureJson('surveymonkey', 'passive.json');
    const b = await post(encode(noId));
    expect(b.status).toBe(422);
    expect(b.json.error.issues.map((i: { field: string }) => i.field)).toContain('object_id');
  });

  it('acknowledges at once with a not-yet-scored stub: the API is not called on the request path', async () => {
    start();
    details.set('118870003351', apiResponse('detractor-long-unicode-comment.json'));
    const res = await post(fixtureBytes('surveymonkey', 'detractor-long-unicode-comment.json'));
    expect(res.json).toEqual({ id: expect.any(String), duplicate: false });
    expect(api.requests).toEqual([]);
    const stub = (await hub.store.getResponse(res.json.id))!;
    expect(stub).toMatchObject({ source: 'surveymonkey', sourceResponseId: '118870003351', surveyId: SURVEY, score: null, category: null, version: 1 });
    expect(stub.extra.pendingFetch).toEqual({ surveyId: SURVEY, responseId: '118870003351' });
    // A resend of the same event is a duplicate, still without any API call.
    expect((await post(fixtureBytes('surveymonkey', 'detractor-long-unicode-comment.json'))).json).toEqual({ id: res.json.id, duplicate: true });
    expect(api.requests).toEqual([]);
  });
});

describe('surveymonkey source: reading the response through the API', () => {
  const expected = {
    'promoter-with-comment.json': { id: '118870001117', score: 10, category: 'promoter', persona: 'promoter' },
    'passive.json': { id: '118870002234', score: 7, category: 'passive', persona: 'passive' },
    'detractor-long-unicode-comment.json': { id: '118870003351', score: 2, category: 'detractor', persona: 'detractor' },
  } as const;

  for (const file of FIXTURES) {
    it(`${file}: GET …/responses/{id}/details with the bearer token, then the response is complete`, async () => {
      start();
      const e = expected[file];
      details.set(e.id, apiResponse(file));
      const res = await post(fixtureBytes('surveymonkey', file));
      await hub.loop.drain();

      expect(api.requests).toHaveLength(1);
      const [get] = api.requests;
      expect(get!.method).toBe('GET');
      expect(get!.url.href).toBe(`${API}/v3/surveys/${SURVEY}/responses/${e.id}/details`);
      expect(get!.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);

      const r = (await hub.store.getResponse(res.json.id))!;
      expect(r).toMatchObject({ sourceResponseId: e.id, surveyId: SURVEY, metric: 'nps', score: e.score, category: e.category, comment: COMMENTS[e.persona], version: 1 });
      expect(r.respondent).toEqual({ email: EMAILS[e.persona], name: NAMES[e.persona], externalId: expect.stringMatching(/^7033000000\d$/) });
      expect(r.answeredAt).toBe(apiResponse(file).date_modified);
      expect(r.extra.pendingFetch).toBeUndefined();
      expect(r.extra.customVariables).toEqual(apiResponse(file).custom_variables);
      expect(r.extra.surveymonkey).toMatchObject({ npsQuestionId: '77102553', commentQuestionId: '77102554', responseStatus: 'completed' });
      // The webhook body stays the stored raw body.
      expect((await hub.store.getRawBody(res.json.id))!.body).toBe(new TextDecoder().decode(fixtureBytes('surveymonkey', file)));
      expect((await planJob(res.json.id)).status).toBe('succeeded');
    });
  }

  it('the vendor API fails (500, timeout, network error) and recovers: the plan job retries, then the recipes run once', async () => {
    start();
    details.set('118870003351', apiResponse('detractor-long-unicode-comment.json'));
    const outage = [
      () => HttpResponse.json({ error: { message: 'Internal Server Error' } }, { status: 500 }),
      async () => {
        await delay(2_000); // longer than CLOSELOOP_HTTP_TIMEOUT_MS
        return HttpResponse.json({});
      },
      () => HttpResponse.error(),
    ];
    // server.use puts the newest handler first: register the outage backwards.
    for (const answer of outage.reverse()) api.server.use(http.get(`${API}/v3/surveys/:survey/responses/:response/details`, answer, { once: true }));

    const res = await post(fixtureBytes('surveymonkey', 'detractor-long-unicode-comment.json'));
    const id = res.json.id as string;
    await hub.loop.drain();
    let plan = await planJob(id);
    expect(plan).toMatchObject({ status: 'queued', attempts: 1, lastError: expect.stringContaining('SurveyMonkey answered HTTP 500') });
    expect((await hub.store.getResponse(id))!.score).toBeNull();
    expect(await actionJobs(id)).toEqual([]);

    await later();
    plan = await planJob(id);
    expect(plan).toMatchObject({ status: 'queued', attempts: 2, lastError: expect.stringContaining('no answer within 200 ms') });

    await later();
    plan = await planJob(id);
    expect(plan).toMatchObject({ status: 'queued', attempts: 3, lastError: expect.stringContaining('SurveyMonkey API could not be reached') });
    expect(await actionJobs(id)).toEqual([]);

    await later();
    expect(await planJob(id)).toMatchObject({ status: 'succeeded', attempts: 4 });
    expect(await hub.store.getResponse(id)).toMatchObject({ score: 2, category: 'detractor', comment: COMMENTS.detractor });
    expect((await hub.store.listAttempts(plan.id)).map((a) => a.outcome)).toEqual(['retry', 'retry', 'retry']);
    expect(api.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(Array(4).fill(`GET /v3/surveys/${SURVEY}/responses/118870003351/details`));
    const ran = ['detractor-ticket:alert', 'detractor-ticket:ticket', 'verbatims-to-slack:verbatim'];
    expect(await actionJobs(id)).toEqual(ran);

    // Nothing runs twice: more time, more draining, the same resend. It is a duplicate of the
    // event as first received, though the stored response now holds the fetched answers.
    await later();
    expect((await post(fixtureBytes('surveymonkey', 'detractor-long-unicode-comment.json'))).json).toEqual({ id, duplicate: true });
    await later();
    expect(await actionJobs(id)).toEqual(ran);
    expect(api.requests).toHaveLength(4);
  });

  it('401 from the vendor: the plan job is dead at once, naming SURVEYMONKEY_ACCESS_TOKEN; nothing is planned', async () => {
    start();
    api.server.use(http.get(`${API}/v3/surveys/:survey/responses/:response/details`, () => HttpResponse.json({ error: { message: 'The authorization token provided was invalid.' } }, { status: 401 })));
    const res = await post(fixtureBytes('surveymonkey', 'passive.json'));
    await hub.loop.drain();
    const plan = await planJob(res.json.id);
    expect(plan.status).toBe('dead');
    expect(plan.attempts).toBe(1);
    expect(plan.lastError).toMatch(/^SurveyMonkey refused SURVEYMONKEY_ACCESS_TOKEN \(HTTP 401 on GET \/v3\/surveys\/418273951\/responses\/118870002234\/details\): The authorization token provided was invalid\./);
    expect(plan.lastError).not.toContain(TOKEN);
    expect(await actionJobs(res.json.id)).toEqual([]);
    expect((await hub.store.getResponse(res.json.id))!.score).toBeNull();
  });

  it('404 from the vendor: dead, naming SURVEYMONKEY_BASE_URL', async () => {
    start();
    const res = await post(fixtureBytes('surveymonkey', 'passive.json')); // no details stored → 404
    await hub.loop.drain();
    const plan = await planJob(res.json.id);
    expect(plan).toMatchObject({ status: 'dead', attempts: 1 });
    expect(plan.lastError).toContain('HTTP 404');
    expect(plan.lastError).toContain('SURVEYMONKEY_BASE_URL');
  });

  it('without SURVEYMONKEY_ACCESS_TOKEN: acknowledged, then dead naming the variable, no request sent', async () => {
    start({ SURVEYMONKEY_ACCESS_TOKEN: '' });
    const res = await post(fixtureBytes('surveymonkey', 'passive.json'));
    expect(res.status).toBe(202);
    await hub.loop.drain();
    expect((await planJob(res.json.id)).lastError).toMatch(/^SurveyMonkey: SURVEYMONKEY_ACCESS_TOKEN is not set/);
    expect(api.requests).toEqual([]);
  });

  it('honours SURVEYMONKEY_BASE_URL (EU data centre) for every call', async () => {
    const EU = 'https://api.eu.surveymonkey.com';
    start({ SURVEYMONKEY_BASE_URL: `${EU}/` });
    api.server.use(http.get(`${EU}/v3/surveys/:survey/responses/:response/details`, () => HttpResponse.json(apiResponse('passive.json'))));
    const res = await post(fixtureBytes('surveymonkey', 'passive.json'));
    await hub.loop.drain();
    expect(api.requests.map((r) => r.url.href)).toEqual([`${EU}/v3/surveys/${SURVEY}/responses/118870002234/details`]);
    expect((await hub.store.getResponse(res.json.id))!.score).toBe(7);
  });

  it('without choice weights: reads the survey definition to find the NPS question and map its choice to 0–10', async () => {
    start();
    const body = apiResponse('passive.json');
    delete body.pages[0].questions[0].answers[0].choice_metadata;
    details.set('118870002234', body);
    const choices = Array.from({ length: 11 }, (_, i) => ({ id: String(6123400 + i), text: i === 0 ? '0 - Not at all likely' : String(i), position: i + 1 }));
    api.server.use(
      http.get(`${API}/v3/surveys/${SURVEY}/details`, () =>
        HttpResponse.json({
          id: SURVEY,
          pages: [
            {
              id: '40123311',
              questions: [
                { id: '77102553', family: 'matrix', subtype: 'rating', answers: { rows: [{ id: '612339871', text: '' }], choices } },
                { id: '77102554', family: 'open_ended', subtype: 'essay' },
              ],
            },
          ],
        }),
      ),
    );
    const res = await post(fixtureBytes('surveymonkey', 'passive.json'));
    await hub.loop.drain();
    expect(api.requests.map((r) => `${r.method} ${r.url.pathname} ${r.headers.get('authorization')}`)).toEqual([
      `GET /v3/surveys/${SURVEY}/responses/118870002234/details Bearer ${TOKEN}`,
      `GET /v3/surveys/${SURVEY}/details Bearer ${TOKEN}`,
    ]);
    expect(await hub.store.getResponse(res.json.id)).toMatchObject({ score: 7, category: 'passive', comment: COMMENTS.passive });
  });

  it('SURVEYMONKEY_NPS_QUESTION_ID and SURVEYMONKEY_COMMENT_QUESTION_ID pick the questions when several qualify', async () => {
    start({ SURVEYMONKEY_NPS_QUESTION_ID: '88000002', SURVEYMONKEY_COMMENT_QUESTION_ID: '88000004' });
    const body = apiResponse('passive.json');
    body.pages[0].questions = [
      { id: '88000001', answers: [{ choice_id: '1', choice_metadata: { weight: '4' } }] },
      { id: '88000002', answers: [{ choice_id: '2', choice_metadata: { weight: '8' } }] },
      { id: '88000003', answers: [{ text: 'Which team are you in? Dispatch' }] },
      { id: '88000004', answers: [{ text: 'More keyboard shortcuts, please' }] },
    ];
    details.set('118870002234', body);
    const res = await post(fixtureBytes('surveymonkey', 'passive.json'));
    await hub.loop.drain();
    expect(await hub.store.getResponse(res.json.id)).toMatchObject({ score: 8, category: 'passive', comment: 'More keyboard shortcuts, please' });
    expect(api.requests).toHaveLength(1);
  });

  it('a later event about the same response (response_updated) is an update: the answers are read again', async () => {
    start();
    details.set('118870002234', apiResponse('passive.json'));
    const first = await post(fixtureBytes('surveymonkey', 'passive.json'));
    await hub.loop.drain();
    const edited = apiResponse('passive.json');
    edited.pages[0].questions[1].answers[0].text = 'Exports are fixed now, thanks!';
    details.set('118870002234', edited);
    const event = { ...fixtureJson('surveymonkey', 'passive.json'), event_type: 'response_updated', event_id: '90771099' };
    const second = await post(encode(event));
    expect(second.json).toEqual({ id: first.json.id, duplicate: false, updated: true });
    await hub.loop.drain();
    expect(await hub.store.getResponse(first.json.id)).toMatchObject({ version: 2, score: 7, comment: 'Exports are fixed now, thanks!' });
    expect(api.requests).toHaveLength(2);
  });
});
