import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { HubError, zodIssues } from '../core/errors.js';
import { JOB_STATUSES } from '../core/job.js';
import { deadJobFilter, ReplayFilter } from '../jobs/replay-filter.js';
import { replayDeadJob, replayInChunks } from '../jobs/replay.js';
import { timingSafeEqualText } from '../sources/hmac.js';
import { InsightsQuery, insightsReport, wantsInsights } from '../insights/insights-report.js';
import { npsReport, type NpsReport } from '../reports/nps-report.js';
import { InsightsReportSchema } from './insights-schemas.js';
import type { Store } from '../store/store.js';
import { VERDICTS, type RecipeVerdict } from '../recipes/verdict.js';
import { registerLoopRoutes } from './loops-api.js';
import type { ThemeTagger } from '../themes/tagger.js';
import { registerThemeRoutes } from './themes.js';
import { registerRespondentRoutes, type RespondentRouteDeps } from './respondents.js';
import { registerBacktestRoute, type BacktestRouteDeps } from './recipe-backtest.js';
import { campaignRoutes, type CampaignRouteDeps } from './campaigns.js';
import type { SlackActionStore } from '../store/slack-actions.js';

export interface AdminDeps {
  store: Store;
  /**
   * The bearer token every /api request must carry (CLOSELOOP_ADMIN_TOKEN, or the one the runtime
   * generated). Required: the API is never open without a credential, even from this machine
   * (a reverse proxy, a tunnel or DNS rebinding makes any peer look local).
   */
  adminToken: string;
  now: () => Date;
  /** Called after jobs are put back in the queue. */
  onReplayed?: () => void;
  /** The registered survey sources, by name (the NPS figures' `source` filter is checked against them). */
  sources: ReadonlyMap<string, unknown>;
  /** Theme rules, for /api/themes and /api/verbatims. Default: none. */
  themes?: ThemeTagger;
  /** The actions and their retry budgets, for `DELETE /respondents/{email}?downstream=true`. Absent: downstream erasure is refused. */
  erasure?: Pick<RespondentRouteDeps, 'registry' | 'maxAttempts'>;
  /** The store's backtest reads, the actions and the running recipes, for `POST /recipes/backtest`. Absent: 404. */
  backtest?: BacktestRouteDeps;
  /** The actions, their retry budgets and the runner's wake-up, for `/api/campaigns`. Absent: no campaign routes. */
  campaigns?: Omit<CampaignRouteDeps, 'store' | 'now'>;
  /** Who clicked what in Slack (the Slack app), shown with a response. Absent: not shown. */
  slackActions?: Pick<SlackActionStore, 'assignment' | 'slackActions'>;
}

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.object({ field: z.string(), message: z.string() })) }),
});
const Json = (schema: z.ZodType, description: string) => ({ content: { 'application/json': { schema } }, description });
const Errors = { 401: Json(ErrorBody, 'Missing or wrong bearer token'), 404: Json(ErrorBody, 'Not found'), 422: Json(ErrorBody, 'Invalid parameter') };

const ResponseSchema = z
  .looseObject({
    id: z.string(),
    source: z.string(),
    sourceResponseId: z.string(),
    metric: z.string(),
    score: z.number().nullable(),
    category: z.string().nullable(),
    comment: z.string().nullable(),
    receivedAt: z.string(),
  })
  .openapi('Response');
const JobSchema = z
  .looseObject({
    id: z.string(),
    key: z.string(),
    type: z.enum(['plan', 'action']),
    action: z.string().nullable(),
    status: z.enum(JOB_STATUSES),
    attempts: z.number(),
    lastError: z.string().nullable(),
    result: z.unknown(),
  })
  .openapi('Job');
const VerdictSchema = z
  .object({
    responseId: z.string(),
    responseVersion: z.number().openapi({ description: 'Version of the response this plan was made from (an update is planned again)' }),
    recipe: z.string(),
    verdict: z.enum(VERDICTS).openapi({ description: 'matched: fired; not_matched: condition false or not evaluable; throttled; disabled; no_score: the response has no score' }),
    reason: z.string().openapi({ description: 'Why, in words' }),
    skippedActions: z.array(z.object({ id: z.string(), action: z.string(), reason: z.string() })).openapi({ description: "Actions of a firing recipe left out by their own condition" }),
    plannedAt: z.string(),
  })
  .openapi('RecipeVerdict') satisfies z.ZodType<RecipeVerdict>;
