import { z } from 'zod';
import { concatBytes, fromBase64, hmacMatches } from '../sources/hmac.js';
import type { ParsedLoopEvent } from './loop-event.js';

/**
 * Zendesk's ticket event webhooks (Admin Center → Webhooks, subscribed to
 * `zen:event-type:ticket.comment_added` and `zen:event-type:ticket.status_changed`). Signed with
 * the webhook's signing secret: `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(timestamp + body)),
 * the timestamp in `X-Zendesk-Webhook-Signature-Timestamp`.
 */
export const zendeskEventsSecretVariable = 'ZENDESK_EVENTS_WEBHOOK_SECRET';

export async function verifyZendeskEvent(secret: string, headers: Headers, body: Uint8Array): Promise<boolean> {
  const timestamp = headers.get('x-zendesk-webhook-signature-timestamp');
  const signature = headers.get('x-zendesk-webhook-signature');
  if (!timestamp || !signature) return false;
  return hmacMatches('SHA-256', secret, concatBytes(timestamp, body), fromBase64(signature));
}

const Id = z.union([z.string(), z.number()]).transform(String);
const ZendeskTicketEvent = z.object({
  type: z.string(),
  id: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  detail: z.object({ id: Id, external_id: z.string().nullish() }),
  event: z.looseObject({
    // ticket.comment_added
    comment: z.object({ is_public: z.boolean(), author: z.object({ is_staff: z.boolean(), name: z.string().nullish() }) }).optional(),
    // ticket.status_changed: NEW, OPEN, PENDING, HOLD, SOLVED, CLOSED
    current: z.unknown().optional(),
  }),
});

/**
 * An event that moves a loop: an agent's first public comment acknowledges it, the ticket solved
 * (or closed) closes it. Anything else (internal notes, the customer's own comments, other
 * statuses and event types) is null: answered 200 and ignored.
 */
export function parseZendeskEvent(json: unknown): ParsedLoopEvent {
  const parsed = ZendeskTicketEvent.safeParse(json);
  if (!parsed.success) return { error: parsed.error };
  const e = parsed.data;
  const target = { kind: 'zendesk-ticket' as const, externalId: e.detail.external_id || null, ticketId: e.detail.id };
  const base = { source: 'zendesk', eventId: e.id, at: new Date(e.time).toISOString(), target };
  if (e.type === 'zen:event-type:ticket.comment_added' && e.event.comment?.is_public && e.event.comment.author.is_staff) {
    return { event: { ...base, step: 'acknowledged', actor: e.event.comment.author.name ?? null } };
  }
  if (e.type === 'zen:event-type:ticket.status_changed' && typeof e.event.current === 'string' && ['SOLVED', 'CLOSED'].includes(e.event.current.toUpperCase())) {
    return { event: { ...base, step: 'closed', actor: null } };
  }
  return { event: null };
}
