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
  actions: [updateContact, createTask],
};
