import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/core/job.js';
import { recordingServer } from '../support/http-recorder.js';
import { makeTestHub, postWebhook } from '../support/hub.js';
import { COMMENTS, EMAILS, fixtureJson, NAMES } from './source-suite.js';

const API = 'https://fra1.qualtrics.com';
const TOKEN = 'qualtrics-api-token-123';
const SECRET = 'dev_secret_123';
const ENV = { QUALTRICS_WEBHOOK_SECRET: SECRET, QUALTRICS_API_TOKEN: TOKEN, QUALTRICS_BASE_URL: API, CLOSELOOP_HTTP_TIMEOUT_MS: '200' };
const SURVEY = 'SV_3kLm9QxTz7Ab2Cd';
const FORM = 'application/x-www-form-urlencoded';

/** The vendor: responses by id, as `payloads/qualtrics/api-responses/` documents them. */
const responses = new Map<string, unknown>();
const getResponse = http.get(`${API}/API/v3/surveys/:survey/responses/:response`, ({ params }) => {
  const body = params.survey === SURVEY ? responses.get(String(params.response)) : undefined;
  return body
    ? HttpResponse.json(body)
    : HttpResponse.json({ meta: { httpStatus: '404 - Not Found', error: { errorMessage: 'Response not found', errorCode: 'RP_0.1' } } }, { status: 404 });
});
const api = recordingServer(getResponse);
beforeAll(() => api.listen());
afterEach(() => {
  api.reset();
  responses.clear();
});
afterAll(() => api.close());

let hub: ReturnType<typeof makeTestHub>;
let clock: number;
afterEach(async () => hub?.cleanup());
function start(env: Record<string, string> = {}) {
  clock = Date.parse('2026-10-13T10:03:50.000Z');
  hub = makeTestHub({ env: { ...ENV, ...env }, now: () => new Date(clock) });
  return hub;
}
async function later(hours = 2) {
  clock += hours * 3_600_000;
  await hub.loop.drain();
}

/** A fixture as Qualtrics sends it: the decoded fields form-encoded, to the URL with its token. */
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const event = (file: string): Record<string, string> => fixtureJson('qualtrics', file);
async function post(body: string, options: { token?: string | null; contentType?: string } = {}) {
  const token = options.token === undefined ? SECRET : options.token;
  const path = token === null ? 'qualtrics' : `qualtrics?token=${encodeURIComponent(token)}`;
  const res = await postWebhook(hub, path, body, { 'content-type': options.contentType ?? FORM });
  return { status: res.status, json: (await res.json()) as any };
}
const apiResponse = (file: string) => fixtureJson('qualtrics', `api-responses/${file}`);
const jobsOf = (id: string) => hub.store.listJobs({ responseId: id, limit: 100 });
const planJob = async (id: string) => (await jobsOf(id)).find((j) => j.type === 'plan') as Job;
const actionJobs = async (id: string) => (await jobsOf(id)).filter((j) => j.type === 'action').map((j) => `${j.recipe}:${j.actionId}`).sort();

describe('qualtrics source: the event', () => {
  it('accepts the form-encoded event with its token, stores a stub, and calls no API on the request path', async () => {
    start();
    const res = await post(form(event('detractor-long-unicode-comment.json')));
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ id: expect.any(String), duplicate: false });
    expect(api.requests).toEqual([]);
    const stub = (await hub.store.getResponse(res.json.id))!;
    expect(stub).toMatchObject({ source: 'qualtrics', sourceResponseId: 'R_PKKD3EP6Q6H2YLP', surveyId: SURVEY, score: null });
    expect(stub.extra.pendingFetch).toEqual({ surveyId: SURVEY, responseId: 'R_PKKD3EP6Q6H2YLP' });
    expect(stub.extra.qualtrics).toMatchObject({ topic: `lumenrail.surveyengine.completedResponse.${SURVEY}`, brandId: 'lumenrail', status: 'Complete' });
    expect((await hub.store.getRawBody(res.json.id))).toEqual({ body: form(event('detractor-long-unicode-comment.json')), contentType: FORM });
    // Qualtrics delivering the same event again: a duplicate.
    expect((await post(form(event('detractor-long-unicode-comment.json')))).json).toEqual({ id: res.json.id, duplicate: true });
  });

  it('reads the event from MSG when the subscription has a shared key', async () => {
    start();
    const { Topic, ...rest } = event('passive.json');
    const body = form({ Topic: Topic!, HMAC: 'c8'.repeat(64), MSG: JSON.stringify({ ...rest, CreatorID: 'UR_2686s36oneK8iW1' }) });
    const res = await post(body);
    expect(res.status).toBe(202);
    expect(await hub.store.getResponse(res.json.id)).toMatchObject({ sourceResponseId: 'R_FHDLZZZLPTXVOV3', surveyId: SURVEY });
  });

  it('accepts the same fields as JSON', async () => {
    start();
    const res = await post(JSON.stringify(event('passive.json')), { contentType: 'application/json' });
    expect(res.status).toBe(202);
    expect(await hub.store.getResponse(res.json.id)).toMatchObject({ sourceResponseId: 'R_FHDLZZZLPTXVOV3' });
  });

  it('with QUALTRICS_WEBHOOK_SECRET set: 401 without the token or with a wrong one, and nothing stored', async () => {
    start();
    const missing = await post(form(event('passive.json')), { token: null });
    expect(missing.status).toBe(401);
    const wrong = await post(form(event('passive.json')), { token: 'not_the_secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.issues[0].field).toBe('?token');
    expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
  });

  it('answers 422 naming ResponseID when it is missing, and MSG when it is not JSON', async () => {
    start();
    const { ResponseID: _, ...noId } = event('passive.json');
    const a = await post(form(noId));
    expect(a.status).toBe(422);
    expect(a.json.error.issues.map((i: { field: string }) => i.field)).toContain('ResponseID');
    const b = await post(form({ Topic: 'x', HMAC: 'ab', MSG: '{not json' }));
    expect(b.status).toBe(422);
    expect(b.json.error.issues[0].field).toBe('MSG');
  });
});

