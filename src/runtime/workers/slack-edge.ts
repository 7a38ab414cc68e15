// slack-edge re-exports its Web API client (slack-web-api-client).
import { SlackAPIClient, SlackApp, type ExecutionContext, type SlackEdgeAppEnv } from 'slack-edge';
import { NPS_COMMAND } from '../../slack-app/dispatch.js';
import { invalidSignature, nameResolver, outcomeOf, PendingWork, runAfter, type SlackEndpoint, type SlackEndpointOptions } from '../../slack-app/endpoint.js';
import type { HandlerOutcome } from '../../slack-app/handler.js';
import { readAppHomeOpened, readBlockAction, readSlashCommand, readViewSubmission, type SlackInteraction } from '../../slack-app/interaction.js';
import { slackAppClient } from '../../slack-app/slack-client.js';
import { THEME_MODAL } from '../../slack-app/theme-picker.js';

/**
 * The Slack app with slack-edge (Bolt's counterpart for edge runtimes: fetch and Web Crypto
 * only, so it runs on Workers and on Node alike). slack-edge verifies the signature (HMAC-SHA256,
 * 5-minute window), runs each handler's `ack` before answering and its `lazy` part after, through
 * the execution context's `waitUntil` (Workers' own, or the pending-work tracker on Node).
 */
export function createSlackEdgeEndpoint(options: SlackEndpointOptions): SlackEndpoint {
  const pending = new PendingWork(options.log);
  const env: SlackEdgeAppEnv = { SLACK_SIGNING_SECRET: options.signingSecret, SLACK_BOT_TOKEN: options.botToken, SLACK_LOGGING_LEVEL: 'ERROR' };
  const app = new SlackApp({
    env,
    // A fixed token: slack-edge's default authorize calls auth.test on every request.
    authorize: async () => ({ botToken: options.botToken, botId: '', botUserId: '', botScopes: [] }),
    startLazyListenerAfterAck: true,
  });
  // slack-edge's own clients call slack.com; ours honours SLACK_API_URL, without retries.
  const client = slackAppClient(new SlackAPIClient(options.botToken, { baseUrl: options.apiUrl, logLevel: 'ERROR', retryHandlers: [] }));
  const withName = nameResolver(client, options.log, options.now);
  // The ack computes the outcome; the lazy part (same request object) makes its calls.
  const outcomes = new WeakMap<object, HandlerOutcome>();
  const later = async (request: object) => {
    const outcome = outcomes.get(request);
    if (outcome) await runAfter(outcome, client);
  };
  app.action(
    /^closeloop_/,
    async (request) => {
      outcomes.set(request, await outcomeOf(readBlockAction(request.payload), options, withName));
    },
    later,
  );
  // A modal's submission and the slash command answer in the ack (the modal's errors, the reply).
  const answered = (read: (payload: unknown) => SlackInteraction | { issues: unknown }) => async (request: { payload: unknown }) => {
    const outcome = await outcomeOf(read(request.payload), options, withName);
    outcomes.set(request, outcome);
    return (outcome.ack ?? '') as never;
  };
  app.viewSubmission(THEME_MODAL, answered(readViewSubmission), later);
  app.command(NPS_COMMAND, answered(readSlashCommand), later);
  app.event('app_home_opened', async (request) => {
    await runAfter(await outcomeOf(readAppHomeOpened(request.body), options, withName), client);
  });
  return {
    framework: 'slack-edge',
    async handle(request, waitUntil) {
      // Workers keep the lazy part alive with the request's own waitUntil; Node tracks it here.
      const ctx = { waitUntil: (work: Promise<unknown>) => (waitUntil ? waitUntil(work) : pending.add(work)) } as ExecutionContext;
      const answer = await app.run(request, ctx);
      // slack-edge answers a bad signature or a stale timestamp 401 with an empty body: say why.
      return answer.status === 401 ? invalidSignature() : answer;
    },
    idle: () => pending.idle(),
  };
}