const NpsFiguresSchema = z
  .object({
    nps: z.number().nullable().openapi({ description: '%promoters − %detractors, −100…+100, one decimal; null with no responses' }),
    responses: z.number(),
    promoters: z.number(),
    passives: z.number(),
    detractors: z.number(),
    since: z.string().nullable(),
    until: z.string().nullable(),
    source: z.string().nullable(),
    survey: z.string().nullable(),
  })
  // What npsReport answers: a field added there and not here fails the type check.
  .openapi('NpsFigures') satisfies z.ZodType<NpsReport>;
const SlackUserSchema = z.object({ id: z.string().openapi({ description: 'Slack user id (U…)' }), name: z.string().nullable().openapi({ description: 'The name Slack sent with the click' }) });
const SlackSchema = z
  .object({
    assignment: z.object({ user: SlackUserSchema, assignedAt: z.string() }).nullable().openapi({ description: "Who follows the response up (the newest \"I'll follow up\")" }),
    actions: z
      .array(z.object({ kind: z.enum(['open_ticket', 'follow_up', 'loop_closed', 'theme']), user: SlackUserSchema, value: z.string().nullable().openapi({ description: 'The theme picked' }), at: z.string() }))
      .openapi({ description: 'Every click on its Slack message, oldest first' }),
  })
  .openapi('SlackActivity');
const Limit = z.coerce.number().int().min(1).max(500).default(50).openapi({ description: 'Page size (1–500, default 50)' });

