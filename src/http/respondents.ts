import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ActionRegistry } from '../../connectors/registry.js';
import { HubError } from '../core/errors.js';
import { forgetRespondent } from '../privacy/forget.js';
import type { Store } from '../store/store.js';

export interface RespondentRouteDeps {
  store: Store;
  now: () => Date;
  /** The actions (which of them erase a remote object). Absent: `downstream=true` is refused. */
  registry?: ActionRegistry;
  /** Attempts of an action's jobs (its connector's retry policy). Default 8. */
  maxAttempts?: (action: string) => number;
  /** Called after erasure jobs are queued (wakes the runner). */
  onReplayed?: () => void;
}

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.object({ field: z.string(), message: z.string() })) }),
});
const Json = (schema: z.ZodType, description: string) => ({ content: { 'application/json': { schema } }, description });

const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('must be an email address'))
  .openapi({ param: { name: 'email', in: 'path' }, description: 'The respondent, matched trimmed and case-insensitively', example: 'ana@example.com' });

const Downstream = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true')
  .openapi({ description: 'Also erase at the vendors where an action can (Slack chat.delete, Zendesk comment redaction), through the job queue, once' });

const ErasureSchema = z
  .object({
    email: z.string(),
    erased: z.object({ responses: z.number(), versions: z.number(), jobs: z.number(), attempts: z.number(), cacheEntries: z.number(), throttleMarks: z.number() }),
    cancelledJobs: z.number().openapi({ description: 'Queued jobs cancelled: nothing of theirs is sent' }),
    inFlight: z.array(z.object({ jobId: z.string(), action: z.string().nullable() })).openapi({ description: 'Jobs running at that moment: their call may still reach the vendor; nothing they answer is stored' }),
    downstream: z
      .array(
        z.object({
          action: z.string(),
          remote: z.record(z.string(), z.unknown()),
          erasure: z.enum(['queued', 'already-queued', 'erasable', 'manual']),
          erasureAction: z.string().optional(),
          job: z.string().optional(),
        }),
      )
      .openapi({ description: 'Objects the hub created for this person at the vendors (ticket ids, message channel + ts, event names)' }),
  })
  .openapi('Erasure');

/**
 * `DELETE /api/respondents/{email}`: erase one respondent (docs/privacy.md). An email nothing is
 * known for answers 200 with zero counts: a 404 would tell a caller nothing it needs, and the
 * answer is the same whether or not the person was ever there.
 */
export function registerRespondentRoutes(app: OpenAPIHono, deps: RespondentRouteDeps) {
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/respondents/{email}',
      summary: "Erase a respondent's responses, raw bodies, versions, jobs and cached CRM lookups; list what the hub created for them at the vendors",
      request: { params: z.object({ email: Email }), query: z.object({ downstream: Downstream }) },
      responses: {
        200: Json(ErasureSchema, 'What was erased, and the downstream objects'),
        401: Json(ErrorBody, 'Missing or wrong bearer token'),
        422: Json(ErrorBody, 'Invalid parameter'),
      },
    }),
    async (c) => {
      const { email } = c.req.valid('param');
      const { downstream } = c.req.valid('query');
      const registry = deps.registry;
      if (downstream && !registry) throw new HubError(422, 'invalid_request', 'This hub cannot queue erasure jobs', [{ field: 'downstream', message: 'not available here' }]);
      const result = await forgetRespondent(
        { store: deps.store, registry: registry ?? new Map(), maxAttempts: deps.maxAttempts ?? (() => 8), now: deps.now },
        email,
        { downstream },
      );
      if (result.downstream.some((d) => d.erasure === 'queued')) deps.onReplayed?.();
      return c.json(result, 200);
    },
  );
}
