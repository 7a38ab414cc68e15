import { Hono, type Context } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { z } from 'zod';
import { HubError, zodIssues } from '../core/errors.js';
import { timingSafeEqualText } from '../sources/hmac.js';
import { verbatimsPage, VerbatimsQuery } from '../themes/theme-report.js';
import { themeTagger } from '../themes/tagger.js';
import { NO_THEME_RULES } from '../themes/theme-rules.js';
import { DASHBOARD_ASSETS } from './assets.generated.js';
import { dashboardGuards, formFields, type DashboardEnv } from './auth/guard.js';
import { endSession, startSession } from './auth/session.js';
import { SignInPage } from './auth/sign-in-page.js';
import { Layout, Notice, OptionalSections, type Section } from './components/layout.js';
import type { DashboardDeps } from './deps.js';
import { ApproveForm, approveFromForm, CampaignPage, CampaignQuery, campaignData, CampaignsPage, campaignsData, CancelForm, cancelFromForm } from './pages/campaigns.js';
import { loopHealthData, LoopHealthPage, LoopHealthQuery, progressText, replayJobs, ReplayForm } from './pages/loop-health.js';
import { OverviewPage, overviewData, OverviewQuery } from './pages/overview.js';
import { recipesData, RecipesPage } from './pages/recipes.js';
import { responseData, ResponsePage } from './pages/response.js';
import { ResponseSearchQuery, ResponsesPage, searchData } from './pages/responses.js';

export type { DashboardDeps } from './deps.js';

/** Pages never cached, never framed, scripts and styles only from the hub itself. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

type PageStatus = 200 | 401 | 403 | 404 | 409 | 422;

/** A query string or a form's fields validated by zod; a bad one throws a 422 naming the field. */
function validated<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = zodIssues(result.error as never);
    throw new HubError(422, 'invalid_request', `Invalid ${what}: ${issues[0]?.field} ${issues[0]?.message}`, issues);
  }
  return result.data;
}

const parseQuery = <S extends z.ZodType>(schema: S, c: Context) => validated(schema, c.req.query(), 'request');
const parseForm = <S extends z.ZodType>(schema: S, c: Context<DashboardEnv>, what: string) => validated(schema, c.get('form'), what);

/** A local path to return to after signing in (never another site: `//host`, `/\host`). */
function localPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

/** Where an error page's "Start again" goes: a page to GET — for a form's POST, the page it came from (`/loop-health/replay` → `/loop-health`). */
function startAgainPath(c: Context): string {
  return c.req.method === 'POST' ? c.req.path.replace(/\/[^/]*$/, '') || '/' : c.req.path;
}

const SECTION_OF_PATH: Record<string, Section> = { responses: 'responses', 'loop-health': 'loops', campaigns: 'campaigns', recipes: 'recipes' };

/** The navigation item an error page marks: the section its path is in (Overview for any other). */
function sectionOf(path: string): Section {
  return SECTION_OF_PATH[path.split('/')[1] ?? ''] ?? 'overview';
}

/**
 * The dashboard at `/` (docs/dashboard.md): server-rendered pages behind a cookie session got
 * with the admin token, a small script island for charts and live updates, assets from memory.
 */
