import type { ConnectorDefinition } from '../connector.js';
import { classifyHubSpotError, verifyHubSpot, createHubSpotClient, hubspotVariables, type HubSpotClient } from './client.js';
import { createTask } from './create-task.js';
import { updateContact } from './update-contact.js';

export const hubspot: ConnectorDefinition<HubSpotClient> = {
  name: 'hubspot',
  title: 'HubSpot',
  variables: hubspotVariables,
  configured: (env) => !!env.HUBSPOT_ACCESS_TOKEN,
  createClient: createHubSpotClient,
  classify: classifyHubSpotError,
  verify: verifyHubSpot,
  // A HubSpot record URL needs the portal id, which the hub does not know.
  link: (result) => (typeof result.taskId === 'string' ? `HubSpot task ${result.taskId}` : typeof result.contactId === 'string' ? `HubSpot contact ${result.contactId}` : undefined),
  actions: [updateContact, createTask],
  retry: { maxAgeMs: 24 * 60 * 60_000 },
  // Per account. An action makes a CRM search (find the contact, or the task's marker) and a write.
  rateLimit: { points: 40, durationMs: 10_000, source: 'private apps: 100 requests per 10 s on Free/Starter (190 on Professional/Enterprise); the CRM search endpoints 5 requests per second; https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details' },
};
