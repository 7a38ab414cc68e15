import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { HubError } from '../core/errors.js';
import { LoopQuery, loopReport, type LoopFigures, type LoopReport } from '../loops/loop-report.js';
import type { Store } from '../store/store.js';
import { ROLLED_UP_DIMENSIONS } from '../insights/segments.js';
import { Errors, Json } from './openapi-shapes.js';

const Quantiles = z.object({ median: z.number().nullable(), p90: z.number().nullable() });
const LoopFiguresSchema = z
  .object({
    group: z.string(),
    loops: z.number(),
    open: z.number(),
    acknowledged: z.number(),
    closed: z.number(),
    hoursToFirstResponse: Quantiles,
    hoursToClose: Quantiles,
    withinTarget: z.object({ answered: z.number(), of: z.number(), share: z.number().nullable() }),
  })
  .openapi('LoopFigures') satisfies z.ZodType<LoopFigures>;
const LoopReportSchema = z
  .object({
    since: z.string().nullable(),
    until: z.string().nullable(),
    by: z.enum(['category', ...ROLLED_UP_DIMENSIONS]),
    targetHours: z.number(),
    groups: z.array(LoopFiguresSchema),
    all: LoopFiguresSchema,
  })
  .openapi('LoopReport') satisfies z.ZodType<LoopReport>;
const LoopStateSchema = z
  .object({
    responseId: z.string(),
    status: z.enum(['open', 'acknowledged', 'closed']),
    openedAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: z.string().nullable(),
    closedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
  })
  .openapi('Loop');

/** `GET /api/loops` (how fast loops close) and `GET /api/responses/{id}/loop`, on the admin API's app (its auth, its OpenAPI document). */
export function registerLoopRoutes(app: OpenAPIHono, deps: { store: Store; now: () => Date }) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/loops',
      summary: 'Loop figures: time to first response and to closure, and the share answered within the target, per category, source or survey',
      request: { query: LoopQuery },
      responses: { 200: Json(LoopReportSchema, 'The figures per group and for all'), 401: Errors[401], 422: Errors[422] },
    }),
    async (c) => c.json(await loopReport(deps.store, c.req.valid('query'), deps.now()), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/responses/{id}/loop',
      summary: "A response's loop: open, acknowledged or closed, by whom and when",
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: Json(z.object({ loop: LoopStateSchema }), 'The loop'), ...Errors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const loop = await deps.store.getLoop(id);
      if (!loop) throw new HubError(404, 'not_found', `No loop for response ${id}: no such response, or the hub took no action on it`, [{ field: 'id', message: 'no loop' }]);
      return c.json({ loop }, 200);
    },
  );
}
