import { describe, expect, it } from 'vitest';
import { COMMENTS, describeSource, EMAILS, fixtureJson, headerTokenAuth, NAMES } from './source-suite.js';

const retently = describeSource({
  source: 'retently',
  secretVariable: 'RETENTLY_WEBHOOK_SECRET',
  ...headerTokenAuth,
  fixtures: [
    {
      file: 'promoter-with-comment.json',
      expected: {
        sourceResponseId: '5f9c00000000000000001eef',
        surveyId: '62a1b0c4e7f10a0012d3a001',
        metric: 'nps',
        score: 10,
        category: 'promoter',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        name: NAMES.promoter,
        externalId: '61f000000000000000019919',
        answeredAt: '2026-10-11T12:01:13.000Z',
        touchpoint: 'email',
        extra: { event: 'new_feedback', campaignName: 'Quarterly relationship NPS', company: 'Brightlane Logistics', customerProperties: { plan: 'Enterprise', crm_id: 'crm-0001842' } },
      },
    },
    { file: 'passive.json', expected: { sourceResponseId: '5f9c00000000000000003dde', score: 7, category: 'passive', comment: COMMENTS.passive, email: EMAILS.passive, name: NAMES.passive } },
    {
      file: 'detractor-long-unicode-comment.json',
      expected: { sourceResponseId: '5f9c00000000000000005ccd', score: 2, category: 'detractor', comment: COMMENTS.detractor, email: EMAILS.detractor, name: NAMES.detractor },
    },
  ],
  base: 'promoter-with-comment.json',
  edit: {
    setId: (b, id) => (b.feedback.id = id),
    setScore: (b, s) => (b.feedback.score = s),
    removeComment: (b) => (b.feedback.comment = null),
    setAnsweredAt: (b, t) => (b.feedback.created_at = t),
  },
  timeFormat: 'iso',
  stringScore: { send: '0', score: 0, category: 'detractor' },
  outOfRange: { send: 10.5, field: 'feedback.score' },
  wrongFormat: { body: { event: 'new_feedback', customer: { email: 'a@example.com' } }, field: 'feedback' },
});

describe('retently: metrics', () => {
  it('maps a 5-star campaign to CSAT 1–5 with its own category', async () => {
    retently.start();
    const body = fixtureJson('retently', 'passive.json');
    body.feedback.metric = '5STAR';
    body.feedback.score = 3;
    const r = await retently.stored((await retently.post(body)).json.id);
    expect([r.metric, r.scale, r.score, r.category]).toEqual(['csat', { min: 1, max: 5 }, 3, 'neutral']);
  });

  it('names an unknown metric', async () => {
    retently.start();
    const body = fixtureJson('retently', 'passive.json');
    body.feedback.metric = 'STARS10';
    const res = await retently.post(body);
    expect(res.status).toBe(422);
    expect(res.json.error.issues[0].field).toBe('feedback.metric');
  });
});
