import { z } from 'zod';
import type { WebClient } from '@slack/web-api';
import { defineAction } from '../connector.js';
import { escapeSlackText } from './escape.js';

const Field = z.strictObject({
  label: z.string().min(1),
  value: z.string(),
});

export const PostMessageParams = z.strictObject({
  /** Channel name (`#nps`) or id (`C0123…`). */
  channel: z.string().trim().min(1, 'is required'),
  /** Headline, and the notification text. */
  text: z.string().trim().min(1, 'is required').max(3000),
  /** Label/value pairs shown in two columns (at most 10, Slack's limit). */
  fields: z.array(Field).max(10).default([]),
  /** The customer's words, shown as a quote exactly as written (no formatting, no mentions). */
  quote: z.string().max(3000).default(''),
  /** Small print under the message. */
  context: z.string().max(2000).default(''),
});
export type PostMessageParams = z.output<typeof PostMessageParams>;

/**
 * The Block Kit message: user text is escaped and marked `verbatim` (no auto-linking or
 * mention parsing); the quote is a rich_text quote, which Slack shows literally.
 */
export function verbatimMessage(p: PostMessageParams, jobKey?: string) {
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: escapeSlackText(p.text), verbatim: true } }];
  const fields = p.fields.filter((f) => f.value.trim() !== '');
  if (fields.length) {
    blocks.push({
      type: 'section',
      fields: fields.map((f) => ({ type: 'mrkdwn', text: `*${escapeSlackText(f.label)}*\n${escapeSlackText(f.value)}`, verbatim: true })),
    });
  }
  if (p.quote.trim()) {
    blocks.push({
      type: 'rich_text',
      elements: [{ type: 'rich_text_quote', elements: [{ type: 'text', text: p.quote }] }],
    });
  }
  if (p.context.trim()) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlackText(p.context), verbatim: true }] });
  }
  return {
    channel: p.channel,
    text: escapeSlackText(p.text),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
    ...(jobKey ? { metadata: { event_type: 'closeloop_job', event_payload: { key: jobKey } } } : {}),
  };
}

export const postMessage = defineAction({
  name: 'postMessage',
  summary: 'Post a Block Kit message (headline, fields, the verbatim as a quote) to a channel',
  effectOnce:
    "The message's `ts` is stored on the job; the message carries the job key as metadata (`closeloop_job`).",
  params: PostMessageParams,
  request: (p) => ({ method: 'POST', path: '/chat.postMessage', body: verbatimMessage(p) }),
  async run(client: WebClient, p, ctx) {
    const answer = await client.chat.postMessage(verbatimMessage(p, ctx.job.key));
    return { remoteId: answer.ts ?? null, channel: answer.channel ?? p.channel, ts: answer.ts ?? null };
  },
});
