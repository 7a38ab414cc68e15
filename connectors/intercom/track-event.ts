import { z } from 'zod';
import type { IntercomClient } from 'intercom-client';
import { defineAction } from '../connector.js';

export const TrackEventParams = z.strictObject({
  email: z.email('must be an email address'),
  /** Event name a Series can start from, e.g. nps-promoter. */
  eventName: z.string().trim().min(1, 'is required').max(255),
  /** Up to 10 key/value pairs shown on the event (Intercom's limit). */
  metadata: z.record(z.string(), z.string()).default({}).refine((m) => Object.keys(m).length <= 10, 'at most 10 keys'),
});
export type TrackEventParams = z.output<typeof TrackEventParams>;

/** Intercom's `POST /events` body. `created_at` comes from the job, so a retry sends the same event. */
export function eventPayload(p: TrackEventParams, createdAt: number) {
  return { event_name: p.eventName, created_at: createdAt, email: p.email, metadata: p.metadata };
}

export const trackEvent = defineAction({
  name: 'trackEvent',
  summary: 'Submit a data event on the contact (by email) that a Series can start from',
  effectOnce: "`created_at` is the job's creation time: Intercom keeps one event per contact, name and created_at.",
  params: TrackEventParams,
  request: (p) => ({ method: 'POST', path: '/events', body: eventPayload(p, 0) }),
  async run(client: IntercomClient, p, ctx) {
    const createdAt = Math.floor(Date.parse(ctx.job.createdAt) / 1000);
    await client.events.create(eventPayload(p, createdAt));
    return { remoteId: null, eventName: p.eventName, createdAt };
  },
});
