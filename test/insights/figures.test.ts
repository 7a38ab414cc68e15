import { jStat } from 'jstat';
import { describe, expect, it } from 'vitest';
import { addCounts, cesFigure, compareFigures, criticalValue, csatFigure, emptyCounts, figureOf, npsFigure, twoSidedPValue } from '../../src/insights/figures.js';

/** The +1/0/−1 coding of NPS answers, one number per answer, for jstat's own mean and variance. */
const coded = (p: number, pa: number, d: number) => [...Array(p).fill(1), ...Array(pa).fill(0), ...Array(d).fill(-1)] as number[];
/** Two-sided p-value of z by jstat. */
const jstatP = (z: number) => 2 * (1 - jStat.normal.cdf(Math.abs(z), 0, 1));

describe('the normal distribution (simple-statistics, checked against jstat)', () => {
  it('p-values match jstat to 1e-6', () => {
    for (const z of [0, 0.5, 1, 1.645, 1.96, 2.5, 3.29, -2.2]) expect(twoSidedPValue(z)).toBeCloseTo(jstatP(z), 6);
  });

  it("critical values match jstat's inverse to 1e-6", () => {
    for (const confidence of [0.8, 0.9, 0.95, 0.99]) {
      const reference = jStat.normal.inv(1 - (1 - confidence) / 2, 0, 1);
      expect(criticalValue(confidence)).toBeCloseTo(reference, 6);
    }
    expect(() => criticalValue(1)).toThrow(RangeError);
  });
});

describe('NPS figure', () => {
  it("a published worked example: 291 promoters, 476 passives, 395 detractors → NPS −9 ± 4.4 at 95% (talkstats.com thread 58500)", () => {
    const f = npsFigure({ promoters: 291, passives: 476, detractors: 395 });
    expect(f.responses).toBe(1162);
    expect(Math.round(f.value!)).toBe(-9);
    expect(f.marginOfError!).toBeCloseTo(4.4, 1);
    expect(f.low).toBeCloseTo(f.value! - f.marginOfError!, 9);
    expect(f.shares).toEqual({ promoters: (291 / 1162) * 100, passives: (476 / 1162) * 100, detractors: (395 / 1162) * 100 });
  });

  it("the variance of the coding: ½ promoters, ⅓ passives, ⅙ detractors → 5/9 (Cross Validated 'margin of error in a NPS result')", () => {
    const f = npsFigure({ promoters: 3, passives: 2, detractors: 1 });
    expect(f.value).toBeCloseTo(100 / 3, 9);
    expect(f.standardError!).toBeCloseTo(Math.sqrt(5 / 9 / 6) * 100, 9);
  });

  it("standard error and interval equal jstat's over the coded answers", () => {
    for (const [p, pa, d] of [[50, 30, 20], [12, 40, 48], [400, 10, 5], [1, 1, 1]] as const) {
      const values = coded(p, pa, d);
      const f = npsFigure({ promoters: p, passives: pa, detractors: d });
      expect(f.value!).toBeCloseTo(jStat.mean(values) * 100, 9);
      const se = Math.sqrt(jStat.variance(values) / values.length) * 100;
      expect(f.standardError!).toBeCloseTo(se, 9);
      expect(f.marginOfError!).toBeCloseTo(jStat.normal.inv(0.975, 0, 1) * se, 4);
    }
  });

  it('no answers: no value, flagged; a small sample is flagged below the minimum', () => {
    expect(npsFigure({ promoters: 0, passives: 0, detractors: 0 })).toMatchObject({ responses: 0, value: null, marginOfError: null, lowSample: true });
    expect(npsFigure({ promoters: 20, passives: 5, detractors: 4 }).lowSample).toBe(true);
    expect(npsFigure({ promoters: 20, passives: 5, detractors: 5 }).lowSample).toBe(false);
    expect(npsFigure({ promoters: 2, passives: 0, detractors: 0 }, { minSample: 2 })).toMatchObject({ value: 100, marginOfError: 0, low: 100, high: 100, lowSample: false });
  });

  it('the interval stays within −100…+100', () => {
    const f = npsFigure({ promoters: 9, passives: 0, detractors: 1 });
    expect(f.high).toBe(100);
    expect(f.low).toBeGreaterThan(-100);
  });
});

