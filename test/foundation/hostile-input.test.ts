import { afterEach, describe, expect, it, vi } from 'vitest';
import { BODY_LIMITS, EXTRA_LIMITS } from '../../src/core/json-limits.js';
import { loadHubConfig } from '../../src/runtime/node/hub.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

type ErrorBody = { error: { code: string; message: string; issues: { field: string; message: string }[] } };
type Hub = ReturnType<typeof makeTestHub>;

let hub: Hub;
afterEach(async () => hub?.cleanup());

const count = (table: 'responses' | 'jobs') => (hub.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

async function rejected(res: Response, status: number) {
  const body = (await res.json()) as ErrorBody;
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(count('responses')).toBe(0);
  expect(count('jobs')).toBe(0);
  return body.error;
}

/** A Hotjar response: it keeps `data.user_attributes` in `extra` as sent. */
const hotjarSample = () => ({
  event: 'survey_response',
  data: {
    survey_id: 1204455,
    response_id: 770010002,
    user_attributes: { email: 'tomas@example.com' } as unknown,
    answers: [
      { question_id: 91001, answer: '7' },
      { question_id: 91002, answer: 'Solid product' },
    ],
  },
});

describe('generic source: a missing score', () => {
  it('answers 422 naming the configured score path, and stores nothing', async () => {
    hub = makeTestHub({ env: { GENERIC_FIELD_SCORE: 'data.answers[0].value' } });
    const error = await rejected(await postWebhook(hub, 'generic', { response_id: 'r-1', data: { answers: [{ text: 'no value' }] } }), 422);
    expect(error.issues).toEqual([{ field: 'data.answers[0].value', message: 'is required' }]);
    expect(error.message).toContain('GENERIC_ALLOW_UNSCORED');
  });

  it('with GENERIC_ALLOW_UNSCORED=true stores it unscored (it runs no recipe)', async () => {
    hub = makeTestHub({ env: { GENERIC_ALLOW_UNSCORED: 'true' } });
    const res = await postWebhook(hub, 'generic', { response_id: 'r-2', comment: 'no score here' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await hub.store.getResponse(id)).toMatchObject({ score: null, comment: 'no score here' });
  });

  it('a bad GENERIC_ALLOW_UNSCORED stops start-up naming the variable', () => {
    expect(() => loadHubConfig({ GENERIC_ALLOW_UNSCORED: 'yes' })).toThrow(/GENERIC_ALLOW_UNSCORED/);
  });
});

describe('ids that reach a vendor URL', () => {
  const qualtricsForm = (surveyId: string, responseId = 'R_1') => new URLSearchParams({ Topic: 'surveyengine.completedResponse.SV_1', Status: 'Complete', SurveyID: surveyId, ResponseID: responseId }).toString();
  for (const [field, surveyId, responseId] of [
    ['SurveyID', '..', 'R_1'],
    ['SurveyID', '.', 'R_1'],
    ['SurveyID', 'SV_1/../../admin', 'R_1'],
    ['ResponseID', 'SV_1', '%2e%2e'],
    ['ResponseID', 'SV_1', 'R_1?x=1'],
    ['ResponseID', 'SV_1', 'R_1\\..'],
  ] as const) {
    it(`qualtrics ${field} ${JSON.stringify(field === 'SurveyID' ? surveyId : responseId)}: 422 naming ${field}`, async () => {
      hub = makeTestHub();
      const res = await hub.app.request('/webhooks/qualtrics', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: qualtricsForm(surveyId, responseId) });
      const error = await rejected(res, 422);
      expect(error.issues[0]!.field).toBe(field);
      expect(error.issues[0]!.message).toMatch(/path/);
    });
  }

  for (const [field, surveyId, objectId] of [
    ['resources.survey_id', '..', '123'],
    ['resources.survey_id', '1/2', '123'],
    ['object_id', '42', '..'],
    ['object_id', '42', '%2E%2E'],
  ] as const) {
    it(`surveymonkey ${field} ${JSON.stringify(field === 'object_id' ? objectId : surveyId)}: 422 naming ${field}`, async () => {
      hub = makeTestHub();
      const body = { event_type: 'response_completed', event_id: '1', object_type: 'response', object_id: objectId, event_datetime: '2026-01-01T00:00:00Z', resources: { survey_id: surveyId, collector_id: '5' } };
      const error = await rejected(await postWebhook(hub, 'surveymonkey', body), 422);
      expect(error.issues[0]!.field).toBe(field);
    });
  }

  it('an ordinary id is still accepted', async () => {
    hub = makeTestHub();
    const res = await hub.app.request('/webhooks/qualtrics', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: qualtricsForm('SV_abc123', 'R_xyz-1.2') });
    expect(res.status).toBe(202);
  });
});

