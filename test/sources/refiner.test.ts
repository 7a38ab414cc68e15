import { describe, expect, it } from 'vitest';
import { COMMENTS, describeSource, EMAILS, fixtureJson, NAMES, urlTokenAuth } from './source-suite.js';

const SCORE_KEY = 'how_likely_are_you_to_recommend_us';
const TEXT_KEY = 'whats_the_main_reason_for_your_score';

const refiner = describeSource({
  source: 'refiner',
  secretVariable: 'REFINER_WEBHOOK_SECRET',
  ...urlTokenAuth,
  fixtures: [
    {
      file: 'promoter-with-comment.json',
      expected: {
        sourceResponseId: 'eb117cb0-49cf-11ed-b050-000000001093',
        surveyId: '0d94c790-401c-11ed-bb27-e31f6832c5ae',
        metric: 'nps',
        score: 10,
        category: 'promoter',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        name: NAMES.promoter,
        externalId: 'crm-0001842',
        answeredAt: '2026-10-11T15:41:55.000000Z',
        extra: { event: 'completed', npsKey: SCORE_KEY, formName: 'In-app NPS', triggeredEvent: 'Completed Survey' },
      },
    },
    { file: 'passive.json', expected: { sourceResponseId: 'eb117cb0-49cf-11ed-b050-000000002126', score: 7, category: 'passive', comment: COMMENTS.passive, email: EMAILS.passive } },
    {
      file: 'detractor-long-unicode-comment.json',
      expected: { sourceResponseId: 'eb117cb0-49cf-11ed-b050-0000000031b9', score: 2, category: 'detractor', comment: COMMENTS.detractor, email: EMAILS.detractor, name: NAMES.detractor },
    },
  ],
  base: 'promoter-with-comment.json',
  edit: {
    setId: (b, id) => (b.response.uuid = id),
    setScore: (b, s) => (b.response.data[SCORE_KEY] = s),
    removeComment: (b) => delete b.response.data[TEXT_KEY],
    setAnsweredAt: (b, t) => (b.response.completed_at = b.response.received_at = t),
  },
  timeFormat: 'iso',
  stringScore: { send: '9', score: 9, category: 'promoter' },
  outOfRange: { send: 11, field: `response.data.<nps identifier>` },
  wrongFormat: { body: { uuid: 'u', email: 'a@example.com' }, field: 'response' },
});

describe('refiner: which answer is the score', () => {
  const twoNumbers = () => {
    const body = fixtureJson('refiner', 'passive.json');
    body.response.data = { csat_question: 4, ...body.response.data };
    return body;
  };

  it('asks for REFINER_NPS_KEY when two answers are numbers', async () => {
    refiner.start();
    const res = await refiner.post(twoNumbers());
    expect(res.status).toBe(422);
    expect(res.json.error.issues[0]).toEqual({ field: 'response.data', message: 'has several whole-number answers; set REFINER_NPS_KEY' });
  });

  it('uses REFINER_NPS_KEY, and names it in the 422 for an out-of-range score', async () => {
    refiner.start({ REFINER_NPS_KEY: SCORE_KEY });
    const r = await refiner.stored((await refiner.post(twoNumbers())).json.id);
    expect([r.score, r.comment]).toEqual([7, COMMENTS.passive]);
    const bad = twoNumbers();
    bad.response.uuid = 'other';
    bad.response.data[SCORE_KEY] = 42;
    const res = await refiner.post(bad);
    expect(res.status).toBe(422);
    expect(res.json.error.issues[0].field).toBe(`response.data.${SCORE_KEY}`);
  });

  it('stores a dismissed survey (no answers) as not scored', async () => {
    refiner.start();
    const body = fixtureJson('refiner', 'passive.json');
    body.response.data = {};
    body.response.completed_at = null;
    body.response.dismissed_at = '2026-10-12T15:42:55.000000Z';
    const r = await refiner.stored((await refiner.post(body)).json.id);
    expect([r.score, r.category, r.extra.event]).toEqual([null, null, 'dismissed']);
  });
});
