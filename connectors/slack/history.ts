import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../src/core/logger.js';

/** The metadata event type every closeloop message carries, with `{ key: <job key> }` as payload. */
export const JOB_METADATA_TYPE = 'closeloop_job';

/** Pages of history (200 messages each) a retry reads at most per attempt window. */
const MAX_PAGES = 10;

const channelIds = new WeakMap<WebClient, Map<string, string>>();

/** A channel id as Slack writes them (C…, G…, D…), as opposed to a `#name`. */
export function isChannelId(channel: string): boolean {
  return /^[CGD][A-Z0-9]{6,}$/.test(channel);
}

/**
 * The channel id for `#name` (`conversations.list`, needs channels:read, and groups:read for
 * private channels), cached per client. `conversations.history` only takes ids.
 */
export async function resolveChannelId(client: WebClient, channel: string): Promise<string | undefined> {
  if (isChannelId(channel)) return channel;
  const name = channel.replace(/^#/, '');
  let known = channelIds.get(client);
  if (!known) channelIds.set(client, (known = new Map()));
  const cached = known.get(name);
  if (cached) return cached;
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const answer = await client.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const c of answer.channels ?? []) if (c.name && c.id) known.set(c.name, c.id);
    if (known.has(name)) return known.get(name);
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  return undefined;
}

/**
 * The `ts` of a message an earlier attempt of this job posted, found by the job key in its
 * metadata (`conversations.history` with `include_all_metadata`, needs channels:history, and
 * groups:history for private channels). Undefined when there is none — or when the token may not
 * read history: then a retry after a lost answer can post twice, and we say so in the log.
 */
export async function findPostedMessage(
  client: WebClient,
  channel: string,
  jobKey: string,
  /** When earlier attempts ran; only those spans are read, so a busy channel does not push the message out of reach. */
  windows: { from: Date; to: Date }[],
  log: Logger,
): Promise<{ channel: string; ts: string } | undefined> {
  try {
    const id = await resolveChannelId(client, channel);
    if (!id) {
      log.warn({ channel }, 'slack channel not found by name; cannot look for an earlier post');
      return undefined;
    }
    for (const window of windows) {
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await client.conversations.history({
          channel: id,
          oldest: slackTs(window.from),
          latest: slackTs(window.to),
          inclusive: true,
          include_all_metadata: true,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        });
        const mine = answer.messages?.find((m) => isJobMessage(m, jobKey));
        if (mine?.ts) return { channel: id, ts: mine.ts };
        cursor = answer.response_metadata?.next_cursor || undefined;
        if (!cursor) break;
      }
    }
    return undefined;
  } catch (error) {
    return postUnlessHistoryDenied(error, log, 'could not read slack history to look for an earlier post');
  }
}

/** Whether a message carries this job's key in closeloop's metadata (`closeloop_job`). */
export function isJobMessage(message: { metadata?: { event_type?: string; event_payload?: unknown } }, jobKey: string): boolean {
  return message.metadata?.event_type === JOB_METADATA_TYPE && (message.metadata.event_payload as { key?: unknown } | undefined)?.key === jobKey;
}

/**
 * A look-up for an earlier post (or reply) failed. Only a token that may not read the history
 * means "post without looking": logged as `<what failed>; posting (a duplicate is possible)`, and
 * nothing is found. Any other failure (timeout, reset, 5xx, rate limit) is rethrown and fails the
 * attempt: posting then would duplicate exactly the message an answer lost a moment ago may have
 * created.
 */
export function postUnlessHistoryDenied(error: unknown, log: Logger, whatFailed: string): undefined {
  const code = (error as { data?: { error?: string; needed?: string } }).data;
  if (!code?.error || !HISTORY_DENIED.has(code.error)) throw error;
  log.warn({ err: (error as Error).message, slackError: code.error, needed: code.needed }, `${whatFailed}; posting (a duplicate is possible)`);
  return undefined;
}

/** A Slack timestamp (`seconds.micros`) for a time. */
function slackTs(date: Date): string {
  return (date.getTime() / 1000).toFixed(6);
}

/** Platform errors saying this token cannot read the channel's history (as opposed to a passing failure). */
const HISTORY_DENIED = new Set(['missing_scope', 'not_allowed_token_type', 'no_permission', 'not_in_channel', 'channel_not_found', 'access_denied', 'ekm_access_denied', 'team_access_not_granted']);
