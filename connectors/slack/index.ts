import type { WebClient } from '@slack/web-api';
import type { ConnectorDefinition } from '../connector.js';
import { classifySlackError, createSlackClient, slackVariables, verifySlack } from './client.js';
import { postMessage } from './post-message.js';
import { replyInThread } from './reply-in-thread.js';
import { deleteMessage } from './delete-message.js';
import { updateMessage } from './update-message.js';

export const slack: ConnectorDefinition<WebClient> = {
  name: 'slack',
  title: 'Slack',
  variables: slackVariables,
  configured: (env) => !!env.SLACK_BOT_TOKEN,
  createClient: createSlackClient,
  classify: classifySlackError,
  verify: verifySlack,
  // Slack's archive URL opens the message in the reader's own workspace (the workspace is not on the job).
  link: (result) =>
    typeof result.channel === 'string' && typeof result.ts === 'string'
      ? `https://slack.com/archives/${result.channel}/p${result.ts.replace('.', '')}${typeof result.threadTs === 'string' ? `?thread_ts=${result.threadTs}` : ''}`
      : undefined,
  actions: [postMessage, replyInThread, deleteMessage, updateMessage],
  // An alert hours late has lost most of its worth: two hours of retries, then dead (the
  // operator is alerted and can replay).
  retry: { maxAgeMs: 2 * 60 * 60_000 },
  // Per channel (each action's rateLimitKey).
  rateLimit: { points: 1, durationMs: 1_000, source: 'chat.postMessage: 1 message per second per channel, short bursts allowed (https://docs.slack.dev/apis/web-api/rate-limits)' },
};
