import type { WebClient } from '@slack/web-api';
import type { ConnectorDefinition } from '../connector.js';
import { classifySlackError, createSlackClient, slackVariables, verifySlack } from './client.js';
import { postMessage } from './post-message.js';
import { replyInThread } from './reply-in-thread.js';

export const slack: ConnectorDefinition<WebClient> = {
  name: 'slack',
  title: 'Slack',
  variables: slackVariables,
  configured: (env) => !!env.SLACK_BOT_TOKEN,
  createClient: createSlackClient,
  classify: classifySlackError,
  verify: verifySlack,
  actions: [postMessage, replyInThread],
};
