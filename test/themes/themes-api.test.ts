import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadThemeRules } from '../../src/themes/parse-themes.js';
import { themeTagger } from '../../src/themes/tagger.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

type ErrorBody = { error: { code: string; issues: { field: string; message: string }[] } };
type Verbatims = { verbatims: { id: string; comment: string; score: number; category: string; themes: string[]; sentiment: number }[]; next: string | null };

const TOKEN = 'admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const RULES = 'themes:\n  billing:\n    label: Billing\n    keywords: [bill, invoice, price]\n  speed:\n    keywords: [slow]\n  support:\n    keywords: [support]\n  onboarding:\n    keywords: [setup]\n';

/** Score, comment; the first four arrive on 1 March, the rest on 10 March. */
const RESPONSES: [number, string | null][] = [
  [1, 'Billed twice'],
  [4, 'Slow, and the invoice is wrong'],
  [6, 'slow'],
  [8, 'the price is ok'],
  [10, 'great support'],
  [9, 'support is fast'],
  [10, null],
  [3, 'meh'],
];

describe('GET /api/themes and GET /api/verbatims', () => {
  let hub: ReturnType<typeof makeTestHub>;
  const ids: string[] = [];
  let clock = new Date('2026-03-01T12:00:00Z');
  const get = async (path: string, headers: Record<string, string> = auth) => {
    const res = await hub.app.request(path, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };
  const commentOf = (id: string) => RESPONSES[ids.indexOf(id)]![1];

  beforeAll(async () => {
    hub = makeTestHub({
      env: { CLOSELOOP_ADMIN_TOKEN: TOKEN },
      recipes: [],
      themes: themeTagger(loadThemeRules({ file: 'themes.yaml', text: RULES })),
      now: () => clock,
    });
    for (const [i, [score, comment]] of RESPONSES.entries()) {
      if (i === 4) clock = new Date('2026-03-10T12:00:00Z');
      const res = await postWebhook(hub, 'generic', { response_id: `r-${i}`, score, comment });
      ids.push(((await res.json()) as { id: string }).id);
    }
    await hub.loop.drain();
  });
  afterAll(async () => hub?.cleanup());

  it('themes: NPS by theme, the share of detractors, promoters and others mentioning it, ranked by detractor lift', async () => {
    const { status, body } = await get('/api/themes');
    expect(status).toBe(200);
    // Commented and tagged: detractors 1, 4, 6, 3; passive 8; promoters 10, 9 (the 10 without a comment is left out).
    expect(body).toEqual({
      since: null,
      until: null,
      commented: { responses: 7, promoters: 2, passives: 1, detractors: 4 },
      untagged: 0,
      themes: [
        // 2 of 4 detractors, none of the 3 others: lift 50 points.
        { theme: 'speed', label: 'speed', mentions: 2, promoters: 0, passives: 0, detractors: 2, nps: -100, detractorShare: 50, promoterShare: 0, othersShare: 0, detractorLift: 50 },
        // 2 of 4 detractors, 1 of 3 others (the passive): 50 − 33.3.
        { theme: 'billing', label: 'Billing', mentions: 3, promoters: 0, passives: 1, detractors: 2, nps: -66.7, detractorShare: 50, promoterShare: 0, othersShare: 33.3, detractorLift: 16.7 },
        { theme: 'onboarding', label: 'onboarding', mentions: 0, promoters: 0, passives: 0, detractors: 0, nps: null, detractorShare: 0, promoterShare: 0, othersShare: 0, detractorLift: 0 },
        { theme: 'support', label: 'support', mentions: 2, promoters: 2, passives: 0, detractors: 0, nps: 100, detractorShare: 0, promoterShare: 100, othersShare: 66.7, detractorLift: -66.7 },
      ],
    });
  });

  it('themes over a period', async () => {
    const { body } = await get('/api/themes?since=2026-03-05T00:00:00Z');
    expect(body.commented).toEqual({ responses: 3, promoters: 2, passives: 0, detractors: 1 });
    expect(body.themes.map((t: any) => [t.theme, t.mentions, t.detractorShare, t.promoterShare])).toEqual([
      ['billing', 0, 0, 0],
      ['speed', 0, 0, 0],
      ['onboarding', 0, 0, 0],
      ['support', 2, 0, 100],
    ]);
    const early = await get('/api/themes?until=2026-03-05T00:00:00Z');
    expect(early.body.commented).toEqual({ responses: 4, promoters: 0, passives: 1, detractors: 3 });
    expect(early.body.themes[0]).toMatchObject({ theme: 'speed', detractorShare: 66.7, othersShare: 0, promoterShare: null });
  });

  it('themes: bad periods are 422 naming the field; no token is 401', async () => {
    const bad = await get('/api/themes?since=yesterday');
    expect(bad.status).toBe(422);
    expect((bad.body as ErrorBody).error.issues).toEqual([{ field: 'since', message: 'must be an ISO 8601 time (2026-03-02T10:00:00Z) or a duration back from now (90m, 2h, 3d, 1w)' }]);
    const backwards = await get('/api/themes?since=2026-03-05T00:00:00Z&until=2026-03-01T00:00:00Z');
    expect(backwards.status).toBe(422);
    expect((backwards.body as ErrorBody).error.issues).toEqual([{ field: 'until', message: 'must be later than since' }]);
    expect((await get('/api/themes', {})).status).toBe(401);
    expect((await get('/api/verbatims', {})).status).toBe(401);
  });

  it('verbatims: comments newest first with score, category, themes and sentiment, page by page', async () => {
    const first = (await get('/api/verbatims?limit=3')).body as Verbatims;
    expect(first.verbatims.map((v) => [v.comment, v.score, v.category, v.themes, v.sentiment])).toEqual([
      ['meh', 3, 'detractor', [], 0],
      ['support is fast', 9, 'promoter', ['support'], 2], // support +2
      ['great support', 10, 'promoter', ['support'], 5], // great +3, support +2
    ]);
    expect(first.next).toBe(first.verbatims[2]!.id);
    const second = (await get(`/api/verbatims?limit=3&before=${first.next}`)).body as Verbatims;
    expect(second.verbatims.map((v) => v.comment)).toEqual(['the price is ok', 'slow', 'Slow, and the invoice is wrong']);
    const last = (await get(`/api/verbatims?limit=3&before=${second.next}`)).body as Verbatims;
    expect(last).toEqual({ verbatims: [expect.objectContaining({ comment: 'Billed twice', themes: ['billing'] })], next: null });
    expect(last.verbatims[0]).toEqual({
      id: ids[0],
      receivedAt: '2026-03-01T12:00:00.000Z',
      source: 'generic',
      surveyId: null,
      metric: 'nps',
      score: 1,
      category: 'detractor',
      comment: 'Billed twice',
      themes: ['billing'],
      sentiment: 0,
    });
  });

  it('verbatims by theme, category and period, with keyset pages within a theme', async () => {
    const comments = async (query: string) => ((await get(`/api/verbatims?${query}`)).body as Verbatims).verbatims.map((v) => commentOf(v.id));
    expect(await comments('theme=billing')).toEqual(['the price is ok', 'Slow, and the invoice is wrong', 'Billed twice']);
    const page = (await get('/api/verbatims?theme=billing&limit=2')).body as Verbatims;
    expect(page.next).toBe(ids[1]);
    expect(await comments(`theme=billing&limit=2&before=${page.next}`)).toEqual(['Billed twice']);
    expect(await comments('category=detractor')).toEqual(['meh', 'slow', 'Slow, and the invoice is wrong', 'Billed twice']);
    expect(await comments('theme=speed&category=detractor&until=2026-03-01T12:00:00.001Z')).toEqual(['slow', 'Slow, and the invoice is wrong']);
    expect(await comments('since=2026-03-05T00:00:00Z')).toEqual(['meh', 'support is fast', 'great support']);
    expect(await comments('theme=onboarding')).toEqual([]);
  });

  it('verbatims: an unknown theme, category or limit is a 422 naming the field', async () => {
    const unknown = await get('/api/verbatims?theme=pricing');
    expect(unknown.status).toBe(422);
    expect((unknown.body as ErrorBody).error.issues).toEqual([{ field: 'theme', message: 'is not a theme of the theme rules' }]);
    for (const [query, field] of [['theme=Not%20A%20Name', 'theme'], ['category=angry', 'category'], ['limit=0', 'limit'], ['limit=501', 'limit'], ['until=soon', 'until']]) {
      const res = await get(`/api/verbatims?${query}`);
      expect(res.status, query).toBe(422);
      expect((res.body as ErrorBody).error.issues.map((i) => i.field), query).toEqual([field]);
    }
  });

  // Last: it adds a response (in April, out of the other tests' periods).
  it('a response not planned yet counts as untagged, out of the shares', async () => {
    clock = new Date('2026-04-02T12:00:00Z');
    await postWebhook(hub, 'generic', { response_id: 'r-late', score: 2, comment: 'slow' });
    const waiting = (await get('/api/themes?since=2026-04-01T00:00:00Z')).body;
    expect(waiting).toMatchObject({ untagged: 1, commented: { responses: 0, promoters: 0, passives: 0, detractors: 0 } });
    await hub.loop.drain();
    const planned = (await get('/api/themes?since=2026-04-01T00:00:00Z')).body;
    expect(planned).toMatchObject({ untagged: 0, commented: { responses: 1, promoters: 0, passives: 0, detractors: 1 } });
    expect(planned.themes[0]).toMatchObject({ theme: 'speed', mentions: 1, detractorShare: 100, othersShare: null, detractorLift: null });
  });

  it('both are in the OpenAPI document', async () => {
    const { body } = await get('/api/openapi.json');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/themes', '/verbatims']));
    expect(body.paths['/verbatims'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['before', 'category', 'limit', 'segment', 'since', 'theme', 'until']);
    expect(Object.keys(body.components.schemas)).toEqual(expect.arrayContaining(['ThemesReport', 'ThemeFigures', 'Verbatims', 'Verbatim']));
  });
});
