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
  // Intercom's contact URL needs the workspace's app id, which the hub does not know.
  link: (result) => (typeof result.contactId === 'string' ? `Intercom contact ${result.contactId}` : undefined),
  actions: [trackEvent, tagContact, untagContact, addNote],
  retry: { maxAgeMs: 24 * 60 * 60_000 },
  // Per account (workspace). An action makes up to three calls (search contact, create it, the event).
  rateLimit: { points: 500, durationMs: 10_000, source: 'private apps: 10,000 calls per minute per app, 25,000 per workspace, enforced per 10-second period (1,666 per 10 s); https://developers.intercom.com/docs/references/rest-api/errors/rate-limiting' },
};
