import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COMMENTS, describeSource, EMAILS, fixtureJson, SECRET } from './source-suite.js';

const sign = (body: Uint8Array, secret: string) => ({ 'Typeform-Signature': `sha256=${createHmac('sha256', secret).update(body).digest('base64')}` });
const answer = (body: any, type: string) => body.form_response.answers.find((a: any) => a.field.type === type);

const typeform = describeSource({
  source: 'typeform',
  secretVariable: 'TYPEFORM_WEBHOOK_SECRET',
  sign,
  signsBody: true,
  signatureField: 'Typeform-Signature',
  fixtures: [
    {
      file: 'promoter-with-comment.json',
      expected: {
        sourceResponseId: 'f5f7ccfea3913a5a396014c956725ef4',
        surveyId: 'Lr7kQ2xP',
        metric: 'nps',
        score: 10,
        category: 'promoter',
        comment: COMMENTS.promoter,
        email: EMAILS.promoter,
        answeredAt: '2026-10-11T08:11:51Z',
        extra: { eventId: '01JB01TF6BC51EFA7AC81D91EF', hidden: { account_id: 'crm-0001842', company: 'Brightlane Logistics' }, npsFieldRef: 'nps_score' },
      },
    },
    {
      file: 'passive.json',
      expected: { sourceResponseId: '48452159e0026d4b13e24abea69fa6fb', score: 7, category: 'passive', comment: COMMENTS.passive, email: EMAILS.passive, answeredAt: '2026-10-12T08:12:51Z' },
    },
    {
      file: 'detractor-long-unicode-comment.json',
      expected: { sourceResponseId: 'd1db11c97b2817f7457b40f61aa63b73', score: 2, category: 'detractor', comment: COMMENTS.detractor, email: EMAILS.detractor, answeredAt: '2026-10-13T08:13:51Z' },
    },
  ],
  vector: { file: 'detractor-long-unicode-comment.json', headers: { 'Typeform-Signature': 'sha256=qopHdu1/XZqVNZs/1vHsJSkp1Ru2mex7xY9/iQmJclk=' } },
  base: 'promoter-with-comment.json',
  edit: {
    setId: (b, id) => (b.form_response.token = id),
    setScore: (b, s) => (answer(b, 'opinion_scale').number = s),
    removeComment: (b) => (b.form_response.answers = b.form_response.answers.filter((a: any) => a.field.type !== 'long_text')),
    setAnsweredAt: (b, t) => (b.form_response.submitted_at = t),
  },
  timeFormat: 'iso',
  stringScore: { send: '9', score: 9, category: 'promoter' },
  outOfRange: { send: 11, field: 'form_response.answers[field.type=opinion_scale].number' },
  wrongFormat: { body: { event_type: 'form_response', event_id: 'x' }, field: 'form_response' },
});

describe('typeform: finding the NPS answer', () => {
  const withTwoScales = () => {
    const body = fixtureJson('typeform', 'promoter-with-comment.json');
    body.form_response.token = 'two-scales';
    body.form_response.definition.fields.push({ id: 'Ease', type: 'opinion_scale', ref: 'ease', properties: { steps: 5, start_at_one: true } });
    body.form_response.answers.push({ type: 'number', number: 4, field: { id: 'Ease', type: 'opinion_scale', ref: 'ease' } });
    return body;
  };

  it('asks for TYPEFORM_NPS_FIELD_REF when two opinion scales cannot be told apart', async () => {
    typeform.start();
    const res = await typeform.post(withTwoScales());
    expect(res.status).toBe(422);
    expect(res.json.error.issues[0]).toEqual({ field: 'form_response.answers[field.type=opinion_scale]', message: 'is ambiguous; set TYPEFORM_NPS_FIELD_REF' });
  });

  it('picks the 0–10 scale when the definition tells the steps apart', async () => {
    typeform.start();
    const body = withTwoScales();
    body.form_response.definition.fields[0].properties = { steps: 11, start_at_one: false };
    const res = await typeform.post(body);
    expect(res.status).toBe(202);
    expect((await typeform.stored(res.json.id)).score).toBe(10);
  });

  it('uses the configured field ref', async () => {
    typeform.start({ TYPEFORM_NPS_FIELD_REF: 'ease' });
    const body = withTwoScales();
    const res = await typeform.post(body);
    expect(res.status).toBe(202);
    const r = await typeform.stored(res.json.id);
    expect([r.score, r.category, r.extra.npsFieldRef]).toEqual([4, 'detractor', 'ease']);
  });

  it('names the configured ref when the form has no such field', async () => {
    typeform.start({ TYPEFORM_NPS_FIELD_REF: 'nope' });
    const res = await typeform.post(fixtureJson('typeform', 'promoter-with-comment.json'));
    expect(res.status).toBe(422);
    expect(res.json.error.issues[0].field).toBe('form_response.definition.fields[ref=nope]');
  });

  it('stores a skipped NPS question as not scored, and takes the email from a hidden field', async () => {
    typeform.start();
    const body = fixtureJson('typeform', 'promoter-with-comment.json');
    body.form_response.token = 'skipped';
    body.form_response.answers = body.form_response.answers.filter((a: any) => a.type === 'text');
    body.form_response.hidden.email = 'Hidden.Person@Example.com';
    const res = await typeform.post(body);
    expect(res.status).toBe(202);
    const r = await typeform.stored(res.json.id);
    expect([r.score, r.category, r.respondent.email, r.comment]).toEqual([null, null, 'hidden.person@example.com', COMMENTS.promoter]);
  });

  it('accepts Typeform’s dedicated nps field type', async () => {
    typeform.start();
    const body = fixtureJson('typeform', 'promoter-with-comment.json');
    body.form_response.token = 'nps-type';
    body.form_response.definition.fields[0].type = 'nps';
    body.form_response.answers[0].field.type = 'nps';
    body.form_response.answers[0].number = 0;
    const res = await typeform.post(body);
    expect(res.status).toBe(202);
    expect((await typeform.stored(res.json.id)).score).toBe(0);
  });

  it('acknowledges an event that is not a form response with 200 and stores nothing', async () => {
    typeform.start();
    const res = await typeform.post({ ...fixtureJson('typeform', 'promoter-with-comment.json'), event_type: 'form_deleted' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ignored: true, reason: 'event_type "form_deleted" is not a form response' });
    expect(await typeform.storedCount()).toBe(0);
  });

  it('checks the signature with the secret, not with an empty key', async () => {
    typeform.start();
    const res = await typeform.post(fixtureJson('typeform', 'promoter-with-comment.json'), { headers: sign(new Uint8Array(), SECRET) });
    expect(res.status).toBe(401);
  });
});
