import { z } from 'zod';
import type { IntercomClient } from 'intercom-client';
import { defineAction } from '../connector.js';
import { findOrCreateContact } from './contact.js';

export const TagContactParams = z.strictObject({
  email: z.email('must be an email address'),
  /** Tag name (case-insensitive in Intercom), e.g. nps-promoter. */
  tag: z.string().trim().min(1, 'is required').max(255),
  /** Name for the contact if it has to be created. */
  name: z.string().default(''),
  /** Create a missing contact as a user (default) or a lead. */
  role: z.enum(['user', 'lead']).default('user'),
});

export const tagContact = defineAction({
  name: 'tagContact',
  summary: 'Find or create the contact by email and the tag by name, then attach the tag',
  effectOnce:
    '`POST /tags` with a name creates the tag or returns the existing one, and attaching a tag the contact already has changes nothing: every attempt leaves the same state.',
  params: TagContactParams,
  request: (p) => ({ method: 'POST', path: '/contacts/{contact id}/tags', body: { id: `<id of tag ${p.tag}>` } }),
  async run(client: IntercomClient, p) {
    const contact = await findOrCreateContact(client, p.email, { role: p.role, name: p.name });
    const tag = await client.tags.create({ name: p.tag });
    await client.tags.tagContact({ contact_id: contact.id, id: tag.id });
    return { remoteId: tag.id, contactId: contact.id, tagId: tag.id };
  },
});
