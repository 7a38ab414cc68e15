import { z } from 'zod';
import type { WebClient } from '@slack/web-api';
import { DeliveryError } from '../../src/core/delivery-error.js';
import type { Job } from '../../src/core/job.js';
import { defineAction, type ActionContext } from '../connector.js';
import { Blankable } from '../params.js';
import { mayHaveRunBefore } from '../previous-attempt.js';
import { messageToDelete } from './delete-message.js';
import { isJobMessage, postUnlessHistoryDenied } from './history.js';
import { verbatimMessage } from './post-message.js';

const Optional = Blankable(z.string().trim());

export const ReplyInThreadParams = z.strictObject({
  /** Channel id of the thread. Omitted in a follow-up: the channel of the parent message. */
  channel: Optional,
  /** `ts` of the thread's first message. Omitted in a follow-up: the parent `slack.postMessage`. */
  threadTs: Optional,
  /** The reply's first line (escaped: no mentions, no links). */
  text: z.string().trim().min(1, 'is required'),
  /** The customer's words, shown as a quote exactly as written (both clipped as in `slack.postMessage`). */
  quote: z.string().default(''),
  /** Also show the reply in the channel. Default false. */
  broadcast: z.boolean().default(false),
});
export type ReplyInThreadParams = z.output<typeof ReplyInThreadParams>;

/** `chat.postMessage` arguments of the reply. */
export function threadReply(p: ReplyInThreadParams, thread: { channel: string; ts: string }, job: { jobKey?: string; responseId?: string } = {}) {
  return {
    ...verbatimMessage({ channel: thread.channel, text: p.text, fields: [], quote: p.quote, context: '' }, job),
    thread_ts: thread.ts,
    ...(p.broadcast ? { reply_broadcast: true } : {}),
  };
}

/** The thread: the parameters, else the message the parent `slack.postMessage` job posted. */
function threadOf(p: ReplyInThreadParams, parent: Job | undefined): { channel: string; ts: string } {
  const posted = (parent?.result ?? {}) as { channel?: unknown; ts?: unknown };
  const channel = p.channel ?? (typeof posted.channel === 'string' ? posted.channel : undefined);
  const ts = p.threadTs ?? (typeof posted.ts === 'string' ? posted.ts : undefined);
  if (!channel || !ts) throw new DeliveryError('slack.replyInThread needs channel and threadTs, or a parent slack.postMessage job that posted a message', false);
  return { channel, ts };
}

/** A reply this job already posted (a retry after a lost answer): found by the job key in its metadata. */
async function earlierReply(client: WebClient, thread: { channel: string; ts: string }, ctx: ActionContext): Promise<string | undefined> {
  try {
    const replies = await client.conversations.replies({ channel: thread.channel, ts: thread.ts, include_all_metadata: true, limit: 200 });
    return replies.messages?.find((m) => isJobMessage(m, ctx.job.key))?.ts;
  } catch (error) {
    return postUnlessHistoryDenied(error, ctx.log, 'could not read the slack thread to look for an earlier reply');
  }
}

export const replyInThread = defineAction({
  name: 'replyInThread',
  summary: 'Reply in the thread of a message; as a follow-up, under the message its postMessage posted',
  effectOnce:
    "The reply carries the job key as metadata (`closeloop_job`); a retried or replayed job first reads the thread (`conversations.replies`, needs channels:history) and does not post a reply that is already there. A look-up that fails for a passing reason fails the attempt instead of posting; without the scope, the reply is posted (a duplicate is possible).",
  params: ReplyInThreadParams,
  request: (p, job) => ({
    method: 'POST',
    path: '/chat.postMessage',
    body: threadReply(p, { channel: p.channel ?? '<channel of the parent message>', ts: p.threadTs ?? '<ts of the parent message>' }, { responseId: job?.responseId }),
  }),
  // A reply is a message in the channel: it spends the channel's pace like a post.
  rateLimitKey: (p, parent) => (p.channel ?? (parent?.result as { channel?: string } | null)?.channel ?? 'thread').replace(/^#/, ''),
  erasure: { action: 'slack.deleteMessage', params: messageToDelete },
  async run(client: WebClient, p, ctx) {
    const thread = threadOf(p, ctx.parent);
    if (mayHaveRunBefore(ctx.job)) {
      const ts = await earlierReply(client, thread, ctx);
      if (ts) return { remoteId: ts, channel: thread.channel, ts, threadTs: thread.ts, existing: true };
    }
    const answer = await client.chat.postMessage(threadReply(p, thread, { jobKey: ctx.job.key, responseId: ctx.job.responseId }) as Parameters<WebClient['chat']['postMessage']>[0]);
    return { remoteId: answer.ts ?? null, channel: answer.channel ?? thread.channel, ts: answer.ts ?? null, threadTs: thread.ts, existing: false };
  },
});
