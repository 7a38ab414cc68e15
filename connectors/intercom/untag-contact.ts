import { z } from 'zod';
import { IntercomError, type IntercomClient } from 'intercom-client';
import { defineAction } from '../connector.js';
import { findContactByEmail } from './contact.js';

export const UntagContactParams = z.strictObject({
  email: z.email('must be an email address'),
  /** Tag name (case-insensitive, as Intercom compares them). */
  tag: z.string().trim().min(1, 'is required').max(255),
});

export const untagContact = defineAction({
  name: 'untagContact',
  summary: 'Remove a tag (by name) from the contact with this email; nothing to do if either does not exist',
  effectOnce:
    'Idempotent: an unknown contact or tag, or a tag already removed (Intercom answers 404), counts as done. Nothing is created.',
  params: UntagContactParams,
  request: (p) => ({ method: 'DELETE', path: `/contacts/{contact id}/tags/{id of tag ${p.tag}}`, body: null }),
  async run(client: IntercomClient, p, ctx) {
    const contactId = await findContactByEmail(client, p.email);
    if (!contactId) return { remoteId: null, removed: false, reason: 'no contact with this email' };
    const { data = [] } = await client.tags.list();
    const tag = data.find((t) => t.name.toLowerCase() === p.tag.toLowerCase());
    if (!tag) return { remoteId: null, contactId, removed: false, reason: 'no tag with this name' };
    try {
      await client.tags.untagContact({ contact_id: contactId, tag_id: tag.id });
    } catch (error) {
      if (!(error instanceof IntercomError && error.statusCode === 404)) throw error;
      ctx.log.info({ contactId, tagId: tag.id }, 'intercom tag already absent from the contact');
      return { remoteId: tag.id, contactId, tagId: tag.id, removed: false, reason: 'tag not on the contact' };
    }
    return { remoteId: tag.id, contactId, tagId: tag.id, removed: true };
  },
});
