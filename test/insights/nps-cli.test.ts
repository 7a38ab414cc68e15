import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { insightsHub } from './support.js';

const ROOT = resolve(import.meta.dirname, '../..');
let ctx: ReturnType<typeof insightsHub>;
afterEach(() => ctx?.hub.cleanup());

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/closeloop.js', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CLOSELOOP_DB: ctx.hub.config.CLOSELOOP_DB },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('closeloop nps --by, --csv', () => {
  it('prints NPS by plan as a table with intervals, as CSV, and names a bad option', { timeout: 120_000 }, async () => {
    ctx = insightsHub({ 'a@pro.com': { plan: 'pro' }, 'b@basic.com': { plan: 'basic' } });
    const now = Date.now();
    const at = new Date(now - 3 * 86_400_000).toISOString();
    for (let i = 0; i < 40; i++) await ctx.receive(at, { score: i < 30 ? 10 : 3, respondent: { email: 'a@pro.com', name: null, externalId: null } });
    for (let i = 0; i < 5; i++) await ctx.receive(at, { score: 0, respondent: { email: 'b@basic.com', name: null, externalId: null } });
    ctx.clock.now = now;
    await ctx.hub.loop.drain();
    await ctx.hub.close();

    const table = await cli(['nps', '--by', 'plan', '--since', '90d']);
    expect(table.stderr).toBe('');
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^NPS by plan: \+33\.3 ±\d+\.\d \(45 responses; since \S+, until \S+\)$/);
    expect(lines[2]).toMatch(/^plan\s+responses\s+NPS\s+margin\s+promoters\s+passives\s+detractors\s+flag$/);
    expect(lines[3]).toMatch(/^pro\s+40\s+\+50\s+±26\.8\s+75\.0%\s+0\.0%\s+25\.0%$/);
    expect(lines[4]).toMatch(/^basic\s+5\s+-100\s+±0\s+0\.0%\s+0\.0%\s+100\.0%\s+low sample$/);
    expect(lines).toContain('best: pro +50');

    const csv = await cli(['nps', '--by', 'plan', '--since', '90d', '--csv']);
    expect(csv.stdout.split('\n').slice(0, 3)).toEqual([
      'segment,metric,responses,promoters,passives,detractors,promoters_share,passives_share,detractors_share,value,margin_of_error,low,high,low_sample',
      expect.stringMatching(/^pro,nps,40,30,0,10,75,0,25,50,26.8,23.2,76.8,false$/),
      'basic,nps,5,0,0,5,0,0,100,-100,0,-100,-100,true',
    ]);

    const bad = await cli(['nps', '--by', 'colour', '--min-sample', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--by: must be one of source');
    expect(bad.stderr).toContain('--min-sample:');
  });
});
