import { HubError } from '../core/errors.js';
import type { WebhookRequest } from './source.js';

/** The body as a JSON object, or a 4xx saying why not. */
export function parseJsonBody(request: WebhookRequest): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(request.text);
  } catch (error) {
    throw new HubError(400, 'invalid_json', `Body is not valid JSON: ${(error as Error).message}`, [{ field: '(body)', message: 'is not valid JSON' }]);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HubError(422, 'invalid_response', 'Body must be a JSON object', [{ field: '(body)', message: 'must be a JSON object' }]);
  }
  return body as Record<string, unknown>;
}
