import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyZendeskSignature } from '../../src/sources/zendesk-csat.js';
import { postWebhook } from '../support/hub.js';
import { COMMENTS, describeSource, EMAILS, fixtureBytes, NAMES, SECRET } from './source-suite.js';

const zendeskHeaders = (body: Uint8Array, secret: string, timestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z')) => ({
  'X-Zendesk-Webhook-Signature': createHmac('sha256', secret).update(timestamp).update(body).digest('base64'),
  'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
});

const zendesk = describeSource({
  source: 'zendesk-csat',
  secretVariable: 'ZENDESK_CSAT_WEBHOOK_SECRET',
  sign: (body, secret) => zendeskHeaders(body, secret),
  signsBody: true,
  signatureField: 'X-Zendesk-Webhook-Signature-Timestamp',
  fixtures: [
    {
      file: 'good-with-comment.json',
      expected: {
        sourceResponseId: '48201:good',
        metric: 'csat',
        scale: { min: 0, max: 1 },
        score: 1,
        category: 'satisfied',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        name: NAMES.promoter,
        externalId: '37719000001',
        answeredAt: '2026-10-11T16:01:31Z',
        touchpoint: 'support ticket',
        extra: { event: 'rated', rating: 'good', ticket: { id: '48201', subject: 'Question about invoices', status: 'solved' }, organization: 'Brightlane Logistics', assignee: 'Priya Raman' },
      },
    },
    {
      file: 'offered-no-rating.json',
      expected: { sourceResponseId: '48202:offered', metric: 'csat', score: null, category: null, comment: null, email: EMAILS.passive, name: NAMES.passive, extra: { event: 'offered' } },
    },
    {
      file: 'bad-long-unicode-comment.json',
      expected: { sourceResponseId: '48203:bad', metric: 'csat', score: 0, category: 'dissatisfied', comment: COMMENTS.detractor, email: EMAILS.detractor, name: NAMES.detractor },
    },
  ],
  base: 'good-with-comment.json',
  edit: {
    setId: (b, id) => (b.ticket.id = id),
    setScore: (b, s) => (b.satisfaction.score = s),
    removeComment: (b) => delete b.satisfaction.comment,
    setAnsweredAt: (b, t) => (b.updated_at = t),
  },
  timeFormat: 'iso',
  stringScore: { send: ' Bad ', score: 0, category: 'dissatisfied' },
  outOfRange: { send: '6', field: 'satisfaction.score' },
  wrongFormat: { body: { ticket: { id: '1' }, requester: { email: 'a@example.com' } }, field: 'satisfaction' },
});

describe('zendesk-csat: signature timestamp and ratings', () => {
  it('matches the documented test vector (timestamp 2026-10-13T16:03:31Z)', async () => {
    const rawBody = fixtureBytes('zendesk-csat', 'bad-long-unicode-comment.json');
    const headers = new Headers({
      'X-Zendesk-Webhook-Signature': 'Uh7bARHOqE9FXTyU4uA51bCjFGK1iVdoF0n+tC/Pv/8=',
      'X-Zendesk-Webhook-Signature-Timestamp': '2026-10-13T16:03:31Z',
    });
    const request = { headers, rawBody, text: new TextDecoder().decode(rawBody), contentType: 'application/json' };
    await expect(verifyZendeskSignature(request, SECRET, new Date('2026-10-13T16:04:00Z'))).resolves.toBeUndefined();
    await expect(verifyZendeskSignature(request, 'wrong', new Date('2026-10-13T16:04:00Z'))).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a correctly signed but stale timestamp (replay)', async () => {
    const hub = zendesk.start();
    const body = fixtureBytes('zendesk-csat', 'good-with-comment.json');
    const stale = new Date(Date.now() - 6 * 60 * 1000).toISOString();
    const res = await postWebhook(hub, 'zendesk-csat', body, zendeskHeaders(body, SECRET, stale));
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.issues[0].field).toBe('X-Zendesk-Webhook-Signature-Timestamp');
  });

  it('refuses a timestamp that was not the one signed', async () => {
    const hub = zendesk.start();
    const body = fixtureBytes('zendesk-csat', 'good-with-comment.json');
    const headers = zendeskHeaders(body, SECRET, new Date(Date.now() - 1000).toISOString());
    headers['X-Zendesk-Webhook-Signature-Timestamp'] = new Date().toISOString();
    const res = await postWebhook(hub, 'zendesk-csat', body, headers);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.issues[0].field).toBe('X-Zendesk-Webhook-Signature');
  });

  it('reads numeric CSAT (1–5) with CSAT categories, and keeps a changed rating apart', async () => {
    zendesk.start();
    const good = JSON.parse(new TextDecoder().decode(fixtureBytes('zendesk-csat', 'good-with-comment.json')));
    const a = await zendesk.post(good);
    const four = { ...good, satisfaction: { score: '4', comment: 'ok' } };
    const b = await zendesk.post(four);
    expect(b.json.id).not.toBe(a.json.id);
    const r = await zendesk.stored(b.json.id);
    expect([r.sourceResponseId, r.scale, r.score, r.category]).toEqual(['48201:4', { min: 1, max: 5 }, 4, 'satisfied']);
  });

  it('names an unknown rating word', async () => {
    zendesk.start();
    const body = JSON.parse(new TextDecoder().decode(fixtureBytes('zendesk-csat', 'good-with-comment.json')));
    body.satisfaction.score = 'great';
    const res = await zendesk.post(body);
    expect(res.status).toBe(422);
    expect(res.json.error.issues[0].field).toBe('satisfaction.score');
  });
});
