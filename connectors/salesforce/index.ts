import type { ConnectorDefinition } from '../connector.js';
import { classifySalesforceError, verifySalesforce, createSalesforceClient, salesforceVariables, type SalesforceClient } from './client.js';
import { createTask } from './create-task.js';
import { updateContact } from './update-contact.js';

export const salesforce: ConnectorDefinition<SalesforceClient> = {
  name: 'salesforce',
  title: 'Salesforce',
  variables: salesforceVariables,
  configured: (env) =>
    !!(env.SALESFORCE_INSTANCE_URL && (env.SALESFORCE_ACCESS_TOKEN || (env.SALESFORCE_CLIENT_ID && env.SALESFORCE_CLIENT_SECRET))),
  createClient: createSalesforceClient,
  classify: classifySalesforceError,
  verify: verifySalesforce,
  link: (result, env) => {
    const id = typeof result.taskId === 'string' ? { type: 'Task', id: result.taskId } : typeof result.contactId === 'string' ? { type: 'Contact', id: result.contactId } : undefined;
    return id && env.SALESFORCE_INSTANCE_URL ? `${env.SALESFORCE_INSTANCE_URL.replace(/\/+$/, '')}/lightning/r/${id.type}/${id.id}/view` : undefined;
  },
  actions: [updateContact, createTask],
  // No rate limit: Salesforce counts API requests per 24 h (100,000 + 1,000 per licence on
  // Enterprise) and long-running concurrent requests, not per second.
  retry: { maxAgeMs: 24 * 60 * 60_000 },
};
