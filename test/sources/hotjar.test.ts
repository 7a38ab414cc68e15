import { describe, expect, it } from 'vitest';
import { COMMENTS, describeSource, EMAILS, fixtureJson, NAMES, urlTokenAuth } from './source-suite.js';

const hotjar = describeSource({
  source: 'hotjar',
  secretVariable: 'HOTJAR_WEBHOOK_SECRET',
  ...urlTokenAuth,
  fixtures: [
    {
      file: 'promoter-with-comment.json',
      expected: {
        sourceResponseId: '770010001',
        surveyId: '1204455',
        metric: 'nps',
        score: 10,
        category: 'promoter',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        name: NAMES.promoter,
        externalId: 'crm-0001842',
        answeredAt: '2026-10-11T13:21:08Z',
        extra: { surveyName: 'In-app NPS', npsQuestionId: 91001 },
      },
    },
    { file: 'passive.json', expected: { sourceResponseId: '770010002', score: 7, category: 'passive', comment: COMMENTS.passive, email: EMAILS.passive } },
    {
      file: 'detractor-long-unicode-comment.json',
      expected: { sourceResponseId: '770010003', score: 2, category: 'detractor', comment: COMMENTS.detractor, email: EMAILS.detractor, name: NAMES.detractor },
    },
  ],
  base: 'promoter-with-comment.json',
  edit: {
    setId: (b, id) => (b.data.response_id = id),
    setScore: (b, s) => (b.data.answers[0].answer = s),
    removeComment: (b) => b.data.answers.pop(),
    setAnsweredAt: (b, t) => (b.data.created_at = t),
  },
  timeFormat: 'iso',
  // Hotjar already sends answers as strings; a plain number must work too.
  stringScore: { send: '3', score: 3, category: 'detractor' },
  outOfRange: { send: '11', field: 'data.answers[].answer' },
  wrongFormat: { body: { event: 'survey_response', version: 1, data: { survey_id: 1 } }, field: 'data.response_id' },
});

describe('hotjar: events and configuration', () => {
  it('accepts a numeric answer and the configured question id', async () => {
    hotjar.start({ HOTJAR_NPS_QUESTION_ID: '91001' });
    const body = fixtureJson('hotjar', 'passive.json');
    body.data.answers[0].answer = 8;
    body.data.answers.push({ question_id: 91003, question: 'How many seats?', answer: '25' });
    const r = await hotjar.stored((await hotjar.post(body)).json.id);
    expect([r.score, r.category, r.comment]).toEqual([8, 'passive', COMMENTS.passive]);
  });

  it('acknowledges a test_message with 200 and stores nothing', async () => {
    hotjar.start();
    const res = await hotjar.post({ event: 'test_message', version: 1, data: {} });
    expect(res.status).toBe(200);
    expect(res.json.ignored).toBe(true);
    expect(res.json.reason).toMatch(/^event "test_message" is not survey_response/);
    expect(await hotjar.storedCount()).toBe(0);
  });
});
