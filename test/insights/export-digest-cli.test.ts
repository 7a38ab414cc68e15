import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { NormalizedResponse } from '../../src/core/response.js';
import { insightsHub } from './support.js';

const ROOT = resolve(import.meta.dirname, '../..');
let ctx: ReturnType<typeof insightsHub>;
afterEach(() => ctx?.hub.cleanup());

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/closeloop.js', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CLOSELOOP_DB: ctx.hub.config.CLOSELOOP_DB, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('closeloop export and closeloop digest --dry-run', () => {
  it('exports every response with its segments, page after page, as CSV and NDJSON', { timeout: 180_000 }, async () => {
    ctx = insightsHub({ 'a@acme.com': { id: 'A1', name: 'Acme, Inc.', plan: 'pro', arr: 60_000, owner: { name: 'Dana', email: null } } });
    await ctx.receive('2026-03-02T10:00:00.000Z', { score: 3, comment: 'Too "slow",\nreally', touchpoint: 'support', surveyId: 'S1', respondent: { email: 'a@acme.com', name: null, externalId: null }, extra: { cohort: 'beta' } });
    await ctx.hub.loop.drain();
    // More than a page (1,000) that are not planned yet: exported without segments.
    const base = NormalizedResponse.parse({ source: 'generic', sourceResponseId: 'x', score: 9 });
    await Promise.all(Array.from({ length: 1001 }, (_, i) => ctx.hub.store.ingest({ response: { ...base, sourceResponseId: `bulk-${i}` }, rawBody: '{}', contentType: 'application/json' })));
    await ctx.hub.close();

    const csv = await cli(['export']);
    expect(csv.stderr).toBe('');
    const lines = csv.stdout.split('\n');
    expect(lines[0]).toBe('id,received_at,answered_at,version,source,source_response_id,survey,touchpoint,metric,score,category,comment,respondent_email,plan,tier,arr_band,region,owner,lifecycle,crm,account_id,account_name,account,themes,sentiment,extra,planned_at');
    expect(lines[1]).toMatch(/^[\w-]+,2026-03-02T10:00:00\.000Z,,1,generic,r-1,S1,support,nps,3,detractor,"Too ""slow"",$/);
    expect(lines[2]).toMatch(/^really",a@acme\.com,pro,,50k–100k,,Dana,,,A1,"Acme, Inc\.","\{""id"":""A1"",.*\}","\[""performance""\]",0,"\{""cohort"":""beta""\}",2026-03-02T10:00:00\.000Z$/);
    expect(lines.at(-2)).toMatch(/,bulk-1000,,,nps,9,promoter,,,,,,,,,,,,,,,\{\},$/);

    const file = join(ctx.hub.dir, 'out.ndjson');
    const nd = await cli(['export', '--format', 'ndjson', '--since', '2026-03-02T10:00:00Z', '--output', file]);
    expect(nd.stderr).toBe(`exported 1002 response(s) to ${file}\n`);
    const records = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(1002);
    expect(records[0]).toMatchObject({ source_response_id: 'r-1', plan: 'pro', arr_band: '50k–100k', owner: 'Dana', account_name: 'Acme, Inc.', extra: { cohort: 'beta' }, comment: 'Too "slow",\nreally', themes: ['performance'], sentiment: expect.any(Number) });
    expect(new Set(records.map((r) => r.id)).size).toBe(1002);

    expect((await cli(['export', '--format', 'xml'])).stderr).toContain('--format:');
  });

  it('prints the digest of the last complete week', { timeout: 120_000 }, async () => {
    ctx = insightsHub({ 'a@acme.com': { plan: 'pro', name: 'Acme' } });
    const monday = new Date();
    monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7) - 7);
    monday.setUTCHours(12, 0, 0, 0);
    for (const score of [10, 10, 7, 2]) await ctx.receive(monday.toISOString(), { score, comment: `said ${score}`, respondent: { email: 'a@acme.com', name: null, externalId: null } });
    ctx.clock.now = Date.now();
    await ctx.hub.loop.drain();
    await ctx.hub.close();
    const out = await cli(['digest', '--dry-run'], { CLOSELOOP_DIGEST_CHANNEL: '#cx' });
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain(`#cx: Weekly NPS, week of ${monday.toISOString().slice(0, 10)}: +25 (no answers the week before to compare)`);
    expect(out.stdout).toContain('NPS\n  +25 ±');
    expect(out.stdout).toContain('Best by plan\n  none with 30+ answers');
    expect(out.stdout).toContain('Promoter (10, Acme)\n  said 10');
    expect(out.stdout).toContain('Detractor (2, Acme)\n  said 2');
    const none = await cli(['digest']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('CLOSELOOP_DIGEST_CHANNEL: is not set');
  });
});
