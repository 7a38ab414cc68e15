import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COMMENTS, describeSource, EMAILS, fixtureJson, NAMES } from './source-suite.js';

const sign = (body: Uint8Array, secret: string) => ({ 'X-Hub-Signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}` });

const intercom = describeSource({
  source: 'intercom-csat',
  secretVariable: 'INTERCOM_CSAT_WEBHOOK_SECRET',
  sign,
  signsBody: true,
  signatureField: 'X-Hub-Signature',
  fixtures: [
    {
      file: 'rating5-with-remark.json',
      expected: {
        sourceResponseId: '1911149801',
        metric: 'csat',
        scale: { min: 1, max: 5 },
        score: 5,
        category: 'satisfied',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        name: NAMES.promoter,
        externalId: 'crm-0001842',
        answeredAt: '2026-10-11T18:16:42.000Z',
        touchpoint: 'conversation',
        extra: { notificationId: 'notif_11bd7742-4e3b-4f1c-9d2e-6bc51efa7ac8', deliveryAttempts: 1, intercomContactId: '5ba682d23d7cf92bef87b001', teammateId: '991267' },
      },
    },
    { file: 'rating3-passive.json', expected: { sourceResponseId: '1911149802', score: 3, category: 'neutral', comment: null, email: EMAILS.passive, name: NAMES.passive } },
    {
      file: 'rating2-long-unicode-remark.json',
      expected: { sourceResponseId: '1911149803', score: 2, category: 'dissatisfied', comment: COMMENTS.detractor, email: EMAILS.detractor, name: NAMES.detractor, answeredAt: '2026-10-13T18:16:42.000Z' },
    },
  ],
  vector: { file: 'rating2-long-unicode-remark.json', headers: { 'X-Hub-Signature': 'sha1=5940c74af985e7fa15d642377a58f7a82d7e48a5' } },
  base: 'rating5-with-remark.json',
  edit: {
    setId: (b, id) => (b.data.item.id = id),
    setScore: (b, s) => (b.data.item.conversation_rating.rating = s),
    removeComment: (b) => delete b.data.item.conversation_rating.remark,
    setAnsweredAt: (b, t) => (b.data.item.conversation_rating.created_at = t),
  },
  timeFormat: 'unix-seconds',
  stringScore: { send: '1', score: 1, category: 'dissatisfied' },
  outOfRange: { send: 0, field: 'data.item.conversation_rating.rating' },
  wrongFormat: { body: { type: 'notification_event', topic: 'conversation.rating.added', data: { item: { id: '1' } } }, field: 'data.item.conversation_rating' },
});

describe('intercom-csat: topics and authors', () => {
  it('acknowledges other topics (e.g. the ping sent on setup) with 200 and stores nothing', async () => {
    intercom.start();
    const res = await intercom.post({ ...fixtureJson('intercom-csat', 'rating3-passive.json'), topic: 'ping' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ignored: true, reason: 'topic "ping" is not conversation.rating.added' });
    expect(await intercom.storedCount()).toBe(0);
  });

  it('does not take a teammate’s email when an admin opened the conversation', async () => {
    intercom.start();
    const body = fixtureJson('intercom-csat', 'rating3-passive.json');
    body.data.item.source.author = { type: 'admin', id: '991267', name: 'Priya Raman', email: 'priya@lumenrail.example.com' };
    const r = await intercom.stored((await intercom.post(body)).json.id);
    expect([r.respondent.email, r.respondent.name, r.respondent.externalId]).toEqual([null, null, 'crm-0002217']);
  });
});
