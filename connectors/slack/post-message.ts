import { z } from 'zod';
import type { WebClient } from '@slack/web-api';
import { clip, FIELD_LIMITS, fullTextRef } from '../clip.js';
import { defineAction } from '../connector.js';
import { mayHaveRunBefore } from '../previous-attempt.js';
import { escapeSlackText } from './escape.js';
import { messageToDelete } from './delete-message.js';
import { findPostedMessage, JOB_METADATA_TYPE } from './history.js';
import { responseButtons } from './message-buttons.js';

const Field = z.strictObject({
  label: z.string().min(1),
  value: z.string(),
});

export const PostMessageParams = z.strictObject({
  /** Channel name (`#nps`) or id (`C0123…`). */
  channel: z.string().trim().min(1, 'is required'),
  /** Headline, and the notification text (clipped to Slack's 3,000-character section). */
  text: z.string().trim().min(1, 'is required'),
  /** Label/value pairs shown in two columns (at most 10, Slack's limit). */
  fields: z.array(Field).max(10).default([]),
  /** The customer's words, shown as a quote exactly as written (no formatting, no mentions); clipped to 3,000 characters. */
  quote: z.string().default(''),
  /** Small print under the message (clipped to 3,000 characters). */
  context: z.string().default(''),
});
export type PostMessageParams = z.output<typeof PostMessageParams>;

/**
 * The Block Kit message. Every string that can carry someone's words (headline, fields, small
 * print) is `plain_text`, and the verbatim is a `rich_text` quote: Slack shows both literally, so
 * `<!channel>`, `@here`, `<@U…>`, `<https://evil|link>`, `*bold*` or a code fence in a verbatim
 * or a name stay text. The top-level `text` (the notification) is mrkdwn, so it is escaped.
 */
export function verbatimMessage(p: PostMessageParams, { jobKey, responseId, buttons }: { jobKey?: string; responseId?: string; buttons?: boolean } = {}) {
  const ref = fullTextRef(responseId);
  const limits = FIELD_LIMITS.slack;
  const text = clip(p.text, limits.sectionText, ref);
  const blocks: unknown[] = [{ type: 'section', text: { type: 'plain_text', text } }];
  const fields = p.fields.filter((f) => f.value.trim() !== '');
  if (fields.length) {
    blocks.push({
      type: 'section',
      fields: fields.map((f) => ({ type: 'plain_text', text: clip(`${f.label}\n${f.value}`, limits.sectionField, ref) })),
    });
  }
  if (p.quote.trim()) {
    blocks.push({
      type: 'rich_text',
      elements: [{ type: 'rich_text_quote', elements: [{ type: 'text', text: clip(p.quote, limits.textObject, ref) }] }],
    });
  }
  if (p.context.trim()) {
    blocks.push({ type: 'context', elements: [{ type: 'plain_text', text: clip(p.context, limits.textObject, ref) }] });
  }
  // The Slack app's buttons (docs/slack-app.md), on messages about one response.
  if (buttons && responseId) blocks.push(responseButtons(responseId));
  return {
    channel: p.channel,
    text: escapeSlackText(text),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
    ...(jobKey ? { metadata: { event_type: JOB_METADATA_TYPE, event_payload: { key: jobKey } } } : {}),
  };
}

export const postMessage = defineAction({
  name: 'postMessage',
  summary: 'Post a Block Kit message (headline, fields, the verbatim as a quote) to a channel',
  effectOnce:
    "The message carries the job key as metadata (`closeloop_job`) and its `ts` is stored on the job. A retried or replayed job first reads the channel's recent history (`conversations.history` with `include_all_metadata`; needs channels:history, and channels:read to resolve a `#name`) and records the message already there instead of posting again. Without those scopes the lookup is skipped (logged) and a retry after a lost answer can post twice.",
  params: PostMessageParams,
  request: (p, job) => ({ method: 'POST', path: '/chat.postMessage', body: verbatimMessage(p, { responseId: job?.responseId, buttons: hasButtons(job) }) }),
  // Slack paces messages per channel (`#nps` and `nps` are one channel; a name and its id are two keys).
  rateLimitKey: (p) => p.channel.replace(/^#/, ''),
  // A late comment or a changed score is replied in the message's thread.
  followUp: {
    action: 'slack.replyInThread',
    params(change) {
      return { text: change.headline, quote: change.comment ?? '' };
    },
  },
  erasure: { action: 'slack.deleteMessage', params: messageToDelete },
  async run(client: WebClient, p, ctx) {
    if (mayHaveRunBefore(ctx.job)) {
      const windows = (await ctx.earlierAttemptWindows?.()) ?? [{ from: new Date(Date.parse(ctx.job.createdAt) - 60_000), to: new Date() }];
      const earlier = await findPostedMessage(client, p.channel, ctx.job.key, windows, ctx.log);
      if (earlier) {
        ctx.log.info(earlier, 'slack message already posted by an earlier attempt');
        return { remoteId: earlier.ts, channel: earlier.channel, ts: earlier.ts, existing: true };
      }
    }
    const answer = await client.chat.postMessage(verbatimMessage(p, { jobKey: ctx.job.key, responseId: ctx.job.responseId, buttons: hasButtons(ctx.job) }));
    return { remoteId: answer.ts ?? null, channel: answer.channel ?? p.channel, ts: answer.ts ?? null };
  },
});

/** A recipe's message is about one response and gets the app's buttons; the digest and operator alerts (no recipe) do not. */
function hasButtons(job: { recipe: string | null; type: string } | undefined): boolean {
  return !!job && job.type === 'action' && job.recipe !== null;
}
