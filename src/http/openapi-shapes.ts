import { z } from '@hono/zod-openapi';

/** The error body every 4xx of the admin API has, and the OpenAPI answers built from it. */
export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.object({ field: z.string(), message: z.string() })) }),
});
export const Json = (schema: z.ZodType, description: string) => ({ content: { 'application/json': { schema } }, description });
export const Errors = { 401: Json(ErrorBody, 'Missing or wrong bearer token'), 404: Json(ErrorBody, 'Not found'), 422: Json(ErrorBody, 'Invalid parameter') };