describe('CSAT and CES figures, never mixed with NPS', () => {
  it('CSAT is the share satisfied with its Wald interval', () => {
    const f = csatFigure({ satisfied: 80, neutral: 10, dissatisfied: 10 });
    expect(f.value).toBeCloseTo(80, 9);
    expect(f.standardError!).toBeCloseTo(Math.sqrt((0.8 * 0.2) / 100) * 100, 9);
    expect(f.counts).toEqual({ satisfied: 80, neutral: 10, dissatisfied: 10 });
  });

  it("CES is the mean score, its interval from the sample variance (jstat's)", () => {
    const scores = [7, 6, 6, 5, 4, 7, 3, 6, 5, 2];
    const counts = emptyCounts();
    for (const s of scores) addCounts(counts, s >= 5 ? 'satisfied' : s === 4 ? 'neutral' : 'dissatisfied', 1, s, s * s);
    const f = cesFigure(counts);
    expect(f.value!).toBeCloseTo(jStat.mean(scores), 9);
    expect(f.standardError!).toBeCloseTo(Math.sqrt(jStat.variance(scores, true) / scores.length), 9);
  });

  it('a figure reads only its own metric: NPS counts do not become CSAT, and figures of two metrics do not compare', () => {
    const counts = addCounts(addCounts(emptyCounts(), 'promoter', 40), 'satisfied', 10);
    expect(figureOf('nps', counts).responses).toBe(40);
    expect(figureOf('csat', counts).responses).toBe(10);
    expect(() => compareFigures(figureOf('nps', counts), figureOf('csat', counts))).toThrow('cannot compare nps with csat');
  });
});

describe('the change between two periods or two segments', () => {
  it("NPS: z and p over independent samples, as jstat computes them", () => {
    const before = npsFigure({ promoters: 300, passives: 400, detractors: 300 });
    const after = npsFigure({ promoters: 380, passives: 380, detractors: 240 });
    const change = compareFigures(before, after);
    const se = Math.sqrt(jStat.variance(coded(300, 400, 300)) / 1000 + jStat.variance(coded(380, 380, 240)) / 1000) * 100;
    expect(change.delta!).toBeCloseTo(14, 9);
    expect(change.standardError!).toBeCloseTo(se, 9);
    expect(change.z!).toBeCloseTo(14 / se, 9);
    expect(change.pValue!).toBeCloseTo(jstatP(14 / se), 6);
    expect(change.significant).toBe(true);
  });

  it('a small change, or a small sample, is not significant', () => {
    const change = compareFigures(npsFigure({ promoters: 50, passives: 30, detractors: 20 }), npsFigure({ promoters: 53, passives: 28, detractors: 19 }));
    expect(change.pValue!).toBeGreaterThan(0.05);
    expect(change.significant).toBe(false);
    // All detractors, then all promoters: as large as a change gets, but 10 answers each.
    const tiny = compareFigures(npsFigure({ promoters: 5, passives: 0, detractors: 5 }), npsFigure({ promoters: 10, passives: 0, detractors: 0 }));
    expect(tiny.pValue!).toBeLessThan(0.05);
    expect(tiny.significant).toBe(false);
  });

  it('CSAT: the pooled two-proportion z-test (jstat as the reference)', () => {
    const before = csatFigure({ satisfied: 140, neutral: 30, dissatisfied: 30 });
    const after = csatFigure({ satisfied: 170, neutral: 15, dissatisfied: 15 });
    const pooled = 310 / 400;
    const se = Math.sqrt(pooled * (1 - pooled) * (2 / 200)) * 100;
    const change = compareFigures(before, after);
    expect(change.delta!).toBeCloseTo(15, 9);
    expect(change.z!).toBeCloseTo(15 / se, 9);
    expect(change.pValue!).toBeCloseTo(jstatP(15 / se), 6);
    expect(change.significant).toBe(true);
  });

  it('no answers on one side: no change to report', () => {
    expect(compareFigures(npsFigure({ promoters: 0, passives: 0, detractors: 0 }), npsFigure({ promoters: 40, passives: 0, detractors: 0 }))).toEqual({ delta: null, standardError: null, z: null, pValue: null, significant: false });
  });
});