describe('bodies shaped to hurt', () => {
  it('JSON nested 5,000 levels where a source keeps it in `extra`: 422 naming the limit, before the store write', async () => {
    hub = makeTestHub();
    const ingest = vi.spyOn(hub.store, 'ingest');
    const sample = hotjarSample();
    const text = JSON.stringify(sample).replace('"user_attributes":{', `"user_attributes":{"deep":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)},`);
    const error = await rejected(await postWebhook(hub, 'hotjar', text), 422);
    expect(error.code).toBe('too_deep');
    expect(error.issues[0]).toEqual({ field: '(body)', message: `is nested more than ${BODY_LIMITS.depth} levels deep (limit ${BODY_LIMITS.depth})` });
    expect(ingest).not.toHaveBeenCalled();
  });

  it('a legal 1 MiB body of ~95,000 keys: 422 naming the limit, refused before it is parsed', async () => {
    hub = makeTestHub();
    const sample = hotjarSample();
    const attributes: Record<string, string> = { email: 'a@example.com' };
    for (let i = 0; i < 95_000; i++) attributes[i.toString(36)] = '';
    sample.data.user_attributes = attributes;
    const text = JSON.stringify(sample);
    expect(text.length).toBeLessThanOrEqual(1024 * 1024);
    const parse = vi.spyOn(JSON, 'parse');
    const error = await rejected(await postWebhook(hub, 'hotjar', text), 422);
    expect(error.code).toBe('too_many_keys');
    expect(error.issues[0]!.message).toContain(`limit ${BODY_LIMITS.entries}`);
    expect(parse.mock.calls.some(([t]) => t === text)).toBe(false);
    parse.mockRestore();
  });

  it('`extra` past its own limits (depth, keys, bytes): 4xx naming `extra`, nothing stored', async () => {
    hub = makeTestHub();
    const send = async (attributes: unknown, status: number) => {
      const sample = hotjarSample();
      sample.data.user_attributes = attributes;
      return rejected(await postWebhook(hub, 'hotjar', sample), status);
    };
    let deep: unknown = 1;
    for (let i = 0; i < EXTRA_LIMITS.depth; i++) deep = { a: deep };
    expect(await send({ email: 'a@example.com', deep }, 422)).toMatchObject({ code: 'too_deep', issues: [{ field: 'extra' }] });
    const many = Object.fromEntries(Array.from({ length: EXTRA_LIMITS.entries + 1 }, (_, i) => [`k${i}`, i]));
    expect(await send(many, 422)).toMatchObject({ code: 'too_many_keys', issues: [{ field: 'extra' }] });
    expect(await send({ note: 'x'.repeat(EXTRA_LIMITS.bytes) }, 413)).toMatchObject({ code: 'too_large', issues: [{ field: 'extra', message: `is larger than ${EXTRA_LIMITS.bytes} bytes as JSON (limit ${EXTRA_LIMITS.bytes})` }] });
  });

  it('brackets and commas inside strings do not count towards the body limits', async () => {
    hub = makeTestHub();
    const sample = hotjarSample();
    sample.data.user_attributes = { email: 'a@example.com', note: '[{'.repeat(200) + ','.repeat(BODY_LIMITS.entries) + '\\"' };
    expect((await postWebhook(hub, 'hotjar', sample)).status).toBe(202);
  });
});