export function dashboardRoutes(deps: DashboardDeps) {
  const app = new Hono<DashboardEnv>();
  const guard = dashboardGuards(deps.adminToken, deps.now);
  const sections = { campaigns: deps.campaigns !== undefined };
  // Every page, its navigation showing the sections this hub has.
  const page = (c: Context, body: JSX.Element, status: PageStatus = 200) =>
    c.html(`<!doctype html>${<OptionalSections.Provider value={sections}>{body}</OptionalSections.Provider>}`, status, PAGE_HEADERS);

  // A client mistake on a page is answered as a page naming the field, not the API's JSON.
  app.onError((error, c) => {
    if (error instanceof HubError && error.status < 500) {
      const csrf = c.get('session')?.csrf;
      return page(
        c,
        <Layout title="Cannot show this" section={sectionOf(c.req.path)} csrf={csrf}>
          <Notice kind="error">{error.message}</Notice>
          <p>
            <a href={startAgainPath(c)}>Start again</a>
          </p>
        </Layout>,
        error.status === 404 || error.status === 409 ? error.status : 422,
      );
    }
    throw error;
  });

  app.get(`/assets/dashboard.${DASHBOARD_ASSETS.hash}.js`, (c) =>
    c.body(DASHBOARD_ASSETS.js, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' }),
  );
  app.get(`/assets/dashboard.${DASHBOARD_ASSETS.hash}.css`, (c) =>
    c.body(DASHBOARD_ASSETS.css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' }),
  );

  app.get('/sign-in', (c) => page(c, <SignInPage next={localPath(c.req.query('next'))} notice={c.req.query('signed-out') === '1' ? 'Signed out.' : undefined} />));
  app.post('/sign-in', guard.sameOrigin, async (c) => {
    const form = await formFields(c);
    const next = localPath(form.next);
    // The token is compared and dropped: never logged, never echoed.
    if (!form.token || !timingSafeEqualText(form.token, deps.adminToken)) {
      return page(c, <SignInPage next={next} error="That is not the admin token. Check CLOSELOOP_ADMIN_TOKEN (or the generated token file) and try again." />, 401);
    }
    await startSession(c, await guard.key, deps.now());
    return c.redirect(next, 303);
  });
  app.post('/sign-out', ...guard.changes, (c) => {
    endSession(c);
    return c.redirect('/sign-in?signed-out=1', 303);
  });

  app.get('/', guard.signedIn, async (c) => page(c, <OverviewPage data={await overviewData(deps, parseQuery(OverviewQuery, c))} csrf={c.get('session').csrf} />));
  // The live verbatim feed: the newest comments; the island adds those it has not shown.
  app.get('/feed.json', guard.signedIn, async (c) => {
    const tagger = deps.themes ?? themeTagger(NO_THEME_RULES);
    const { verbatims } = await verbatimsPage(deps.store, tagger, VerbatimsQuery.parse({ limit: 20 }), deps.now());
    return c.json({ verbatims }, 200, { 'cache-control': 'no-store' });
  });

  app.get('/responses', guard.signedIn, async (c) => page(c, <ResponsesPage data={await searchData(deps, parseQuery(ResponseSearchQuery, c))} csrf={c.get('session').csrf} />));
  app.get('/responses/:id', guard.signedIn, async (c) => {
    const data = await responseData(deps, c.req.param('id'));
    if (!data) throw new HubError(404, 'not_found', `No response ${c.req.param('id')}`, [{ field: 'id', message: 'no such response' }]);
    return page(c, <ResponsePage data={data} csrf={c.get('session').csrf} />);
  });

  app.get('/loop-health', guard.signedIn, async (c) => page(c, <LoopHealthPage data={await loopHealthData(deps, parseQuery(LoopHealthQuery, c))} csrf={c.get('session').csrf} />));
  app.post('/loop-health/replay', ...guard.changes, async (c) => {
    const outcome = await replayJobs(deps, parseForm(ReplayForm, c, 'replay'));
    const query = new URLSearchParams({ replayed: String(outcome.replayed), since: outcome.since, ...(outcome.connector ? { connector: outcome.connector } : {}) });
    return c.redirect(`/loop-health?${query}#replay`, 303);
  });
  // Replay progress, polled by the island until nothing replayed is waiting.
  app.get('/loop-health/progress.json', guard.signedIn, async (c) => {
    const { since, connector } = parseQuery(z.object({ since: z.iso.datetime(), connector: z.string().max(40).optional() }), c);
    const progress = await deps.store.replayProgress(since, connector);
    return c.json({ ...progress, text: progressText(progress) }, 200, { 'cache-control': 'no-store' });
  });

  if (deps.campaigns) {
    app.get('/campaigns', guard.signedIn, async (c) => page(c, <CampaignsPage campaigns={await campaignsData(deps)} csrf={c.get('session').csrf} />));
    app.get('/campaigns/:id', guard.signedIn, async (c) => page(c, <CampaignPage data={await campaignData(deps, c.req.param('id'), parseQuery(CampaignQuery, c))} csrf={c.get('session').csrf} />));
    app.post('/campaigns/:id/approve', ...guard.changes, async (c) => {
      const { campaign, released, queued } = await approveFromForm(deps, c.req.param('id'), parseForm(ApproveForm, c, 'approval'));
      return c.redirect(`/campaigns/${encodeURIComponent(campaign.name)}?${new URLSearchParams({ approved: String(released), queued: String(queued) })}`, 303);
    });
    app.post('/campaigns/:id/cancel', ...guard.changes, async (c) => {
      const result = await cancelFromForm(deps, c.req.param('id'), parseForm(CancelForm, c, 'cancel'));
      const query = result.alreadyCancelled ? 'cancelled=already' : `cancelled=1&jobs=${result.jobsCancelled}`;
      return c.redirect(`/campaigns/${encodeURIComponent(result.campaign.name)}?${query}`, 303);
    });
  }

  app.get('/recipes', guard.signedIn, async (c) => page(c, <RecipesPage data={await recipesData(deps)} csrf={c.get('session').csrf} />));
  return app;
}
