import { z } from 'zod';
import { fromHex, hmacMatches } from '../sources/hmac.js';
import type { LoopEvent, ParsedLoopEvent } from './loop-event.js';

/**
 * Intercom webhooks (Developer Hub → your app → Webhooks, topics `conversation.admin.replied` and
 * `conversation.admin.closed`). Signed with the app's client secret: `X-Hub-Signature` =
 * `sha1=` + hex(HMAC-SHA1(body)).
 */
export const intercomEventsSecretVariable = 'INTERCOM_EVENTS_WEBHOOK_SECRET';

export async function verifyIntercomEvent(secret: string, headers: Headers, body: Uint8Array): Promise<boolean> {
  const signature = headers.get('x-hub-signature');
  if (!signature?.startsWith('sha1=')) return false;
  return hmacMatches('SHA-1', secret, body, fromHex(signature.slice(5)));
}

const Seconds = z.number().int().nonnegative();
const Author = z.object({ type: z.string(), name: z.string().nullish() });
const IntercomNotification = z.object({
  type: z.literal('notification_event'),
  id: z.string().min(1),
  topic: z.string(),
  created_at: Seconds,
  data: z.object({
    item: z.looseObject({
      type: z.string(),
      id: z.union([z.string(), z.number()]).transform(String).optional(),
      contacts: z.object({ contacts: z.array(z.object({ id: z.string() })) }).optional(),
      conversation_parts: z.object({ conversation_parts: z.array(z.object({ part_type: z.string(), created_at: Seconds, author: Author })) }).optional(),
    }),
  }),
});

const STEPS: Record<string, LoopEvent['step']> = {
  'conversation.admin.replied': 'acknowledged',
  'conversation.admin.closed': 'closed',
};

/** An admin's reply acknowledges the loop of the contact's newest response; closing the conversation closes it. Other topics (`ping`…): null. */
export function parseIntercomEvent(json: unknown): ParsedLoopEvent {
  const parsed = IntercomNotification.safeParse(json);
  if (!parsed.success) return { error: parsed.error };
  const n = parsed.data;
  const step = STEPS[n.topic];
  const contactIds = n.data.item.contacts?.contacts.map((c) => c.id) ?? [];
  if (!step || n.data.item.type !== 'conversation' || !contactIds.length) return { event: null };
  // The part that made the event: the newest one an admin wrote.
  const part = n.data.item.conversation_parts?.conversation_parts.filter((p) => p.author.type === 'admin').at(-1);
  return {
    event: {
      source: 'intercom',
      eventId: n.id,
      step,
      at: new Date((part?.created_at ?? n.created_at) * 1000).toISOString(),
      actor: part?.author.name ?? null,
      target: { kind: 'intercom-contact', contactIds },
    },
  };
}
