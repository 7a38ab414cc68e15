import { afterEach, describe, expect, it } from 'vitest';
import { insightsHub } from './support.js';
import { adminRequest } from '../support/hub.js';

let ctx: ReturnType<typeof insightsHub>;
afterEach(() => ctx?.hub.cleanup());

const accounts = {
  'a@pro.com': { plan: 'pro', region: 'EMEA', custom: { industry: 'retail' } },
  'b@basic.com': { plan: 'basic', region: 'AMER', custom: { industry: 'media' } },
};

/** `n` responses of each score, received at `at`, from `email`. */
/** Plan everything stored, the clock moved to `now` (plan jobs are due from their response's arrival). */
async function planAll(now = '2026-03-12T12:00:00.000Z') {
  ctx.clock.now = Date.parse(now);
  await ctx.hub.loop.drain();
}

async function many(at: string, email: string | null, scores: Record<number, number>, more: Record<string, unknown> = {}) {
  for (const [score, n] of Object.entries(scores)) for (let i = 0; i < n; i++) await ctx.receive(at, { score: Number(score), respondent: { email, name: null, externalId: null }, ...more });
}

describe('GET /api/nps by segment, period and comparison', () => {
  it('by plan: each segment with its interval; the small one flagged and left out of the ranking; unknown accounts as null', async () => {
    ctx = insightsHub(accounts);
    await many('2026-03-02T10:00:00.000Z', 'a@pro.com', { 10: 30, 8: 5, 3: 5 });
    await many('2026-03-02T11:00:00.000Z', 'b@basic.com', { 9: 10, 7: 10, 2: 20 });
    await many('2026-03-02T12:00:00.000Z', null, { 9: 2 });
    await planAll('2026-03-03T00:00:00.000Z');
    const { status, body } = await ctx.get('?by=plan&top=1');
    expect(status).toBe(200);
    expect(body.figure).toMatchObject({ responses: 82, counts: { promoters: 42, passives: 15, detractors: 25 }, value: 20.7 });
    expect(body.segments.map((s: any) => [s.value, s.figure.responses, s.figure.value, s.figure.lowSample])).toEqual([
      ['basic', 40, -25, false],
      ['pro', 40, 62.5, false],
      [null, 2, 100, true],
    ]);
    const pro = body.segments[1].figure;
    // NPS 62.5 of 40: variance 0.875 − 0.625², 95% interval ±1.96·√(0.484375/40)·100 = ±21.6.
    expect(pro).toMatchObject({ marginOfError: 21.6, low: 40.9, high: 84.1, shares: { promoters: 75, passives: 12.5, detractors: 12.5 } });
    expect(body.top.map((s: any) => s.value)).toEqual(['pro']);
    expect(body.bottom.map((s: any) => s.value)).toEqual(['basic']);
    expect(body.segmentCount).toBe(3);
  });

  it('by any account field, a hidden field the survey passed, a touchpoint, a survey', async () => {
    ctx = insightsHub(accounts);
    await many('2026-03-02T10:00:00.000Z', 'a@pro.com', { 10: 2 }, { touchpoint: 'onboarding', surveyId: 'S1', extra: { cohort: 'beta', seats: 12 } });
    await many('2026-03-02T10:00:00.000Z', 'b@basic.com', { 0: 1 }, { touchpoint: 'support', surveyId: 'S2', extra: { cohort: 'ga' } });
    await planAll();
    const values = async (query: string) => (await ctx.get(query)).body.segments.map((s: any) => [s.value, s.figure.responses]);
    expect(await values('?by=account.custom.industry')).toEqual([['retail', 2], ['media', 1]]);
    expect(await values('?by=account.region')).toEqual([['EMEA', 2], ['AMER', 1]]);
    expect(await values('?by=extra.cohort')).toEqual([['beta', 2], ['ga', 1]]);
    expect(await values('?by=extra.seats')).toEqual([['12', 2], [null, 1]]);
    expect(await values('?by=touchpoint')).toEqual([['onboarding', 2], ['support', 1]]);
    expect(await values('?by=survey&source=generic')).toEqual([['S1', 2], ['S2', 1]]);
    expect(await values('?by=plan&survey=S2')).toEqual([['basic', 1]]);
  });

  it('a weekly series in a time zone: periods start on Monday local midnight; each change tested against the week before', async () => {
    ctx = insightsHub(accounts);
    // Sunday 23:30 UTC is already Monday in Paris (UTC+1 in March before the 29th).
    await many('2026-03-08T23:30:00.000Z', 'a@pro.com', { 10: 40 });
    await many('2026-03-04T12:00:00.000Z', 'a@pro.com', { 0: 40 });
    await planAll();
    const paris = (await ctx.get('?interval=week&since=2026-03-02T00:00:00Z&tz=Europe/Paris')).body;
    expect(paris.series.map((p: any) => [p.period, p.start, p.figure.value])).toEqual([
      ['2026-03-02', '2026-03-01T23:00:00.000Z', -100],
      ['2026-03-09', '2026-03-08T23:00:00.000Z', 100],
    ]);
    expect(paris.since).toBe('2026-03-01T23:00:00.000Z');
    expect(paris.series[1].change).toEqual({ delta: 200, z: null, pValue: null, significant: false });
    const utc = (await ctx.get('?interval=week&since=2026-03-02T00:00:00Z')).body;
    expect(utc.series.map((p: any) => [p.period, p.figure.responses])).toEqual([['2026-03-02', 80], ['2026-03-09', 0]]);
    expect(utc.figure.responses).toBe(80);
  });

  it('compare=previous: the change and its significance, overall and for the segments that moved', async () => {
    ctx = insightsHub(accounts);
    await many('2026-01-20T10:00:00.000Z', 'a@pro.com', { 10: 20, 8: 20, 3: 20 });
    await many('2026-01-20T10:00:00.000Z', 'b@basic.com', { 10: 20, 8: 20, 3: 20 });
    await many('2026-03-01T10:00:00.000Z', 'a@pro.com', { 10: 45, 8: 10, 3: 5 });
    await many('2026-03-01T10:00:00.000Z', 'b@basic.com', { 10: 21, 8: 20, 3: 19 });
    await planAll('2026-03-02T10:00:00.000Z');
    const body = (await ctx.get('?by=plan&since=20d&compare=previous')).body;
    expect(body.previous).toMatchObject({ since: '2026-01-21T10:00:00.000Z', until: '2026-02-10T10:00:00.000Z', figure: { responses: 0 } });
    const month = (await ctx.get('?by=plan&since=30d&compare=previous')).body;
    expect(month.previous.figure).toMatchObject({ responses: 120, value: 0 });
    expect(month.figure).toMatchObject({ responses: 120, value: 35 });
    expect(month.previous.change).toMatchObject({ delta: 35, significant: true });
    expect(month.previous.change.pValue).toBeLessThan(0.001);
    expect(month.moved.map((s: any) => [s.value, s.change.delta, s.change.significant])).toEqual([['pro', 66.7, true]]);
    expect(month.segments.find((s: any) => s.value === 'basic').change).toMatchObject({ delta: 3.3, significant: false });
  });

  it('CSAT and CES have their own figures; NPS answers never count in them', async () => {
    ctx = insightsHub();
    await many('2026-03-02T10:00:00.000Z', null, { 10: 3 });
    for (const [score, category] of [[5, 'satisfied'], [4, 'satisfied'], [3, 'neutral'], [1, 'dissatisfied']] as const) {
      await ctx.receive('2026-03-02T10:00:00.000Z', { score, metric: 'csat', scale: { min: 1, max: 5 }, category });
    }
    for (const score of [7, 5, 3]) await ctx.receive('2026-03-02T10:00:00.000Z', { score, metric: 'ces', scale: { min: 1, max: 7 }, category: score > 4 ? 'satisfied' : 'dissatisfied' });
    await planAll();
    expect((await ctx.get('?metric=nps')).body.figure).toMatchObject({ responses: 3, value: 100 });
    expect((await ctx.get('?metric=csat')).body.figure).toMatchObject({ responses: 4, value: 50, counts: { satisfied: 2, neutral: 1, dissatisfied: 1 } });
    expect((await ctx.get('?metric=ces')).body.figure).toMatchObject({ responses: 3, value: 5 });
    // Without the new parameters: today's answer, NPS only.
    expect((await ctx.get('')).body).toEqual({ responses: 3, promoters: 3, passives: 0, detractors: 0, nps: 100, since: null, until: null, source: null, survey: null });
  });

  it('refuses bad parameters with a 422 naming the field', async () => {
    ctx = insightsHub();
    const field = async (query: string) => {
      const res = await ctx.get(query);
      expect(res.status).toBe(422);
      return res.body.error.issues[0];
    };
    expect(await field('?by=colour')).toMatchObject({ field: 'by', message: expect.stringContaining('account.<field>') });
    expect(await field('?by=extra.a.b.c.d.e')).toMatchObject({ field: 'by' });
    expect(await field('?interval=year')).toMatchObject({ field: 'interval' });
    expect(await field('?metric=nps2')).toMatchObject({ field: 'metric' });
    expect(await field('?tz=Mars/Olympus')).toEqual({ field: 'tz', message: 'must be an IANA time zone name such as Europe/Paris' });
    expect(await field('?compare=previous')).toMatchObject({ field: 'compare' });
    expect(await field('?compare=last')).toMatchObject({ field: 'compare' });
    expect(await field('?interval=day&since=2020-01-01T00:00:00Z')).toMatchObject({ field: 'interval' });
    expect(await field('?by=plan&minSample=0')).toMatchObject({ field: 'minSample' });
    expect(await field('?by=plan&source=typo')).toEqual({ field: 'source', message: 'is not a known survey source' });
  });

  it('documented in the OpenAPI description', async () => {
    ctx = insightsHub();
    const doc = (await (await adminRequest(ctx.hub, '/api/openapi.json')).json()) as any;
    const names = doc.paths['/nps'].get.parameters.map((p: any) => p.name);
    expect(names).toEqual(expect.arrayContaining(['by', 'interval', 'compare', 'metric', 'tz', 'minSample', 'top', 'since', 'until', 'source', 'survey']));
    expect(doc.components.schemas.Insights.properties.series).toBeDefined();
  });
});
