import { z } from 'zod';
import { defineAction } from '../connector.js';
import { failedAnswer, postFollowingRedirects, type WebhookClient } from './client.js';

export const WebhookPostParams = z.strictObject({
  /** Where to POST (http or https; private, loopback and link-local addresses are refused). */
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** The payload's `type`. Default `nps.response`. */
  type: z.string().trim().min(1).max(100).default('nps.response'),
  /** Extra values for the receiver (templates), sent as `data.fields`. */
  fields: z.record(z.string(), z.string()).default({}),
  /** The response, its account and contact as the recipe saw them (filled by the planner). */
  data: z.object({
    response: z.looseObject({ id: z.string() }),
    account: z.record(z.string(), z.unknown()).nullable().default(null),
    contact: z.record(z.string(), z.unknown()).nullable().default(null),
  }),
});
export type WebhookPostParams = z.output<typeof WebhookPostParams>;

/** The body: the same bytes on every attempt, so a receiver can compare a redelivery. */
export function webhookBody(p: WebhookPostParams, plannedAt: string): string {
  return JSON.stringify({ type: p.type, timestamp: plannedAt, data: { ...p.data, fields: p.fields } });
}

export const webhookPost = defineAction({
  name: 'post',
  summary: 'POST the response with its account and themes to a URL, signed the Standard Webhooks way',
  effectOnce:
    'Every attempt and replay of the job sends the same body with the same `webhook-id` (the job key), as Standard Webhooks receivers expect: the receiver drops a redelivery by that id. A receiver that ignores it can see a message twice after a lost answer.',
  params: WebhookPostParams,
  contextParams: (context) => ({ data: { response: context.response, account: context.account ?? null, contact: context.contact ?? null } }),
  request: (p) => ({ method: 'POST', path: p.url, body: JSON.parse(webhookBody(p, '(planned time)')) }),
  rateLimitKey: (p) => new URL(p.url).host,
  async run(client: WebhookClient, p, ctx) {
    const body = webhookBody(p, ctx.job.createdAt);
    const id = ctx.job.key;
    // Signed at each attempt: receivers refuse a timestamp outside their tolerance (5 minutes).
    const at = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'closeloop',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': client.signer.sign(id, at, body),
    };
    const response = await postFollowingRedirects(client, p.url, { headers, body });
    const text = await response.text();
    if (!response.ok) throw failedAnswer(p.url, response, text);
    return { remoteId: id, status: response.status };
  },
});
