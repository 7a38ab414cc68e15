import { afterEach, describe, expect, it } from 'vitest';
import { InsightsQuery, insightsReport } from '../../src/insights/insights-report.js';
import { csvLine, insightsCsv, insightsTable } from '../../src/insights/insights-table.js';
import { insightsHub } from './support.js';

let ctx: ReturnType<typeof insightsHub>;
afterEach(() => ctx?.hub.cleanup());

describe('the report as a table and as CSV', () => {
  it('quotes a CSV field with a comma, a quote or a line break (RFC 4180)', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', null, 3, false, { a: 1 }])).toBe('plain,"a,b","say ""hi""","two\nlines",,3,false,"{""a"":1}"');
  });

  it('a weekly series by plan: one CSV row per week and plan; the table lists the weeks with their tested change', async () => {
    ctx = insightsHub({ 'a@pro.com': { plan: 'pro' }, 'b@basic.com': { plan: 'basic' } });
    const email = (e: string) => ({ email: e, name: null, externalId: null });
    await ctx.receive('2026-03-03T10:00:00.000Z', { score: 10, respondent: email('a@pro.com') });
    await ctx.receive('2026-03-03T11:00:00.000Z', { score: 0, respondent: email('b@basic.com') });
    await ctx.receive('2026-03-10T10:00:00.000Z', { score: 9, respondent: email('a@pro.com') });
    ctx.clock.now = Date.parse('2026-03-12T00:00:00.000Z');
    await ctx.hub.loop.drain();
    const report = await insightsReport(ctx.hub.store, InsightsQuery.parse({ by: 'plan', interval: 'week', since: '2026-03-02T00:00:00Z' }), new Date(ctx.clock.now), ['generic']);
    expect(insightsCsv(report)).toEqual([
      'period,start,end,segment,metric,responses,promoters,passives,detractors,promoters_share,passives_share,detractors_share,value,margin_of_error,low,high,low_sample',
      '2026-03-02,2026-03-02T00:00:00.000Z,2026-03-09T00:00:00.000Z,basic,nps,1,0,0,1,0,0,100,-100,0,-100,-100,true',
      '2026-03-02,2026-03-02T00:00:00.000Z,2026-03-09T00:00:00.000Z,pro,nps,1,1,0,0,100,0,0,100,0,100,100,true',
      '2026-03-09,2026-03-09T00:00:00.000Z,2026-03-16T00:00:00.000Z,pro,nps,1,1,0,0,100,0,0,100,0,100,100,true',
    ]);
    const lines = insightsTable(report).split('\n');
    expect(lines[0]).toBe('NPS by plan: +33.3 ±106.7 (3 responses; since 2026-03-02T00:00:00.000Z, until 2026-03-12T00:00:00.000Z)');
    expect(lines.at(-3)).toMatch(/^week\s+responses\s+NPS\s+margin\s+promoters\s+passives\s+detractors\s+flag\s+change$/);
    expect(lines.at(-2)).toMatch(/^2026-03-02\s+2\s+0\s+±138\.6\s+50\.0%\s+0\.0%\s+50\.0%\s+low sample$/);
    expect(lines.at(-1)).toMatch(/^2026-03-09\s+1\s+\+100\s+±0\s+100\.0%\s+0\.0%\s+0\.0%\s+low sample\s+▲ \+100 \(p=0\.1573\)$/);
  });
});
