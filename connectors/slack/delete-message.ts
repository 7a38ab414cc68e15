import { z } from 'zod';
import type { WebClient } from '@slack/web-api';
import { defineAction } from '../connector.js';

export const DeleteMessageParams = z.strictObject({
  /** Channel id of the message (as Slack answered the post). */
  channel: z.string().trim().min(1, 'is required'),
  /** The message's `ts`. */
  ts: z.string().trim().regex(/^\d+\.\d+$/, 'must be a Slack message ts (1772445600.000100)'),
});
export type DeleteMessageParams = z.output<typeof DeleteMessageParams>;

/** The message the hub posted for a respondent who is forgotten with `--downstream`, as its post answered. */
export function messageToDelete(remote: Readonly<Record<string, unknown>>): DeleteMessageParams | undefined {
  const { channel, ts } = remote;
  return typeof channel === 'string' && typeof ts === 'string' ? { channel, ts } : undefined;
}

export const deleteMessage = defineAction({
  name: 'deleteMessage',
  summary: 'Delete a message the hub posted (erasure of a respondent with --downstream; scope chat:write)',
  effectOnce:
    'Queued once per message (its job key is the channel and ts). A retry after a lost answer finds the message gone: Slack answers `message_not_found`, recorded as done (`alreadyGone`), not as a failure.',
  params: DeleteMessageParams,
  request: (p) => ({ method: 'POST', path: '/chat.delete', body: { channel: p.channel, ts: p.ts } }),
  rateLimitKey: (p) => p.channel,
  async run(client: WebClient, p, ctx) {
    try {
      await client.chat.delete({ channel: p.channel, ts: p.ts });
      return { remoteId: p.ts, channel: p.channel, ts: p.ts, alreadyGone: false };
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error !== 'message_not_found') throw error;
      ctx.log.info({ channel: p.channel, ts: p.ts }, 'slack message already gone, nothing to delete');
      return { remoteId: p.ts, channel: p.channel, ts: p.ts, alreadyGone: true };
    }
  },
});
