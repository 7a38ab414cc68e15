import { describe, expect, it } from 'vitest';
import { postWebhook } from '../support/hub.js';
import { COMMENTS, describeSource, EMAILS, fixtureJson, headerTokenAuth, NAMES } from './source-suite.js';

const asknicely = describeSource({
  source: 'asknicely',
  secretVariable: 'ASKNICELY_WEBHOOK_SECRET',
  ...headerTokenAuth,
  fixtures: [
    {
      file: 'promoter-with-comment.json',
      expected: {
        sourceResponseId: '345201',
        metric: 'nps',
        score: 10,
        category: 'promoter',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        name: NAMES.promoter,
        externalId: '163101',
        answeredAt: '2026-10-11T17:17:42.000Z',
        touchpoint: 'general',
        extra: { event: 'created', count: 1, template: 'Quarterly NPS', deliveryMethod: 'email', person: { company: 'Brightlane Logistics', plan: 'Enterprise' } },
      },
    },
    { file: 'passive.json', expected: { sourceResponseId: '345202', score: 7, category: 'passive', comment: COMMENTS.passive, email: EMAILS.passive, name: NAMES.passive } },
    {
      file: 'detractor-long-unicode-comment.json',
      expected: { sourceResponseId: '345203', score: 2, category: 'detractor', comment: COMMENTS.detractor, email: EMAILS.detractor, name: NAMES.detractor, answeredAt: '2026-10-13T17:17:42.000Z' },
    },
  ],
  base: 'promoter-with-comment.json',
  edit: {
    setId: (b, id) => (b.question.id = id),
    setScore: (b, s) => (b.question.score = s),
    removeComment: (b) => (b.question.comment = ''),
    setAnsweredAt: (b, t) => (b.question.responded = t),
  },
  timeFormat: 'unix-seconds',
  stringScore: { send: ' 8 ', score: 8, category: 'passive' },
  outOfRange: { send: '12', field: 'question.score' },
  wrongFormat: { body: { count: 1, person: { email: 'a@example.com' } }, field: 'question' },
});

describe('asknicely: updates and token transport', () => {
  it('marks count > 1 as an update of the same question id', async () => {
    asknicely.start();
    const body = fixtureJson('asknicely', 'detractor-long-unicode-comment.json');
    body.count = 2;
    const r = await asknicely.stored((await asknicely.post(body)).json.id);
    expect([r.sourceResponseId, r.extra.event, r.extra.count]).toEqual(['345203', 'updated', 2]);
  });

  it('also takes the token as a ?token= query parameter', async () => {
    const hub = asknicely.start();
    const ok = await postWebhook(hub, 'asknicely?token=dev_secret_123', fixtureJson('asknicely', 'passive.json'));
    const bad = await postWebhook(hub, 'asknicely?token=dev_secret_124', fixtureJson('asknicely', 'promoter-with-comment.json'));
    expect([ok.status, bad.status]).toEqual([202, 401]);
    expect(((await bad.json()) as any).error.issues[0].field).toBe('?token');
  });
});
