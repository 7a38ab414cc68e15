import { z } from 'zod';
import type { ZendeskClient } from 'node-zendesk';
import { defineAction } from '../connector.js';

export const RedactTicketCommentsParams = z.strictObject({
  /** The ticket the hub opened (or commented on) for the respondent. */
  ticketId: z.coerce.number().int().positive(),
});
export type RedactTicketCommentsParams = z.output<typeof RedactTicketCommentsParams>;

/** The ticket a createTicket or addComment job touched, from its stored result. */
export function ticketToRedact(remote: Readonly<Record<string, unknown>>): RedactTicketCommentsParams | undefined {
  const id = remote.ticketId;
  const ticketId = typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : undefined;
  return ticketId ? { ticketId } : undefined;
}

/** Zendesk replaces each redacted character with this block. */
const REDACTED = '\u2587';

/** Whether a comment still holds text: anything but redaction blocks and white space. */
export function hasText(body: string | undefined): body is string {
  return !!body && new RegExp(`[^\\s${REDACTED}]`).test(body);
}

/** The body of `PUT /api/v2/tickets/{ticket_id}/comments/{ticket_comment_id}/redact`: the whole text of the comment. */
export function redactionPayload(text: string) {
  return { text };
}

export const redactTicketComments = defineAction({
  name: 'redactTicketComments',
  summary: "Redact the text of every comment on a ticket the hub opened for the respondent (erasure with --downstream; 'Agents can delete tickets' must be on; not on closed tickets)",
  effectOnce:
    "Queued once per ticket (its job key is the ticket id). It lists the ticket's comments and redacts only those that still hold text: a retry or replay finds the ones already redacted (only ▇ left) and leaves them, so each comment is redacted once.",
  params: RedactTicketCommentsParams,
  request: (p) => ({ method: 'PUT', path: `/api/v2/tickets/${p.ticketId}/comments/<each comment id>/redact`, body: redactionPayload('<the whole text of the comment>') }),
  async run(client: ZendeskClient, p, ctx) {
    const comments = (await client.tickets.getComments(p.ticketId)) as unknown as { id: number; body?: string }[];
    const redacted: number[] = [];
    for (const comment of comments) {
      if (!hasText(comment.body)) continue;
      await client.tickets.put(['tickets', p.ticketId, 'comments', comment.id, 'redact'], redactionPayload(comment.body));
      redacted.push(comment.id);
    }
    ctx.log.info({ ticketId: p.ticketId, redacted: redacted.length, comments: comments.length }, 'zendesk ticket comments redacted');
    return { remoteId: String(p.ticketId), ticketId: p.ticketId, redactedComments: redacted };
  },
});
