import type { ConnectorDefinition } from '../connector.js';
import { classifyWebhookError, createWebhookClient, webhookSettingsProblems, webhookVariables, type WebhookClient } from './client.js';
import { webhookPost } from './post.js';

export const webhook: ConnectorDefinition<WebhookClient> = {
  name: 'webhook',
  title: 'Webhook out',
  variables: webhookVariables,
  configured: (env) => !!env.CLOSELOOP_WEBHOOK_SECRET,
  settingsProblems: webhookSettingsProblems,
  createClient: createWebhookClient,
  classify: classifyWebhookError,
  actions: [webhookPost],
  // An automation tool or a data pipeline can be down for a while: retried until the job is a day old.
  retry: { maxAgeMs: 24 * 60 * 60_000 },
};