describe('qualtrics source: reading the response through the API', () => {
  const expected = {
    'promoter-with-comment.json': { id: 'R_TCADZTD57ETTNUQ', score: 10, category: 'promoter', persona: 'promoter', ext: 'crm-0001842' },
    'passive.json': { id: 'R_FHDLZZZLPTXVOV3', score: 7, category: 'passive', persona: 'passive', ext: 'crm-0002217' },
    'detractor-long-unicode-comment.json': { id: 'R_PKKD3EP6Q6H2YLP', score: 2, category: 'detractor', persona: 'detractor', ext: 'crm-0000319' },
  } as const;

  for (const [file, e] of Object.entries(expected)) {
    it(`${file}: GET /API/v3/surveys/{survey}/responses/{response} with X-API-TOKEN, zero-config NPS and comment`, async () => {
      start();
      responses.set(e.id, apiResponse(file));
      const res = await post(form(event(file)));
      await hub.loop.drain();

      expect(api.requests).toHaveLength(1);
      const [get] = api.requests;
      expect(get!.method).toBe('GET');
      expect(get!.url.href).toBe(`${API}/API/v3/surveys/${SURVEY}/responses/${e.id}`);
      expect(get!.headers.get('x-api-token')).toBe(TOKEN);
      expect(get!.headers.get('authorization')).toBeNull();

      const r = (await hub.store.getResponse(res.json.id))!;
      expect(r).toMatchObject({ sourceResponseId: e.id, surveyId: SURVEY, metric: 'nps', score: e.score, category: e.category, comment: COMMENTS[e.persona] });
      expect(r.respondent).toEqual({ email: EMAILS[e.persona], name: NAMES[e.persona], externalId: e.ext });
      expect(r.answeredAt).toBe(apiResponse(file).result.values.endDate);
      expect(r.extra.pendingFetch).toBeUndefined();
      expect(r.extra.qualtrics).toMatchObject({ npsQuestionId: 'QID1', commentField: 'QID2_TEXT', distributionChannel: 'email', brandId: 'lumenrail' });
      expect((await planJob(res.json.id)).status).toBe('succeeded');
    });
  }

  it('the API fails (503, then network error) and recovers: retried with backoff, then the recipes run once', async () => {
    start();
    responses.set('R_PKKD3EP6Q6H2YLP', apiResponse('detractor-long-unicode-comment.json'));
    api.server.use(
      http.get(`${API}/API/v3/surveys/:survey/responses/:response`, () => new HttpResponse('busy', { status: 503, headers: { 'retry-after': '120' } }), { once: true }),
      http.get(`${API}/API/v3/surveys/:survey/responses/:response`, () => HttpResponse.error(), { once: true }),
    );
    const res = await post(form(event('detractor-long-unicode-comment.json')));
    const id = res.json.id as string;
    await hub.loop.drain();
    const plan = await planJob(id);
    expect(plan).toMatchObject({ status: 'queued', attempts: 1, lastError: 'Qualtrics answered HTTP 503 on GET /API/v3/surveys/SV_3kLm9QxTz7Ab2Cd/responses/R_PKKD3EP6Q6H2YLP: busy' });
    // Retry-After is honoured: not before 120 s.
    expect(Date.parse(plan.runAt) - clock).toBeGreaterThanOrEqual(120_000);
    await later();
    expect(await planJob(id)).toMatchObject({ status: 'queued', attempts: 2, lastError: expect.stringMatching(/^Qualtrics API could not be reached/) });
    expect(await actionJobs(id)).toEqual([]);
    await later();
    expect(await planJob(id)).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(await hub.store.getResponse(id)).toMatchObject({ score: 2, category: 'detractor' });
    const ran = ['detractor-ticket:alert', 'detractor-ticket:ticket', 'verbatims-to-slack:verbatim'];
    expect(await actionJobs(id)).toEqual(ran);
    await later();
    expect(await actionJobs(id)).toEqual(ran);
    expect(api.requests).toHaveLength(3);
  });

  it('401 from the API: dead at once with a reason naming QUALTRICS_API_TOKEN', async () => {
    start();
    api.server.use(
      http.get(`${API}/API/v3/surveys/:survey/responses/:response`, () =>
        HttpResponse.json({ meta: { httpStatus: '401 - Unauthorized', error: { errorMessage: 'Invalid API token', errorCode: 'AUTH_1' } } }, { status: 401 }),
      ),
    );
    const res = await post(form(event('passive.json')));
    await hub.loop.drain();
    const plan = await planJob(res.json.id);
    expect(plan).toMatchObject({ status: 'dead', attempts: 1 });
    expect(plan.lastError).toBe(
      "Qualtrics refused QUALTRICS_API_TOKEN (HTTP 401 on GET /API/v3/surveys/SV_3kLm9QxTz7Ab2Cd/responses/R_FHDLZZZLPTXVOV3): Invalid API token: check the token, its scopes and that it belongs to the survey's account",
    );
    expect(await actionJobs(res.json.id)).toEqual([]);
  });

  it('404 from the API (wrong data centre): dead naming QUALTRICS_BASE_URL', async () => {
    start();
    const res = await post(form(event('passive.json')));
    await hub.loop.drain();
    const plan = await planJob(res.json.id);
    expect(plan.status).toBe('dead');
    expect(plan.lastError).toContain('HTTP 404');
    expect(plan.lastError).toContain('Response not found');
    expect(plan.lastError).toContain('QUALTRICS_BASE_URL');
  });

  it('without QUALTRICS_BASE_URL: acknowledged, then dead naming it, and no request sent', async () => {
    start({ QUALTRICS_BASE_URL: '' });
    const res = await post(form(event('passive.json')));
    expect(res.status).toBe(202);
    await hub.loop.drain();
    expect((await planJob(res.json.id)).lastError).toMatch(/^Qualtrics: QUALTRICS_BASE_URL is not set/);
    expect(api.requests).toEqual([]);
  });

  it('QUALTRICS_NPS_QUESTION_ID and QUALTRICS_COMMENT_QUESTION_ID pick the questions (no NPS group reported)', async () => {
    start({ QUALTRICS_NPS_QUESTION_ID: 'QID7', QUALTRICS_COMMENT_QUESTION_ID: 'QID9' });
    const body = apiResponse('passive.json');
    const values = body.result.values;
    delete values.QID1_NPS_GROUP;
    Object.assign(values, { QID7: '3', QID8_TEXT: 'Which team? Dispatch', QID9_TEXT: 'Invoices are wrong every month' });
    responses.set('R_FHDLZZZLPTXVOV3', body);
    const res = await post(form(event('passive.json')));
    await hub.loop.drain();
    expect(await hub.store.getResponse(res.json.id)).toMatchObject({ score: 3, category: 'detractor', comment: 'Invoices are wrong every month' });
  });

  it('a response whose NPS question was skipped is stored not-scored and runs no recipe', async () => {
    start();
    const body = apiResponse('passive.json');
    delete body.result.values.QID1;
    responses.set('R_FHDLZZZLPTXVOV3', body);
    const res = await post(form(event('passive.json')));
    await hub.loop.drain();
    expect(await hub.store.getResponse(res.json.id)).toMatchObject({ score: null, category: null, comment: COMMENTS.passive });
    expect(await planJob(res.json.id)).toMatchObject({ status: 'succeeded' });
    expect(await actionJobs(res.json.id)).toEqual([]);
  });

  it('an out-of-range score read from the API: dead with the field, not retried', async () => {
    start();
    const body = apiResponse('passive.json');
    body.result.values.QID1 = 11;
    responses.set('R_FHDLZZZLPTXVOV3', body);
    const res = await post(form(event('passive.json')));
    await hub.loop.drain();
    const plan = await planJob(res.json.id);
    expect(plan).toMatchObject({ status: 'dead', attempts: 1 });
    expect(plan.lastError).toBe('Qualtrics response R_FHDLZZZLPTXVOV3 read through the API is invalid: score must be from 0 to 10 for nps, got 11');
  });
});
