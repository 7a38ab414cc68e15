import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COMMENTS, describeSource, EMAILS, fixtureJson, NAMES } from './source-suite.js';

const sign = (body: Uint8Array, secret: string) => ({ Hmac: createHmac('sha256', secret).update(body).digest('hex'), Token: 'plain-verification-token' });
const nps = (b: any) => b.event.surveyCompleted.answers.find((a: any) => a.type === 'net_promoter_score');

const survicate = describeSource({
  source: 'survicate',
  secretVariable: 'SURVICATE_WEBHOOK_SECRET',
  sign,
  signsBody: true,
  signatureField: 'Hmac',
  fixtures: [
    {
      file: 'promoter-with-comment.json',
      expected: {
        sourceResponseId: '3fa85f64-5717-4562-b3fc-000000018697',
        surveyId: 'b92b6ecae6dd7207',
        metric: 'nps',
        score: 10,
        category: 'promoter',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        name: NAMES.promoter,
        externalId: 'crm-0001842',
        answeredAt: '2026-10-11T14:31:02+00:00',
        extra: { event: 'completed', messageId: '07a8df2f2dd7f881b4e6578648d5f7ed', deliveryTries: 0, surveyName: 'Relationship NPS' },
      },
    },
    { file: 'passive.json', expected: { sourceResponseId: '3fa85f64-5717-4562-b3fc-000000030d2e', score: 7, category: 'passive', comment: COMMENTS.passive, email: EMAILS.passive, name: NAMES.passive } },
    {
      file: 'detractor-long-unicode-comment.json',
      expected: { sourceResponseId: '3fa85f64-5717-4562-b3fc-0000000493c5', score: 2, category: 'detractor', comment: COMMENTS.detractor, email: EMAILS.detractor, name: NAMES.detractor },
    },
  ],
  vector: { file: 'detractor-long-unicode-comment.json', headers: { Hmac: 'd44c7b1206ae6a0ac46297de1292053bc3593ce70a20331939c6f712948116a6' } },
  base: 'promoter-with-comment.json',
  edit: {
    setId: (b, id) => (b.event.surveyCompleted.responseUuid = id),
    setScore: (b, s) => (nps(b).choice.id = s),
    removeComment: (b) => (b.event.surveyCompleted.answers = b.event.surveyCompleted.answers.filter((a: any) => a.type !== 'text')),
    setAnsweredAt: (b, t) => (b.event.surveyCompleted.timestamp = t),
  },
  timeFormat: 'iso',
  stringScore: { send: '9', score: 9, category: 'promoter' },
  outOfRange: { send: 11, field: 'event.surveyCompleted.answers[type=net_promoter_score].choice.id' },
  wrongFormat: { body: { messageId: 'm', event: {} }, field: 'event' },
});

describe('survicate: per-question events', () => {
  const questionAnswered = (answer: Record<string, unknown>) => {
    const c = fixtureJson('survicate', 'passive.json').event.surveyCompleted;
    const { answers: _answers, ...header } = c;
    return { messageId: 'q1', deliveryTries: 1, event: { questionAnswered: { ...header, ...answer } } };
  };

  it('reads an NPS answer sent on its own, with the configured question id', async () => {
    survicate.start({ SURVICATE_NPS_QUESTION_ID: '12120' });
    const res = await survicate.post(questionAnswered({ question: { id: 12120, body: 'How likely…' }, choice: { id: 8, body: 'passive', comment: 'Fine' } }));
    expect(res.status).toBe(202);
    const r = await survicate.stored(res.json.id);
    expect([r.score, r.category, r.comment, r.extra.event, r.extra.deliveryTries]).toEqual([8, 'passive', 'Fine', 'question_answered', 1]);
  });

  it('parses a later text answer as a not-scored follow-up of the same response', async () => {
    survicate.start({ SURVICATE_NPS_QUESTION_ID: '12120' });
    const res = await survicate.post(questionAnswered({ question: { id: 12121, body: 'Why?' }, text: 'Because.' }));
    expect(res.status).toBe(202);
    const r = await survicate.stored(res.json.id);
    expect([r.sourceResponseId, r.score, r.comment]).toEqual(['3fa85f64-5717-4562-b3fc-000000030d2e', null, 'Because.']);
  });
});
