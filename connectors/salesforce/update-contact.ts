import { z } from 'zod';
import { IsoDateTime } from '../../src/core/time.js';
import { DeliveryError } from '../../src/core/delivery-error.js';
import { clip, FIELD_LIMITS, fullTextRef } from '../clip.js';
import { defineAction } from '../connector.js';
import type { SalesforceClient } from './client.js';
import { findContactId } from './find-contact-id.js';
import { Blankable, DEFAULT_NPS_FIELDS, FieldName, SalesforceId } from './params.js';

export const UpdateContactParams = z
  .strictObject({
    /** The Contact (`{{ contact.id }}` after Salesforce enrichment); else found by `email`. */
    contactId: Blankable(SalesforceId),
    email: Blankable(z.email('must be an email address')),
    score: z.coerce.number().int().min(0).max(10),
    category: z.enum(['promoter', 'passive', 'detractor']),
    /** Clipped to 32,768 characters (the Long Text Area the field is created as). */
    comment: z.string().default(''),
    /** When the respondent answered (ISO 8601). */
    answeredAt: IsoDateTime,
    /** Field API names to write, when yours differ from the defaults. */
    fields: z
      .strictObject({ score: FieldName, category: FieldName, comment: FieldName, date: FieldName })
      .partial()
      .default({})
      .transform((f) => ({ ...DEFAULT_NPS_FIELDS, ...f })),
  })
  .refine((p) => p.contactId || p.email, { message: 'give contactId or email', path: ['contactId'] });
export type UpdateContactParams = z.output<typeof UpdateContactParams>;

function values(p: UpdateContactParams, responseId?: string) {
  return {
    [p.fields.score]: p.score,
    [p.fields.category]: p.category,
    [p.fields.comment]: clip(p.comment, FIELD_LIMITS.salesforce.longTextArea, fullTextRef(responseId)),
    [p.fields.date]: new Date(p.answeredAt).toISOString(),
  };
}

export const updateContact = defineAction({
  name: 'updateContact',
  summary: 'Write the NPS score, category, comment and date on the Salesforce Contact (custom fields you create)',
  effectOnce: 'A PATCH of the same field values: repeating it leaves the Contact as it was.',
  params: UpdateContactParams,
  request: (p, job) => ({
    method: 'PATCH',
    path: `/services/data/vXX.X/sobjects/Contact/${p.contactId ?? '<contact found by email>'}`,
    body: values(p, job?.responseId),
  }),
  async run(client: SalesforceClient, p, ctx) {
    const id = await findContactId(client, p.contactId, p.email);
    const result = await client.call((conn) => conn.sobject('Contact').update({ Id: id, ...values(p, ctx.job.responseId) }));
    if (!result.success) throw new DeliveryError(`Salesforce did not update Contact ${id}: ${JSON.stringify(result.errors)}`, false);
    return { remoteId: id, contactId: id };
  },
});
