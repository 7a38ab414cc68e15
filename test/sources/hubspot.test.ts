import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { postWebhook } from '../support/hub.js';
import { COMMENTS, describeSource, EMAILS, fixtureBytes, fixtureJson, headerTokenAuth, LOCAL_PAYLOADS, NAMES, SECRET } from './source-suite.js';

const hubspot = describeSource({
  source: 'hubspot',
  dir: LOCAL_PAYLOADS,
  secretVariable: 'HUBSPOT_WEBHOOK_SECRET',
  ...headerTokenAuth,
  fixtures: [
    {
      file: 'promoter-with-comment.json',
      expected: {
        sourceResponseId: '9310001',
        surveyId: '4401',
        metric: 'nps',
        score: 10,
        category: 'promoter',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        name: NAMES.promoter,
        externalId: '70001',
        answeredAt: '2026-10-11T07:17:42.000Z',
        touchpoint: 'EMAIL',
        extra: { surveyType: 'NPS', surveyName: 'Quarterly NPS', responseGroup: 'PROMOTER' },
      },
    },
    { file: 'passive.json', expected: { sourceResponseId: '9310002', score: 7, category: 'passive', comment: COMMENTS.passive, email: EMAILS.passive, name: NAMES.passive, answeredAt: '2026-10-12T07:17:42.000Z' } },
    {
      // The "include all properties" body: objectId + properties{name: {value}}.
      file: 'detractor-long-unicode-comment.json',
      expected: { sourceResponseId: '9310003', score: 2, category: 'detractor', comment: COMMENTS.detractor, email: EMAILS.detractor, name: NAMES.detractor, answeredAt: '2026-10-13T07:17:42.000Z' },
    },
  ],
  base: 'promoter-with-comment.json',
  edit: {
    setId: (b, id) => (b.hs_object_id = id),
    setScore: (b, s) => (b.hs_value = s),
    removeComment: (b) => delete b.hs_content,
    setAnsweredAt: (b, t) => (b.hs_submission_timestamp = t),
  },
  timeFormat: 'epoch-ms',
  stringScore: { send: '9', score: 9, category: 'promoter' },
  outOfRange: { send: '11', field: 'hs_value' },
  wrongFormat: { body: { hs_value: '9', hs_survey_type: 'NPS' }, field: 'hs_object_id' },
});

/** HubSpot's v3 request signature, computed independently of the adapter. */
function v3(url: string, body: Uint8Array, secret: string, timestamp = String(Date.now())) {
  const signature = createHmac('sha256', secret).update('POST').update(url).update(body).update(timestamp).digest('base64');
  return { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': timestamp };
}

describe('hubspot: v3 signatures and survey types', () => {
  const body = () => fixtureBytes('hubspot', 'passive.json', LOCAL_PAYLOADS);

  it('accepts HubSpot’s v3 request signature over method, URL, body and timestamp', async () => {
    const hub = hubspot.start();
    const res = await postWebhook(hub, 'hubspot', body(), v3('http://localhost/webhooks/hubspot', body(), SECRET));
    expect(res.status).toBe(202);
  });

  it('checks v3 against the public URL behind a proxy (X-Forwarded-Proto/Host)', async () => {
    const hub = hubspot.start();
    const headers = { ...v3('https://hub.example.com/webhooks/hubspot', body(), SECRET), 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hub.example.com' };
    expect((await postWebhook(hub, 'hubspot', body(), headers)).status).toBe(202);
  });

  it('refuses a v3 signature for another URL, a wrong secret, or a stale timestamp', async () => {
    const hub = hubspot.start();
    const other = await postWebhook(hub, 'hubspot', body(), v3('http://localhost/webhooks/other', body(), SECRET));
    const wrong = await postWebhook(hub, 'hubspot', body(), v3('http://localhost/webhooks/hubspot', body(), 'nope'));
    const stale = await postWebhook(hub, 'hubspot', body(), v3('http://localhost/webhooks/hubspot', body(), SECRET, String(Date.now() - 6 * 60 * 1000)));
    expect([other.status, wrong.status, stale.status]).toEqual([401, 401, 401]);
    expect(((await stale.json()) as any).error.issues[0].field).toBe('X-HubSpot-Request-Timestamp');
  });

  it('maps CSAT and CES submissions to their metric, never into NPS', async () => {
    hubspot.start();
    const csat = fixtureJson('hubspot', 'passive.json', LOCAL_PAYLOADS);
    Object.assign(csat, { hs_object_id: 'c1', hs_survey_type: 'CSAT', hs_value: '2', hs_response_group: 'NEGATIVE' });
    const ces = fixtureJson('hubspot', 'passive.json', LOCAL_PAYLOADS);
    Object.assign(ces, { hs_object_id: 'c2', hs_survey_type: 'CES', hs_value: '6', hs_response_group: null });
    const a = await hubspot.stored((await hubspot.post(csat)).json.id);
    const b = await hubspot.stored((await hubspot.post(ces)).json.id);
    expect([a.metric, a.scale, a.score, a.category]).toEqual(['csat', { min: 1, max: 5 }, 2, 'dissatisfied']);
    expect([b.metric, b.scale, b.score, b.category]).toEqual(['ces', { min: 1, max: 7 }, 6, 'satisfied']);
  });

  it('names an unsupported survey type', async () => {
    hubspot.start();
    const res = await hubspot.post({ ...fixtureJson('hubspot', 'passive.json', LOCAL_PAYLOADS), hs_survey_type: 'KNOWLEDGE' });
    expect(res.status).toBe(422);
    expect(res.json.error.issues[0].field).toBe('hs_survey_type');
  });
});
