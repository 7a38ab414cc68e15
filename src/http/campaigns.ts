import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { ActionRegistry } from '../../connectors/registry.js';
import { approveCampaign, campaignStatus, cancelCampaign, createCampaign, dryRunCampaign, listCampaigns } from '../campaigns/campaigns.js';
import { compileCampaignOrThrow, schemaIssuesOf } from '../campaigns/compile.js';
import { CampaignDefinition, CancelRequest } from '../campaigns/definition.js';
import { HubError, issuePath, zodIssues } from '../core/errors.js';
import { CANCELLED_BY } from '../store/campaigns.js';
import type { Store } from '../store/store.js';
import { Errors, ErrorBody, Json } from './openapi-shapes.js';

/** What the campaign routes need beyond the admin API's store and clock. */
export interface CampaignRouteDeps {
  store: Store;
  now: () => Date;
  registry: ActionRegistry;
  /** Attempts of each contact's job (its connector's retry policy). */
  maxAttempts(action: string): number;
  /** Called when jobs were queued (a wave released): wakes the runner. */
  onJobsQueued?: () => void;
}

const Counts = {
  members: z.number(),
  skipped: z.number().openapi({ description: 'Frozen without a job: their parameters did not validate, or retention removed their data' }),
  queued: z.number().openapi({ description: 'Waiting to run, running, or waiting for a retry' }),
  sent: z.number().openapi({ description: 'Delivered' }),
  sandboxed: z.number().openapi({ description: 'Recorded, not sent (the connector has no credentials)' }),
  failed: z.number().openapi({ description: 'Dead-lettered; replay them like any job' }),
  cancelled: z.number().openapi({ description: 'Never sent: still queued when the campaign was cancelled' }),
};
const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    action: z.string(),
    createdAt: z.string(),
    definition: z.unknown().openapi({ description: 'The definition as it was given' }),
    betweenWaves: z.union([z.object({ approval: z.literal(true) }), z.object({ pauseMs: z.number() })]),
    cancelled: z
      .object({ at: z.string(), by: z.enum(CANCELLED_BY), reason: z.string().nullable() })
      .nullable()
      .openapi({ description: 'When, from where (cli, api, dashboard) and why it was cancelled; null while it runs' }),
    next: z
      .union([z.object({ wave: z.number(), releases: z.literal('on approval') }), z.object({ wave: z.number(), releases: z.literal('at'), at: z.string() })])
      .nullable()
      .openapi({ description: 'The next wave and what releases it; null once every wave is released, or once cancelled (no wave will be released)' }),
    waves: z.array(z.object({ wave: z.number(), label: z.string(), releasedAt: z.string().nullable(), releasedBy: z.string().nullable(), ...Counts })),
    totals: z.object(Counts),
  })
  .openapi('Campaign');
const DryRunSchema = z
  .object({
    dryRun: z.literal(true),
    name: z.string(),
    action: z.string(),
    members: z.number(),
    skipped: z.number(),
    waves: z.array(
      z.object({
        wave: z.number(),
        label: z.string(),
        members: z.array(z.object({ responseId: z.string(), respondent: z.string().nullable(), score: z.number().nullable(), params: z.unknown().openapi({ description: 'The rendered, validated parameters' }), skipped: z.string().nullable() })),
      }),
    ),
  })
  .openapi('CampaignDryRun');
const CampaignRequest = CampaignDefinition.extend({ dryRun: z.boolean().optional().describe('List who would be contacted, in which wave, with the rendered parameters; write nothing') });
const IdParam = z.object({ id: z.string().openapi({ description: 'The campaign id, or its name' }) });

