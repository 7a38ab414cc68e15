import { z } from 'zod';
import { IsoDateTime } from '../../src/core/time.js';
import { clip, FIELD_LIMITS, fullTextRef } from '../clip.js';
import { defineAction } from '../connector.js';
import type { HubSpotClient } from './client.js';
import { findContactId } from './find-contact-id.js';
import { ensureNpsProperties, NPS_PROPERTIES } from './nps-properties.js';
import { Blankable, HubSpotId } from './params.js';

export const UpdateContactParams = z
  .strictObject({
    /** The HubSpot contact (`{{ contact.id }}` after HubSpot enrichment); else found by `email`. */
    contactId: Blankable(HubSpotId),
    email: Blankable(z.email('must be an email address')),
    score: z.coerce.number().int().min(0).max(10),
    category: z.enum(['promoter', 'passive', 'detractor']),
    /** Clipped to HubSpot's 65,536 characters per string property. */
    comment: z.string().default(''),
    /** When the respondent answered (ISO 8601), e.g. `{{ response.answeredAt | default: response.receivedAt }}`. */
    answeredAt: IsoDateTime,
  })
  .refine((p) => p.contactId || p.email, { message: 'give contactId or email', path: ['contactId'] });
export type UpdateContactParams = z.output<typeof UpdateContactParams>;

function properties(p: UpdateContactParams, responseId?: string) {
  return {
    [NPS_PROPERTIES.score]: String(p.score),
    [NPS_PROPERTIES.category]: p.category,
    [NPS_PROPERTIES.comment]: clip(p.comment, FIELD_LIMITS.hubspot.stringProperty, fullTextRef(responseId)),
    [NPS_PROPERTIES.date]: new Date(p.answeredAt).toISOString(),
  };
}

export const updateContact = defineAction({
  name: 'updateContact',
  summary: 'Write the last NPS score, category, comment and date on the HubSpot contact (properties created if missing)',
  effectOnce: 'A PATCH of the same property values: repeating it leaves the contact as it was.',
  params: UpdateContactParams,
  request: (p, job) => ({
    method: 'PATCH',
    path: `/crm/v3/objects/contacts/${p.contactId ?? '<contact found by email>'}`,
    body: { properties: properties(p, job?.responseId) },
  }),
  async run(client: HubSpotClient, p, ctx) {
    await ensureNpsProperties(client);
    const id = await findContactId(client, p.contactId, p.email);
    const updated = await client.call('contact update', (sdk) => sdk.crm.contacts.basicApi.update(id, { properties: properties(p, ctx.job.responseId) }));
    return { remoteId: updated.id, contactId: updated.id };
  },
});
