import type { ZendeskClient } from 'node-zendesk';
import type { ConnectorDefinition } from '../connector.js';
import { classifyZendeskError, createZendeskClient, verifyZendesk, zendeskBaseUrl, zendeskVariables } from './client.js';
import { createTicket } from './create-ticket.js';
import { addComment } from './add-comment.js';
import { redactTicketComments } from './redact-ticket-comments.js';

export const zendesk: ConnectorDefinition<ZendeskClient> = {
  name: 'zendesk',
  title: 'Zendesk',
  variables: zendeskVariables,
  configured: (env) => !!(env.ZENDESK_API_TOKEN && env.ZENDESK_EMAIL && (env.ZENDESK_SUBDOMAIN || env.ZENDESK_BASE_URL)),
  createClient: createZendeskClient,
  classify: classifyZendeskError,
  verify: verifyZendesk,
  link: (result, env) => (typeof result.ticketId === 'number' ? `${zendeskBaseUrl(env)}/agent/tickets/${result.ticketId}` : undefined),
  actions: [createTicket, addComment, redactTicketComments],
  // A detractor's ticket is the one thing that must not be lost: backoff up to 30 min, for 2 days.
  retry: { capMs: 30 * 60_000, maxAgeMs: 48 * 60 * 60_000 },
  // Per account. createTicket makes two calls (look-up by external_id, create).
  rateLimit: { points: 100, durationMs: 60_000, source: '200 requests per minute on Suite Team, the smallest plan (400 Growth/Professional, 700 Enterprise); https://developer.zendesk.com/api-reference/introduction/rate-limits/' },
};
