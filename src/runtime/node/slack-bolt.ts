import { App, LogLevel, verifySlackRequest, type Receiver, type ReceiverEvent } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../core/logger.js';
import { NPS_COMMAND } from '../../slack-app/dispatch.js';
import { invalidSignature, nameResolver, outcomeOf, PendingWork, runAfter, type SlackEndpoint, type SlackEndpointOptions } from '../../slack-app/endpoint.js';
import { readAppHomeOpened, readBlockAction, readSlashCommand, readViewSubmission } from '../../slack-app/interaction.js';
import { slackAppClient } from '../../slack-app/slack-client.js';
import { THEME_MODAL } from '../../slack-app/theme-picker.js';

/** Bolt's answer window: a listener that has not acknowledged by then is answered empty (Slack gives up at 3 s). */
const ACK_TIMEOUT_MS = 2_500;

/**
 * The Slack app on Node with @slack/bolt: Bolt's `App` with a receiver mounted on the hub's Hono
 * app (no second HTTP server). The receiver verifies the signature with Bolt's own
 * `verifySlackRequest` (HMAC-SHA256, 5-minute window), hands the payload to `App.processEvent`
 * and answers as soon as the listener acknowledges; the rest of the listener runs after.
 */
export function createBoltEndpoint(options: SlackEndpointOptions): SlackEndpoint {
  const pending = new PendingWork(options.log);
  const receiver = new HonoReceiver(options.signingSecret, pending, options.log);
  const app = new App({
    receiver,
    // A fixed token through `authorize`: `new App({ token })` would call auth.test at once.
    authorize: async () => ({ botToken: options.botToken }),
    tokenVerificationEnabled: false,
    ignoreSelf: false,
    logger: boltLogger(options.log),
    logLevel: LogLevel.ERROR,
    // Its client calls SLACK_API_URL, once: the handlers' calls are not worth a retry storm.
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true },
  });
  // Bolt hands each listener a client; the names it looks up are cached across them.
  let resolver: ReturnType<typeof nameResolver> | undefined;
  const names = (client: WebClient) => (resolver ??= nameResolver(slackAppClient(client), options.log, options.now));
  app.action(/^closeloop_/, async ({ ack, body, client }) => {
    const outcome = await outcomeOf(readBlockAction(body), options, names(client));
    await ack();
    await runAfter(outcome, slackAppClient(client));
  });
  app.view(THEME_MODAL, async ({ ack, body, client }) => {
    const outcome = await outcomeOf(readViewSubmission(body), options, names(client));
    await ack(outcome.ack as never);
    await runAfter(outcome, slackAppClient(client));
  });
  app.command(NPS_COMMAND, async ({ ack, body, client }) => {
    const outcome = await outcomeOf(readSlashCommand(body), options, names(client));
    await ack(outcome.ack as never);
    await runAfter(outcome, slackAppClient(client));
  });
  // Bolt acknowledges events itself, before the listener runs.
  app.event('app_home_opened', async ({ body, client }) => {
    const outcome = await outcomeOf(readAppHomeOpened(body), options, names(client));
    await runAfter(outcome, slackAppClient(client));
  });
  return { framework: 'bolt', handle: (request) => receiver.handle(request), idle: () => pending.idle() };
}

/** Bolt's receiver contract over a Web `Request`: what Bolt's HTTPReceiver does over node:http, without the server. */
class HonoReceiver implements Receiver {
  private app: App | undefined;
  constructor(
    private readonly signingSecret: string,
    private readonly pending: PendingWork,
    private readonly log: Logger,
  ) {}

  init(app: App): void {
    this.app = app;
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }

  async handle(request: Request): Promise<Response> {
    const raw = await request.text();
    // Slack's SSL check carries no signature and does nothing.
    if (/(^|&)ssl_check=1(&|$)/.test(raw)) return new Response(null, { status: 200 });
    try {
      verifySlackRequest({
        signingSecret: this.signingSecret,
        body: raw,
        headers: { 'x-slack-signature': request.headers.get('x-slack-signature') ?? '', 'x-slack-request-timestamp': Number(request.headers.get('x-slack-request-timestamp')) },
      });
    } catch (error) {
      this.log.warn({ reason: (error as Error).message }, 'slack request refused: bad signature or stale timestamp');
      return invalidSignature();
    }
    let body: Record<string, unknown>;
    try {
      body = parseBody(raw, request.headers.get('content-type') ?? '');
    } catch {
      return Response.json({ error: { code: 'invalid_json', message: 'The Slack payload is not JSON', issues: [{ field: 'payload', message: 'is not JSON' }] } }, { status: 400 });
    }
    if (body.type === 'url_verification') return Response.json({ challenge: body.challenge });
    let acknowledge!: (answer: unknown) => void;
    const acked = new Promise<unknown>((resolve) => (acknowledge = resolve));
    let done = false;
    const event: ReceiverEvent = {
      body,
      ack: async (answer?: unknown) => {
        if (done) return;
        done = true;
        acknowledge(answer);
      },
      retryNum: Number(request.headers.get('x-slack-retry-num')) || undefined,
      retryReason: request.headers.get('x-slack-retry-reason') ?? undefined,
    };
    const processing = this.app!.processEvent(event);
    this.pending.add(processing);
    let timer: number | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ACK_TIMEOUT_MS) as unknown as number));
    // No listener (an interaction the app does not handle) also ends here, answered empty.
    const answer = await Promise.race([acked, processing.then(() => undefined, () => undefined), timeout]);
    clearTimeout(timer);
    if (answer === undefined || answer === '') return new Response(null, { status: 200 });
    return typeof answer === 'string' ? new Response(answer, { status: 200 }) : Response.json(answer);
  }
}

/** Interactivity is a form with a JSON `payload`; slash commands a plain form; events JSON. */
function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(raw);
    const payload = form.get('payload');
    return payload !== null ? (JSON.parse(payload) as Record<string, unknown>) : Object.fromEntries(form);
  }
  return JSON.parse(raw) as Record<string, unknown>;
}

/** Bolt's logger interface over the hub's (errors and warnings only reach it at ERROR level). */
function boltLogger(log: Logger) {
  return {
    debug: (...msg: unknown[]) => log.debug({ bolt: msg.map(String).join(' ') }, 'bolt'),
    info: (...msg: unknown[]) => log.info({ bolt: msg.map(String).join(' ') }, 'bolt'),
    warn: (...msg: unknown[]) => log.warn({ bolt: msg.map(String).join(' ') }, 'bolt'),
    error: (...msg: unknown[]) => log.error({ bolt: msg.map(String).join(' ') }, 'bolt'),
    setLevel: () => {},
    getLevel: () => LogLevel.ERROR,
    setName: () => {},
  };
}