/** `/api/campaigns`: create (or dry-run), list, read, approve and cancel advocacy campaigns; mounted on the admin API (its token, its OpenAPI document). */
export function campaignRoutes(deps: CampaignRouteDeps) {
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        // A body is reported as a campaign file is (an unknown key on that key, a missing one as required).
        const issues = result.target === 'json' ? schemaIssuesOf(result.error as never).map((i) => ({ field: issuePath(i.path), message: i.message })) : zodIssues(result.error as never);
        throw new HubError(422, 'invalid_request', `Invalid request: ${issues[0]?.field} ${issues[0]?.message}`, issues);
      }
    },
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary: 'Create a campaign (its members chosen and frozen now, its first wave released), or with dryRun list who it would contact',
      request: { body: { content: { 'application/json': { schema: CampaignRequest } }, required: true } },
      responses: {
        200: Json(DryRunSchema, 'The dry run: each wave\'s members with their rendered parameters; nothing written'),
        201: Json(CampaignSchema, 'Created; its first wave is queued'),
        401: Errors[401],
        409: Json(ErrorBody, 'A campaign with this name exists'),
        422: Errors[422],
      },
    }),
    async (c) => {
      // Compiled from the body as sent: the definition is stored as given (periods as written).
      const { dryRun, ...definition } = (await c.req.json()) as Record<string, unknown>;
      const campaign = compileCampaignOrThrow(definition, deps.registry);
      if (dryRun === true) return c.json(await dryRunCampaign(campaign, deps), 200);
      const created = await createCampaign(campaign, deps);
      deps.onJobsQueued?.();
      return c.json(created, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'List campaigns, newest first, with their progress',
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ description: 'Page size (1–500, default 50)' }) }) },
      responses: { 200: Json(z.object({ campaigns: z.array(CampaignSchema) }), 'Campaigns'), 401: Errors[401], 422: Errors[422] },
    }),
    async (c) => c.json({ campaigns: await listCampaigns(deps.store, c.req.valid('query').limit) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      summary: "A campaign's progress: per wave, its members, queued, sent, sandboxed, failed and skipped; and what releases the next wave",
      request: { params: IdParam },
      responses: { 200: Json(CampaignSchema, 'The campaign'), ...Errors },
    }),
    async (c) => c.json(await campaignStatus(deps.store, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/approve',
      summary: 'Release the next wave now (its members were frozen when the campaign was created)',
      request: { params: IdParam },
      responses: {
        200: Json(z.object({ released: z.number().openapi({ description: 'The wave released' }), queued: z.number().openapi({ description: 'Jobs queued' }), campaign: CampaignSchema }), 'Released'),
        409: Json(ErrorBody, 'Every wave is released, this wave was released meanwhile, or the campaign is cancelled (code campaign_cancelled)'),
        ...Errors,
      },
    }),
    async (c) => {
      const result = await approveCampaign(c.req.valid('param').id, deps);
      deps.onJobsQueued?.();
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/cancel',
      summary: 'Cancel a campaign: no wave is released after, its jobs not yet claimed end cancelled (one claimed by a runner finishes); cancelling again changes nothing',
      request: { params: IdParam, body: { content: { 'application/json': { schema: CancelRequest } }, required: false } },
      responses: {
        200: Json(
          z.object({
            alreadyCancelled: z.boolean().openapi({ description: 'True when it was cancelled before: this call changed nothing' }),
            jobsCancelled: z.number().openapi({ description: 'Queued jobs this call cancelled (never sent)' }),
            stillRunning: z.number().openapi({ description: 'Jobs a runner had claimed: their attempt finishes; one given back for a retry or a rate-limit wait is cancelled instead' }),
            alreadyDone: z.number().openapi({ description: 'Jobs already delivered, sandboxed or dead' }),
            wavesNotReleased: z.number().openapi({ description: 'Waves that will never be released' }),
            campaign: CampaignSchema,
          }),
          'Cancelled, or cancelled already',
        ),
        ...Errors,
      },
    }),
    async (c) => {
      // The body is optional: without a JSON one, the validator gives {} (a cancel without a reason).
      const { reason } = c.req.valid('json');
      return c.json(await cancelCampaign(c.req.valid('param').id, { by: 'api', reason: reason || null }, deps), 200);
    },
  );

  return app;
}
