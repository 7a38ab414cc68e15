import type { IntercomClient } from 'intercom-client';
import type { ConnectorDefinition } from '../connector.js';
import { addNote } from './add-note.js';
import { classifyIntercomError, createIntercomClient, intercomVariables, verifyIntercom } from './client.js';
import { tagContact } from './tag-contact.js';
import { trackEvent } from './track-event.js';
import { untagContact } from './untag-contact.js';

export const intercom: ConnectorDefinition<IntercomClient> = {
  name: 'intercom',
  title: 'Intercom',
  variables: intercomVariables,
  configured: (env) => !!env.INTERCOM_ACCESS_TOKEN,
  createClient: createIntercomClient,
  classify: classifyIntercomError,
  verify: verifyIntercom,
  actions: [trackEvent, tagContact, untagContact, addNote],
};
