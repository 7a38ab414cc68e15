import type { IntercomClient } from 'intercom-client';
import type { ConnectorDefinition } from '../connector.js';
import { classifyIntercomError, createIntercomClient, intercomVariables } from './client.js';
import { trackEvent } from './track-event.js';

export const intercom: ConnectorDefinition<IntercomClient> = {
  name: 'intercom',
  title: 'Intercom',
  variables: intercomVariables,
  configured: (env) => !!env.INTERCOM_ACCESS_TOKEN,
  createClient: createIntercomClient,
  classify: classifyIntercomError,
  actions: [trackEvent],
};
