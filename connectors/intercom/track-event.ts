import { z } from 'zod';
import type { IntercomClient } from 'intercom-client';
import { clip, FIELD_LIMITS, fullTextRef } from '../clip.js';
import { defineAction } from '../connector.js';
import { findOrCreateContact } from './contact.js';

export const TrackEventParams = z.strictObject({
  email: z.email('must be an email address'),
  /** Event name a Series can start from, e.g. nps-promoter. */
  eventName: z.string().trim().min(1, 'is required').max(255),
  /** Up to 10 key/value pairs shown on the event (Intercom's limit); each value clipped to 255 characters. */
  metadata: z.record(z.string(), z.string()).default({}).refine((m) => Object.keys(m).length <= 10, 'at most 10 keys'),
  /** Name for the contact if it has to be created. */
  name: z.string().default(''),
  /** Create a missing contact as a user (default) or a lead. */
  role: z.enum(['user', 'lead']).default('user'),
});
export type TrackEventParams = z.output<typeof TrackEventParams>;

/**
 * Intercom's `POST /events` body. The contact is named by its Intercom `id` (leads can only be
 * addressed that way); `created_at` comes from the job, so every attempt sends the same event.
 */
export function eventPayload(p: TrackEventParams, contactId: string, createdAt: number, responseId?: string) {
  const ref = fullTextRef(responseId);
  const metadata = Object.fromEntries(Object.entries(p.metadata).map(([key, value]) => [key, clip(value, FIELD_LIMITS.intercom.metadataValue, ref)]));
  return { event_name: p.eventName, created_at: createdAt, id: contactId, metadata };
}

export const trackEvent = defineAction({
  name: 'trackEvent',
  summary: 'Find or create the contact by email, then submit a data event on it that a Series can start from',
  effectOnce:
    "`created_at` is the job's creation time, identical on every attempt and replay; Intercom drops an event whose contact, name, created_at and metadata match one it already has (answering 202 as usual). The contact is found by email before it is created.",
  params: TrackEventParams,
  request: (p, job) => ({ method: 'POST', path: '/events', body: eventPayload(p, `<contact id of ${p.email}>`, 0, job?.responseId) }),
  async run(client: IntercomClient, p, ctx) {
    const contact = await findOrCreateContact(client, p.email, { role: p.role, name: p.name });
    const createdAt = Math.floor(Date.parse(ctx.job.createdAt) / 1000);
    await client.events.create(eventPayload(p, contact.id, createdAt, ctx.job.responseId));
    return { remoteId: contact.id, contactId: contact.id, contactCreated: contact.created, eventName: p.eventName, createdAt };
  },
});
