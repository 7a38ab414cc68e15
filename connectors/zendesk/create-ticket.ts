import { z } from 'zod';
import type { ZendeskClient } from 'node-zendesk';
import { clip, FIELD_LIMITS, fullTextRef } from '../clip.js';
import { defineAction } from '../connector.js';
import { Blankable } from '../params.js';
import { ticketToRedact } from './redact-ticket-comments.js';

export const CreateTicketParams = z.strictObject({
  requesterEmail: z.email('must be an email address'),
  requesterName: z.string().default(''),
  /** Clipped to 250 characters. */
  subject: z.string().trim().min(1, 'is required'),
  /** First comment of the ticket: the verbatim and its context (clipped to 64,000 UTF-8 bytes). */
  body: z.string().trim().min(1, 'is required'),
  /** Post the body as an internal note rather than a public reply. Default true. */
  internal: z.boolean().default(true),
  tags: z.array(z.string().trim().min(1)).default([]),
  priority: Blankable(z.enum(['low', 'normal', 'high', 'urgent'])),
  type: Blankable(z.enum(['problem', 'incident', 'question', 'task'])),
  groupId: Blankable(z.coerce.number().int().positive()),
  assigneeEmail: Blankable(z.email()),
  customFields: z.array(z.strictObject({ id: z.coerce.number().int().positive(), value: z.unknown() })).default([]),
});
export type CreateTicketParams = z.output<typeof CreateTicketParams>;

/** The ticket body Zendesk's `POST /api/v2/tickets` expects; `responseId` names the full text in a clip's marker. */
export function ticketPayload(p: CreateTicketParams, externalId: string, responseId?: string) {
  const ref = fullTextRef(responseId);
  return {
    ticket: {
      subject: clip(p.subject, FIELD_LIMITS.zendesk.subject, ref),
      comment: { body: clip(p.body, FIELD_LIMITS.zendesk.commentBody, ref), public: !p.internal },
      requester: { email: p.requesterEmail, ...(p.requesterName ? { name: p.requesterName } : {}) },
      tags: p.tags,
      external_id: externalId,
      ...(p.priority ? { priority: p.priority } : {}),
      ...(p.type ? { type: p.type } : {}),
      ...(p.groupId ? { group_id: p.groupId } : {}),
      ...(p.assigneeEmail ? { assignee_email: p.assigneeEmail } : {}),
      ...(p.customFields.length ? { custom_fields: p.customFields } : {}),
    },
  };
}

/** Tickets already carrying this external_id (`GET /api/v2/tickets?external_id=…`), oldest first. */
export async function ticketsWithExternalId(client: ZendeskClient, externalId: string): Promise<{ id: number }[]> {
  const found = (await client.tickets.listWithFilter('external_id', externalId)) as unknown as { id: number }[];
  return found.filter((t) => typeof t?.id === 'number').sort((a, b) => a.id - b.id);
}

export const createTicket = defineAction({
  name: 'createTicket',
  summary: 'Open a ticket for the respondent (requester), with subject, body, tags, priority, type, group, assignee, custom fields',
  effectOnce:
    'The ticket carries `external_id` = the job key. Before creating, the action lists tickets with that external_id (`GET /api/v2/tickets?external_id=…`) and, if one exists (an earlier attempt that timed out after Zendesk created it), records that ticket instead of creating a second. The ticket id is stored on the job.',
  params: CreateTicketParams,
  request: (p, job) => ({ method: 'POST', path: '/api/v2/tickets', body: ticketPayload(p, '<job key>', job?.responseId) }),
  // A late comment or a changed score reaches the ticket as a comment (same visibility as the body).
  followUp: {
    action: 'zendesk.addComment',
    params(change, parent) {
      const comment = change.comment ? `\n\nVerbatim:\n${change.comment}` : '';
      return { body: `${change.headline}${comment}`, internal: (parent.params as { internal?: boolean }).internal ?? true };
    },
  },
  erasure: { action: 'zendesk.redactTicketComments', params: ticketToRedact },
  async run(client: ZendeskClient, p, ctx) {
    const [existing] = await ticketsWithExternalId(client, ctx.job.key);
    if (existing) {
      ctx.log.info({ ticketId: existing.id }, 'zendesk ticket already exists for this job (external_id), not creating another');
      return { remoteId: String(existing.id), ticketId: existing.id, existing: true };
    }
    const { result } = (await client.tickets.create(ticketPayload(p, ctx.job.key, ctx.job.responseId) as never)) as unknown as { result: { id: number } };
    return { remoteId: String(result.id), ticketId: result.id, existing: false };
  },
});