/** `/api/…`: read responses and jobs, replay dead jobs. Validated by zod, described as OpenAPI. */
export function adminRoutes(deps: AdminDeps) {
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = zodIssues(result.error as never);
        throw new HubError(422, 'invalid_request', `Invalid request: ${issues[0]?.field} ${issues[0]?.message}`, issues);
      }
    },
  });

  if (!deps.adminToken) throw new Error('adminRoutes: an admin token is required');
  app.use('*', async (c, next) => {
    // Compared here, in constant time, rather than by hono's bearerAuth, whose token charset
    // refuses (400) tokens the configuration accepts.
    const header = c.req.header('authorization');
    const challenge = { 'WWW-Authenticate': 'Bearer realm="closeloop"' };
    if (header === undefined) return c.json(unauthorized(), 401, challenge);
    const given = /^Bearer +(.+)$/i.exec(header)?.[1];
    // Another scheme (Basic…) is a malformed request (RFC 6750 §3.1), still naming the field.
    if (given === undefined) return c.json(unauthorized(), 400, challenge);
    if (!timingSafeEqualText(given, deps.adminToken)) return c.json(unauthorized(), 401, challenge);
    return next();
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/responses',
      summary: 'List responses, newest first',
      request: { query: z.object({ source: z.string().optional(), before: z.string().optional().openapi({ description: 'Id of the last response of the previous page' }), limit: Limit }) },
      responses: { 200: Json(z.object({ responses: z.array(ResponseSchema) }), 'Responses'), 401: Errors[401], 422: Errors[422] },
    }),
    async (c) => c.json({ responses: await deps.store.listResponses(c.req.valid('query')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/responses/{id}',
      summary: 'One response, what each recipe decided about it, and its jobs',
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: Json(
          z.object({ response: ResponseSchema, verdicts: z.array(VerdictSchema).openapi({ description: 'Newest version first' }), jobs: z.array(JobSchema), slack: SlackSchema.optional() }),
          'The response, the recipes\' verdicts (recorded when it was planned), its jobs, oldest first, and what people did on its Slack message (the Slack app)',
        ),
        ...Errors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const response = await deps.store.getResponse(id);
      if (!response) throw notFound('response', id);
      const [verdicts, jobs] = await Promise.all([deps.store.listVerdicts(id), deps.store.listJobs({ responseId: id, limit: 500 })]);
      const slack = deps.slackActions && (await slackActivity(deps.slackActions, id));
      return c.json({ response, verdicts, jobs: jobs.reverse(), ...(slack ? { slack } : {}) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs',
      summary: 'List jobs, newest first, by status and action',
      request: { query: z.object({ status: z.enum(JOB_STATUSES).optional(), action: z.string().optional(), limit: Limit }) },
      responses: { 200: Json(z.object({ jobs: z.array(JobSchema) }), 'Jobs'), 401: Errors[401], 422: Errors[422] },
    }),
    async (c) => c.json({ jobs: await deps.store.listJobs(c.req.valid('query')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs/{id}',
      summary: 'One job with its attempts',
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: Json(z.object({ job: JobSchema, attempts: z.array(z.looseObject({})) }), 'The job'), ...Errors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await deps.store.getJob(id);
      if (!job) throw notFound('job', id);
      return c.json({ job, attempts: await deps.store.listAttempts(id) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/jobs/{id}/replay',
      summary: 'Send a dead job again',
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: Json(z.object({ replayed: z.number() }), 'Queued again'), 409: Json(ErrorBody, 'The job is not dead, or its campaign was cancelled'), ...Errors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await deps.store.getJob(id);
      if (!job) throw notFound('job', id);
      if (job.status !== 'dead') throw new HubError(409, 'not_dead', `Job ${id} is ${job.status}; only dead jobs are replayed`, [{ field: 'id', message: `job is ${job.status}` }]);
      const replayed = await replayDeadJob(deps.store, job, deps.now(), 'id');
      deps.onReplayed?.();
      return c.json({ replayed }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/jobs/replay',
      summary: 'Send every dead job matching a filter again (a connector or an action, dead since a time)',
      request: { body: { content: { 'application/json': { schema: ReplayFilter } }, required: true } },
      responses: { 200: Json(z.object({ replayed: z.number() }), 'How many jobs were queued again'), 401: Errors[401], 422: Errors[422] },
    }),
    async (c) => {
      const now = deps.now();
      const ids = await deps.store.listDeadJobIds(deadJobFilter(c.req.valid('json'), now));
      const replayed = await replayInChunks(deps.store, ids, () => now);
      if (replayed) deps.onReplayed?.();
      return c.json({ replayed }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/nps',
      summary: 'NPS figures over a period, a source, a survey; with metric, by, interval or compare: CSAT or CES, by segment, as a series, compared and tested',
      request: { query: InsightsQuery },
      responses: {
        200: Json(z.union([NpsFiguresSchema, InsightsReportSchema]), 'Without metric, by, interval, compare: the NPS figures and their filter (NpsFigures); with any: Insights'),
        401: Errors[401],
        422: Errors[422],
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const report = wantsInsights(query) ? insightsReport(deps.store, query, deps.now(), deps.sources.keys()) : npsReport(deps.store, query, deps.now(), deps.sources.keys());
      return c.json(await report, 200);
    },
  );

  registerLoopRoutes(app, deps);
  registerThemeRoutes(app, deps);
  registerRespondentRoutes(app, { store: deps.store, now: deps.now, onReplayed: deps.onReplayed, ...deps.erasure });
  registerBacktestRoute(app, deps);
  if (deps.campaigns) app.route('/campaigns', campaignRoutes({ store: deps.store, now: deps.now, ...deps.campaigns }));

  // Paths are relative to where the app is mounted: /api.
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'closeloop admin API', version: '1' }, servers: [{ url: '/api' }] });
  return app;
}

function unauthorized() {
  return new HubError(401, 'unauthorized', 'Missing or wrong bearer token (CLOSELOOP_ADMIN_TOKEN)', [{ field: 'authorization', message: 'bearer token required' }]).toJSON();
}

function notFound(what: string, id: string) {
  return new HubError(404, 'not_found', `No ${what} ${id}`, [{ field: 'id', message: `no such ${what}` }]);
}

/** What people did on a response's Slack message: who follows it up, every click. */
async function slackActivity(store: NonNullable<AdminDeps['slackActions']>, id: string) {
  const [assignment, actions] = await Promise.all([store.assignment(id), store.slackActions(id)]);
  return {
    assignment: assignment ? { user: assignment.user, assignedAt: assignment.assignedAt } : null,
    actions: actions.map((a) => ({ kind: a.kind, user: a.user, value: a.value, at: a.at })),
  };
}
