import type { ZendeskClient } from 'node-zendesk';
import type { ConnectorDefinition } from '../connector.js';
import { classifyZendeskError, createZendeskClient, verifyZendesk, zendeskVariables } from './client.js';
import { createTicket } from './create-ticket.js';
import { addComment } from './add-comment.js';

export const zendesk: ConnectorDefinition<ZendeskClient> = {
  name: 'zendesk',
  title: 'Zendesk',
  variables: zendeskVariables,
  configured: (env) => !!(env.ZENDESK_API_TOKEN && env.ZENDESK_EMAIL && (env.ZENDESK_SUBDOMAIN || env.ZENDESK_BASE_URL)),
  createClient: createZendeskClient,
  classify: classifyZendeskError,
  verify: verifyZendesk,
  actions: [createTicket, addComment],
};
