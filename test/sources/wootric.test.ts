import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { postWebhook } from '../support/hub.js';
import { COMMENTS, describeSource, EMAILS, fixtureJson, SECRET } from './source-suite.js';

const sign = (body: Uint8Array | string, secret: string) => ({ 'X-Wootric-Signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}` });

const wootric = describeSource({
  source: 'wootric',
  secretVariable: 'WOOTRIC_WEBHOOK_SECRET',
  sign,
  signsBody: true,
  signatureField: 'X-Wootric-Signature',
  fixtures: [
    {
      file: 'promoter-with-comment.json',
      expected: {
        sourceResponseId: '2041101',
        surveyId: '3390101',
        metric: 'nps',
        score: 10,
        category: 'promoter',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        externalId: 'crm-0001842',
        answeredAt: '2026-10-11T11:11:26.558-07:00',
        extra: { event: 'created', excludedFromCalculations: false, endUserProperties: { company: 'Brightlane Logistics', plan: 'Enterprise', first_name: 'Maya' } },
      },
    },
    { file: 'passive.json', expected: { sourceResponseId: '2041102', score: 7, category: 'passive', comment: COMMENTS.passive, email: EMAILS.passive } },
    {
      file: 'detractor-long-unicode-comment.json',
      expected: { sourceResponseId: '2041103', score: 2, category: 'detractor', comment: COMMENTS.detractor, email: EMAILS.detractor, extra: { endUserProperties: { first_name: 'Jürgen' } } },
    },
  ],
  vector: { file: 'detractor-long-unicode-comment.json', headers: { 'X-Wootric-Signature': 'sha1=c78b719b0f11b55b93d72901635535b7d6209e22' } },
  base: 'promoter-with-comment.json',
  edit: {
    setId: (b, id) => (b.response.id = id),
    setScore: (b, s) => (b.response.score = s),
    removeComment: (b) => delete b.response.text,
    setAnsweredAt: (b, t) => (b.response.created_at = t),
  },
  timeFormat: 'iso',
  stringScore: { send: '8', score: 8, category: 'passive' },
  outOfRange: { send: -1, field: 'response.score' },
  wrongFormat: { body: { event_name: 'created', survey_mode: 'NPS' }, field: 'response' },
});

describe('wootric: updates, declines, form bodies', () => {
  it('marks an updated event with the same response id', async () => {
    wootric.start();
    const body = fixtureJson('wootric', 'passive.json');
    body.event_name = 'updated';
    body.response.excluded_from_calculations = 'true';
    const res = await wootric.post(body);
    const r = await wootric.stored(res.json.id);
    expect([r.sourceResponseId, r.extra.event, r.extra.excludedFromCalculations]).toEqual(['2041102', 'updated', true]);
  });

  it('stores a decline as not scored', async () => {
    wootric.start();
    const res = await wootric.post({
      decline: { id: 99, email: 'Decliner@Example.com', survey_id: 5, created_at: '2026-10-11T11:11:26.558-07:00' },
      event_name: 'created',
      survey_mode: 'NPS',
    });
    expect(res.status).toBe(202);
    const r = await wootric.stored(res.json.id);
    expect([r.sourceResponseId, r.score, r.category, r.respondent.email, r.extra.declined]).toEqual(['decline-99', null, null, 'decliner@example.com', true]);
  });

  it('reads URL-encoded bodies with bracketed keys, signed over the form bytes', async () => {
    const hub = wootric.start();
    const form =
      'response%5Bid%5D=777&response%5Bscore%5D=3&response%5Btext%5D=' +
      encodeURIComponent('Zu langsam — 遅い 🐢') +
      '&response%5Bemail%5D=form%40example.com&event_name=created&survey_mode=NPS';
    const res = await postWebhook(hub, 'wootric', form, { 'content-type': 'application/x-www-form-urlencoded', ...sign(form, SECRET) });
    expect(res.status).toBe(202);
    const r = await wootric.stored(((await res.json()) as { id: string }).id);
    expect([r.sourceResponseId, r.score, r.category, r.comment, r.respondent.email]).toEqual(['777', 3, 'detractor', 'Zu langsam — 遅い 🐢', 'form@example.com']);
  });

  it('maps CSAT mode to 1–5 with CSAT categories', async () => {
    wootric.start();
    const body = fixtureJson('wootric', 'promoter-with-comment.json');
    body.survey_mode = 'CSAT';
    body.response.score = 5;
    const r = await wootric.stored((await wootric.post(body)).json.id);
    expect([r.metric, r.scale, r.score, r.category]).toEqual(['csat', { min: 1, max: 5 }, 5, 'satisfied']);
  });
});
