import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COMMENTS, describeSource, EMAILS, fixtureJson, NAMES } from './source-suite.js';

const sign = (body: Uint8Array, secret: string) => ({ 'X-Delighted-Webhook-Signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` });

const delighted = describeSource({
  source: 'delighted',
  secretVariable: 'DELIGHTED_WEBHOOK_SECRET',
  sign,
  signsBody: true,
  signatureField: 'X-Delighted-Webhook-Signature',
  fixtures: [
    {
      file: 'promoter-with-comment.json',
      expected: {
        sourceResponseId: '880101',
        metric: 'nps',
        score: 10,
        category: 'promoter',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        name: NAMES.promoter,
        externalId: '551201',
        answeredAt: '2026-10-11T07:17:42.000Z',
        extra: {
          event: 'updated',
          eventId: 'd514f9192af9dd666b2b438f8e043467ac84fb7cdea61bb8402ec584e6ef8ccd',
          personProperties: { Company: 'Brightlane Logistics', Plan: 'Enterprise', 'CRM ID': 'crm-0001842', 'Delighted Source': 'Email' },
        },
      },
    },
    {
      file: 'passive.json',
      expected: { sourceResponseId: '880102', score: 7, category: 'passive', comment: COMMENTS.passive, email: EMAILS.passive, name: NAMES.passive, answeredAt: '2026-10-12T07:17:42.000Z' },
    },
    {
      file: 'detractor-long-unicode-comment.json',
      expected: { sourceResponseId: '880103', score: 2, category: 'detractor', comment: COMMENTS.detractor, email: EMAILS.detractor, name: NAMES.detractor, externalId: '551203' },
    },
  ],
  vector: {
    file: 'detractor-long-unicode-comment.json',
    headers: { 'X-Delighted-Webhook-Signature': 'sha256=acd62ee2c0ecc858a9dc87fb0950fa0602f814c953226c89f28ac5c437bd5a5e' },
  },
  base: 'promoter-with-comment.json',
  edit: {
    setId: (b, id) => (b.event_data.id = id),
    setScore: (b, s) => (b.event_data.score = s),
    removeComment: (b) => delete b.event_data.comment,
    setAnsweredAt: (b, t) => (b.event_data.created_at = t),
  },
  timeFormat: 'unix-seconds',
  stringScore: { send: '6', score: 6, category: 'detractor' },
  outOfRange: { send: 11, field: 'event_data.score' },
  wrongFormat: { body: { event_type: 'survey_response.created' }, field: 'event_data' },
});

describe('delighted: events and metrics', () => {
  it('marks created and updated events, with the same response id for both', async () => {
    delighted.start();
    const created = fixtureJson('delighted', 'detractor-long-unicode-comment.json');
    created.event_type = 'survey_response.created';
    created.event_data.comment = null;
    const a = await delighted.post(created);
    expect(a.status).toBe(202);
    const r = await delighted.stored(a.json.id);
    expect([r.sourceResponseId, r.extra.event, r.comment]).toEqual(['880103', 'created', null]);
  });

  it('acknowledges unsubscribe events with 200 and stores nothing', async () => {
    delighted.start();
    const res = await delighted.post({ event_type: 'unsubscribe.created', event_id: 'e1', event_data: { id: '1', person: { email: 'a@example.com' } } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ignored: true, reason: 'event_type "unsubscribe.created" is not a survey response event (subscribe to survey_response.created and .updated only)' });
    expect(await delighted.storedCount()).toBe(0);
  });

  it('maps a CSAT survey to metric csat on 1–5 with its own category', async () => {
    delighted.start();
    const body = fixtureJson('delighted', 'passive.json');
    body.event_data.id = 'csat-1';
    body.event_data.survey_type = 'csat';
    body.event_data.score = 2;
    const res = await delighted.post(body);
    expect(res.status).toBe(202);
    const r = await delighted.stored(res.json.id);
    expect([r.metric, r.scale, r.score, r.category]).toEqual(['csat', { min: 1, max: 5 }, 2, 'dissatisfied']);
  });

  it('refuses a CSAT score of 0 (its scale starts at 1)', async () => {
    delighted.start();
    const body = fixtureJson('delighted', 'passive.json');
    body.event_data.survey_type = 'csat';
    body.event_data.score = 0;
    const res = await delighted.post(body);
    expect(res.status).toBe(422);
    expect(res.json.error.issues[0].field).toBe('event_data.score');
  });

  it('names an unknown survey type', async () => {
    delighted.start();
    const body = fixtureJson('delighted', 'passive.json');
    body.event_data.survey_type = 'pmf';
    const res = await delighted.post(body);
    expect(res.status).toBe(422);
    expect(res.json.error.issues[0].field).toBe('event_data.survey_type');
  });
});
