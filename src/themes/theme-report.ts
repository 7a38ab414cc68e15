import { ROLLED_UP_DIMENSIONS, type RolledUpDimension } from '../insights/segments.js';
import { z } from 'zod';
import { HubError } from '../core/errors.js';
import { npsFromCounts } from '../core/nps.js';
import { Category } from '../core/response.js';
import { parseSince, TimeOrAgo } from '../core/time.js';
import type { Store } from '../store/store.js';
import type { Verbatim } from '../store/theme-tags.js';
import type { ThemeTagger } from './tagger.js';
import { ThemeName } from './theme-rules.js';

/** The period theme figures cover, as `GET /api/themes` and `closeloop themes` take it. */
export const ThemesQuery = z.object({
  /** Received at or after: an ISO 8601 time or a duration back from now (`30d`). Default: the beginning. */
  since: TimeOrAgo.optional(),
  /** Received before, in the same form. Default: now. */
  until: TimeOrAgo.optional(),
});
export type ThemesQuery = z.output<typeof ThemesQuery>;

/** One theme's figures over the scored NPS responses with a comment. */
export interface ThemeFigures {
  theme: string;
  label: string;
  /** Responses mentioning the theme. */
  mentions: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** NPS among the responses mentioning it; null with none. */
  nps: number | null;
  /** % of the detractors with a comment who mention it (one decimal); null with no such detractor. */
  detractorShare: number | null;
  /** % of the promoters with a comment who mention it. */
  promoterShare: number | null;
  /** % of the other respondents with a comment (promoters and passives) who mention it. */
  othersShare: number | null;
  /** detractorShare − othersShare, in points: how much more detractors raise it. Themes are ranked by it. */
  detractorLift: number | null;
}

export interface ThemesReport {
  since: string | null;
  until: string | null;
  /** Tagged, scored NPS responses with a comment: the shares' denominators. */
  commented: { responses: number; promoters: number; passives: number; detractors: number };
  /** Responses with a comment the current rules have not tagged yet (`closeloop themes retag`). */
  untagged: number;
  /** Every theme of the rules, the ones detractors raise most first. */
  themes: ThemeFigures[];
}

/** The period's bounds resolved against the clock; a period ending before it starts is refused naming `until`. */
export function resolvePeriod(query: { since?: string; until?: string }, now: Date): { since?: string; until?: string } {
  const since = query.since === undefined ? undefined : parseSince(query.since, now);
  const until = query.until === undefined ? undefined : parseSince(query.until, now);
  if (since !== undefined && until !== undefined && until <= since) {
    throw new HubError(422, 'invalid_request', `until (${until}) must be later than since (${since})`, [{ field: 'until', message: 'must be later than since' }]);
  }
  return { since, until };
}

/** NPS by theme and the themes that drive detractors, over a period. */
export async function themesReport(store: Store, tagger: ThemeTagger, query: ThemesQuery, now: Date): Promise<ThemesReport> {
  const period = resolvePeriod(query, now);
  const counts = await store.themeCounts({ ...period, rules: await tagger.fingerprint() });
  const c = counts.commented;
  const others = c.promoters + c.passives;
  const found = new Map(counts.byTheme.map((t) => [t.theme, t]));
  const themes = tagger.rules.themes.map((rule): ThemeFigures => {
    const t = found.get(rule.name) ?? { promoters: 0, passives: 0, detractors: 0 };
    const figures = npsFromCounts(t);
    const detractorShare = percent(t.detractors, c.detractors);
    const othersShare = percent(t.promoters + t.passives, others);
    return {
      theme: rule.name,
      label: rule.label,
      mentions: figures.responses,
      promoters: t.promoters,
      passives: t.passives,
      detractors: t.detractors,
      nps: figures.nps,
      detractorShare,
      promoterShare: percent(t.promoters, c.promoters),
      othersShare,
      detractorLift: detractorShare === null || othersShare === null ? null : tenth(detractorShare - othersShare),
    };
  });
  // Ranked by lift (unknown last), then by how often detractors raise it.
  themes.sort((a, b) => (b.detractorLift ?? -Infinity) - (a.detractorLift ?? -Infinity) || b.detractors - a.detractors || b.mentions - a.mentions);
  return {
    since: period.since ?? null,
    until: period.until ?? null,
    commented: { responses: c.promoters + c.passives + c.detractors, ...c },
    untagged: counts.untagged,
    themes,
  };
}

function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : tenth((part / whole) * 100);
}

/** One decimal, half away from zero, never −0. */
function tenth(value: number): number {
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * 10)) / 10;
  return rounded === 0 ? 0 : rounded;
}

/** Which verbatims `GET /api/verbatims` lists. */
export const VerbatimsQuery = z.object({
  /** Only comments tagged with this theme. */
  theme: ThemeName.optional(),
  /** Only this category (promoter, passive, detractor; CSAT: satisfied…). */
  category: Category.optional(),
  since: TimeOrAgo.optional(),
  until: TimeOrAgo.optional(),
  /** Id of the last verbatim of the previous page (keyset pagination). */
  before: z.string().min(1).max(100).optional(),
  /** Only responses in this segment, as their plan saw it: `plan:pro`, `region:EMEA`, `touchpoint:onboarding` (a dimension of GET /api/nps?by=). */
  segment: z
    .string()
    .regex(new RegExp(`^(${ROLLED_UP_DIMENSIONS.join('|')}):.+$`), `must be dimension:value, the dimension one of ${ROLLED_UP_DIMENSIONS.join(', ')}`)
    .transform((s) => ({ dimension: s.slice(0, s.indexOf(':')) as RolledUpDimension, value: s.slice(s.indexOf(':') + 1) }))
    .optional(),
  /** Page size, 1–500. Default 50. */
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type VerbatimsQuery = z.output<typeof VerbatimsQuery>;

export interface VerbatimsPage {
  verbatims: Verbatim[];
  /** `before` of the next page; null on the last one. */
  next: string | null;
}

/** Comments newest first, with score, category, themes and sentiment. A theme the rules do not have is refused naming `theme`. */
export async function verbatimsPage(store: Store, tagger: ThemeTagger, query: VerbatimsQuery, now: Date): Promise<VerbatimsPage> {
  if (query.theme !== undefined && !tagger.rules.themes.some((t) => t.name === query.theme)) {
    const known = tagger.rules.themes.map((t) => t.name).join(', ') || 'none';
    throw new HubError(422, 'invalid_request', `Unknown theme "${query.theme}"; known: ${known}`, [{ field: 'theme', message: 'is not a theme of the theme rules' }]);
  }
  const verbatims = await store.listVerbatims({ ...query, ...resolvePeriod(query, now) });
  return { verbatims, next: verbatims.length === query.limit ? verbatims[verbatims.length - 1]!.id : null };
}
