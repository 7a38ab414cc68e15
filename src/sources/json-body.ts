import { HubError } from '../core/errors.js';
import { assertJsonTextShape, BODY_LIMITS } from '../core/json-limits.js';
import type { WebhookRequest } from './source.js';

/** The body as a JSON object within {@link BODY_LIMITS}, or a 4xx saying why not. */
export function parseJsonBody(request: WebhookRequest): Record<string, unknown> {
  assertJsonTextShape(request.text, BODY_LIMITS, '(body)');
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

/** JSON text carried inside a body field (Qualtrics `MSG`), within {@link BODY_LIMITS}; undefined when it is not JSON. */
export function parseJsonField(text: string, field: string): unknown {
  assertJsonTextShape(text, BODY_LIMITS, field);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return value;
}
