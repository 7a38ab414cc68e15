import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { themesReport, ThemesQuery, verbatimsPage, VerbatimsQuery, type ThemesReport, type VerbatimsPage } from '../themes/theme-report.js';
import { themeTagger, type ThemeTagger } from '../themes/tagger.js';
import { NO_THEME_RULES } from '../themes/theme-rules.js';
import type { Store } from '../store/store.js';

export interface ThemeRouteDeps {
  store: Store;
  now: () => Date;
  /** The hub's theme rules. Default: none (no themes; verbatims still listed). */
  themes?: ThemeTagger;
}

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.object({ field: z.string(), message: z.string() })) }),
});
const Json = (schema: z.ZodType, description: string) => ({ content: { 'application/json': { schema } }, description });
const Errors = { 401: Json(ErrorBody, 'Missing or wrong bearer token'), 422: Json(ErrorBody, 'Invalid parameter') };
const Share = z.number().nullable();

const ThemesReportSchema = z
  .object({
    since: z.string().nullable(),
    until: z.string().nullable(),
    commented: z.object({ responses: z.number(), promoters: z.number(), passives: z.number(), detractors: z.number() }).openapi({
      description: 'Tagged, scored NPS responses with a comment: the denominators of the shares',
    }),
    untagged: z.number().openapi({ description: 'Responses with a comment the current rules have not tagged yet (closeloop themes retag)' }),
    themes: z.array(
      z
        .object({
          theme: z.string(),
          label: z.string(),
          mentions: z.number(),
          promoters: z.number(),
          passives: z.number(),
          detractors: z.number(),
          nps: z.number().nullable().openapi({ description: 'NPS among the responses mentioning the theme' }),
          detractorShare: Share.openapi({ description: '% of detractors with a comment who mention it' }),
          promoterShare: Share.openapi({ description: '% of promoters with a comment who mention it' }),
          othersShare: Share.openapi({ description: '% of promoters and passives with a comment who mention it' }),
          detractorLift: Share.openapi({ description: 'detractorShare − othersShare in points; themes are ranked by it' }),
        })
        .openapi('ThemeFigures'),
    ),
  })
  .openapi('ThemesReport') satisfies z.ZodType<ThemesReport>;

const VerbatimsSchema = z
  .object({
    verbatims: z.array(
      z
        .object({
          id: z.string(),
          receivedAt: z.string(),
          source: z.string(),
          surveyId: z.string().nullable(),
          metric: z.string(),
          score: z.number().nullable(),
          category: z.string().nullable(),
          comment: z.string(),
          themes: z.array(z.string()).nullable().openapi({ description: 'Null until the response is planned or re-tagged' }),
          sentiment: z.number().nullable().openapi({ description: 'AFINN score of the comment' }),
        })
        .openapi('Verbatim'),
    ),
    next: z.string().nullable().openapi({ description: '`before` of the next page; null on the last one' }),
  })
  .openapi('Verbatims') satisfies z.ZodType<VerbatimsPage>;

/** `GET /api/themes` and `GET /api/verbatims`, on the admin app (its token and its validation). */
export function registerThemeRoutes(app: OpenAPIHono, deps: ThemeRouteDeps) {
  const tagger = deps.themes ?? themeTagger(NO_THEME_RULES);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/themes',
      summary: 'NPS by theme, and the themes detractors raise more than others, over a period',
      request: { query: ThemesQuery },
      responses: { 200: Json(ThemesReportSchema, 'Every theme of the rules, ranked by detractor lift'), ...Errors },
    }),
    async (c) => c.json(await themesReport(deps.store, tagger, c.req.valid('query'), deps.now()), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/verbatims',
      summary: 'Comments newest first, with score, category, themes and sentiment; by theme, category and period',
      request: { query: VerbatimsQuery },
      responses: { 200: Json(VerbatimsSchema, 'A page of verbatims'), ...Errors },
    }),
    async (c) => c.json(await verbatimsPage(deps.store, tagger, c.req.valid('query'), deps.now()), 200),
  );
}
