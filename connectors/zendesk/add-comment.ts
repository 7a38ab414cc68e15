import { z } from 'zod';
import type { ZendeskClient } from 'node-zendesk';
import { DeliveryError } from '../../src/core/delivery-error.js';
import type { Job } from '../../src/core/job.js';
import { clip, FIELD_LIMITS, fullTextRef } from '../clip.js';
import { defineAction } from '../connector.js';
import { Blankable } from '../params.js';
import { mayHaveRunBefore } from '../previous-attempt.js';
import { ticketToRedact } from './redact-ticket-comments.js';

export const AddCommentParams = z.strictObject({
  /** Ticket to comment on. Omitted in a follow-up: the ticket its parent `zendesk.createTicket` opened. */
  ticketId: Blankable(z.coerce.number().int().positive()),
  /** Clipped to 64,000 UTF-8 bytes. */
  body: z.string().trim().min(1, 'is required'),
  /** An internal note rather than a public reply to the requester. Default true. */
  internal: z.boolean().default(true),
});
export type AddCommentParams = z.output<typeof AddCommentParams>;

/** The body of `PUT /api/v2/tickets/{id}` that adds one comment. */
export function commentPayload(p: AddCommentParams, responseId?: string) {
  return { ticket: { comment: { body: clip(p.body, FIELD_LIMITS.zendesk.commentBody, fullTextRef(responseId)), public: !p.internal } } };
}

/** The ticket a parent `zendesk.createTicket` job opened (its stored result). */
function parentTicketId(parent: Job | undefined): number | undefined {
  const id = (parent?.result as { ticketId?: unknown } | null | undefined)?.ticketId;
  return typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : undefined;
}

export const addComment = defineAction({
  name: 'addComment',
  summary: 'Add a comment (internal note by default) to a ticket; as a follow-up, to the ticket its createTicket opened',
  effectOnce:
    'Zendesk has no idempotency key for comments: a retried or replayed job first lists the ticket\'s comments (`GET /api/v2/tickets/{id}/comments`) and does not add one whose body is already there.',
  params: AddCommentParams,
  request: (p, job) => ({ method: 'PUT', path: `/api/v2/tickets/${p.ticketId ?? '<ticket of the parent job>'}`, body: commentPayload(p, job?.responseId) }),
  erasure: { action: 'zendesk.redactTicketComments', params: ticketToRedact },
  async run(client: ZendeskClient, p, ctx) {
    const ticketId = p.ticketId ?? parentTicketId(ctx.parent);
    if (!ticketId) throw new DeliveryError('zendesk.addComment needs ticketId, or a parent zendesk.createTicket job that opened a ticket', false);
    const payload = commentPayload(p, ctx.job.responseId);
    const body = payload.ticket.comment.body.trim();
    if (mayHaveRunBefore(ctx.job)) {
      const comments = (await client.tickets.getComments(ticketId)) as unknown as { id: number; body?: string; plain_body?: string }[];
      const same = comments.find((c) => c.body?.trim() === body || c.plain_body?.trim() === body);
      if (same) {
        ctx.log.info({ ticketId, commentId: same.id }, 'zendesk comment already on the ticket, not adding another');
        return { remoteId: String(ticketId), ticketId, commentId: same.id, existing: true };
      }
    }
    await client.tickets.update(ticketId, payload as never);
    return { remoteId: String(ticketId), ticketId, existing: false };
  },
});
