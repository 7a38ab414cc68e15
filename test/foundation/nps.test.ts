import { afterEach, describe, expect, it } from 'vitest';
import { npsCategory, npsFromCounts, npsFromScores } from '../../src/core/nps.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

type ErrorBody = { error: { code: string; message: string; issues: { field: string; message: string }[] } };

describe('NPS classification', () => {
  it.each([
    [0, 'detractor'],
    [6, 'detractor'],
    [7, 'passive'],
    [8, 'passive'],
    [9, 'promoter'],
    [10, 'promoter'],
  ])('score %i is a %s', (score, category) => {
    expect(npsCategory(score)).toBe(category);
  });

  it.each([-1, 11, 7.5, Number.NaN])('npsCategory(%s) throws a RangeError', (score) => {
    expect(() => npsCategory(score)).toThrow(RangeError);
  });
});

describe('NPS scores through POST /webhooks/generic', () => {
  let hub: ReturnType<typeof makeTestHub>;
  afterEach(async () => hub?.cleanup());

  it.each([
    [0, 'detractor'],
    [6, 'detractor'],
    [7, 'passive'],
    [8, 'passive'],
    [9, 'promoter'],
    [10, 'promoter'],
  ])('stores score %i as %s', async (score, category) => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'generic', { response_id: `r-${score}`, score });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const stored = await hub.store.getResponse(id);
    expect(stored).toMatchObject({ score, category, metric: 'nps', sourceResponseId: `r-${score}` });
  });

  it('accepts a score sent as a string ("9") and stores the number', async () => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'generic', { response_id: 'r-str', score: '9' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await hub.store.getResponse(id)).toMatchObject({ score: 9, category: 'promoter' });
  });

  it.each([
    [-1, 'must be from 0 to 10 for nps, got -1'],
    [11, 'must be from 0 to 10 for nps, got 11'],
    [7.5, 'must be a whole number'],
    ['7.5', 'must be a whole number'],
  ])('rejects score %s with 422 naming `score`, and stores nothing', async (score, message) => {
    hub = makeTestHub();
    const res = await postWebhook(hub, 'generic', { response_id: 'bad', score });
    expect(res.status).toBe(422);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('invalid_response');
    expect(body.error.issues).toEqual([{ field: 'score', message }]);
    expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
    expect(await hub.store.listJobs({ limit: 10 })).toEqual([]);
  });
});

describe('NPS arithmetic', () => {
  it('is %promoters − %detractors over all responses', () => {
    expect(npsFromScores([10, 9, 8, 7, 0])).toEqual({ responses: 5, promoters: 2, passives: 2, detractors: 1, nps: 20 });
    expect(npsFromScores([10, 10, 10])).toEqual({ responses: 3, promoters: 3, passives: 0, detractors: 0, nps: 100 });
    expect(npsFromScores([0, 6, 3])).toEqual({ responses: 3, promoters: 0, passives: 0, detractors: 3, nps: -100 });
    expect(npsFromScores([7, 8])).toEqual({ responses: 2, promoters: 0, passives: 2, detractors: 0, nps: 0 });
  });

  it('has no NPS for no responses', () => {
    expect(npsFromScores([])).toEqual({ responses: 0, promoters: 0, passives: 0, detractors: 0, nps: null });
    expect(npsFromCounts({ promoters: 0, passives: 0, detractors: 0 }).nps).toBeNull();
  });

  it('rounds to one decimal, half away from zero, the same for gains and losses, never −0', () => {
    expect(npsFromCounts({ promoters: 1, passives: 2, detractors: 0 }).nps).toBe(33.3);
    expect(npsFromCounts({ promoters: 2, passives: 1, detractors: 0 }).nps).toBe(66.7);
    expect(npsFromCounts({ promoters: 0, passives: 1, detractors: 2 }).nps).toBe(-66.7);
    // ±1/2000 = ±0.05 exactly: both halves round away from zero.
    expect(npsFromCounts({ promoters: 1, passives: 1999, detractors: 0 }).nps).toBe(0.1);
    expect(npsFromCounts({ promoters: 0, passives: 1999, detractors: 1 }).nps).toBe(-0.1);
    // −1/4001 = −0.025 %: rounds to 0, and a plain 0 (Object.is tells −0 apart).
    expect(Object.is(npsFromCounts({ promoters: 0, passives: 4000, detractors: 1 }).nps, 0)).toBe(true);
  });

  it('refuses a list holding a score that is not NPS', () => {
    expect(() => npsFromScores([9, 11])).toThrow(RangeError);
  });
});
