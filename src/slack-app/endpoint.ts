import type { Env } from '../core/env.js';
import type { Logger } from '../core/logger.js';
import { SLACK_DEFAULT_API_URL } from '../../connectors/slack/client.js';
import type { HandlerOutcome, SlackAppDeps } from './handler.js';
import { handleInteraction } from './dispatch.js';
import type { SlackInteraction } from './interaction.js';
import type { SlackAppClient } from './slack-client.js';

/**
 * The Slack app as the HTTP app mounts it (`POST /slack/events`): a framework adapter (Bolt on
 * Node, src/runtime/node/slack-bolt.ts; slack-edge, src/runtime/workers/slack-edge.ts) that
 * verifies the signature, reads the interaction, acknowledges with the handler's answer and
 * makes the handler's Web API calls after it.
 */
export interface SlackEndpoint {
  /** Which framework answers (logged at start, named in tests). */
  readonly framework: 'bolt' | 'slack-edge';
  /**
   * Answer one request Slack sent (interactivity, events, slash commands). `waitUntil`: the
   * runtime's way to keep work alive after the answer (Workers' `ctx.waitUntil`); on Node the
   * adapter keeps track of it itself.
   */
  handle(request: Request, waitUntil?: (work: Promise<unknown>) => void): Promise<Response>;
  /** Resolves once the work after every acknowledgement so far is done (tests; shutdown). */
  idle(): Promise<void>;
}

/** What an adapter is built from: the handlers' deps and the app's credentials. */
export interface SlackEndpointOptions extends SlackAppDeps {
  signingSecret: string;
  botToken: string;
  /** Web API base URL (SLACK_API_URL), with its trailing slash. */
  apiUrl: string;
}

/**
 * The Slack app's credentials from the environment, the same on both runtimes: undefined unless
 * SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are both set (then `/slack/events` refuses every request).
 */
export function slackAppCredentials(env: Env): Pick<SlackEndpointOptions, 'signingSecret' | 'botToken' | 'apiUrl'> | undefined {
  if (!env.SLACK_SIGNING_SECRET || !env.SLACK_BOT_TOKEN) return undefined;
  const apiUrl = env.SLACK_API_URL || SLACK_DEFAULT_API_URL;
  return { signingSecret: env.SLACK_SIGNING_SECRET, botToken: env.SLACK_BOT_TOKEN, apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` };
}

/** The answer to a request whose signature does not match or is older than 5 minutes (both adapters). */
export function invalidSignature(): Response {
  return Response.json({ error: { code: 'invalid_signature', message: 'The Slack signature does not match SLACK_SIGNING_SECRET, or the request is older than 5 minutes', issues: [{ field: 'x-slack-signature', message: 'does not match' }] } }, { status: 401 });
}

/** Promises of work after the ack, so a test (or a shutdown) can wait for them. */
export class PendingWork {
  private readonly running = new Set<Promise<unknown>>();
  constructor(private readonly log: Logger) {}

  add(work: Promise<unknown>): void {
    const tracked = work
      .catch((error) => this.log.error({ err: error }, 'slack app: work after the acknowledgement failed'))
      .finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }
}

/** How long the clicker's name may be looked up before the click is handled with the name Slack sent. */
const NAME_LOOKUP_MS = 800;
/** Names looked up, per adapter, for this long: a person's clicks cost one `users.info`. */
const NAME_TTL_MS = 60 * 60_000;

/**
 * The clicker's full name (`users.info`, scope users:read) in place of the handle Slack sends
 * with the click (`dana`), cached; the handle stands when the look-up fails or is slow (the click
 * must be answered within Slack's 3 seconds).
 */
export function nameResolver(client: SlackAppClient, log: Logger, now: () => Date) {
  const names = new Map<string, { name: string | null; until: number }>();
  return async function withName<I extends SlackInteraction>(interaction: I): Promise<I> {
    if (interaction.kind !== 'block_action' && interaction.kind !== 'view_submission') return interaction;
    const { user } = interaction;
    const cached = names.get(user.id);
    let name = cached && cached.until > now().getTime() ? cached.name : undefined;
    if (name === undefined) {
      let timer: number | undefined;
      const slow = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, NAME_LOOKUP_MS) as unknown as number));
      const looked = client.userName(user.id).catch((error: unknown) => {
        log.warn({ err: (error as Error)?.message, user: user.id }, 'slack app: users.info failed; the name Slack sent is recorded');
        return undefined;
      });
      name = await Promise.race([looked, slow]);
      clearTimeout(timer);
      if (name !== undefined) names.set(user.id, { name, until: now().getTime() + NAME_TTL_MS });
    }
    return name ? { ...interaction, user: { id: user.id, name } } : interaction;
  };
}

/**
 * Run the handler of an interaction read from a payload (a reader of interaction.ts's result as
 * it comes: the interaction, or the ZodError of a payload it could not read): an unreadable
 * payload (signed, but not the shape we know) is acknowledged empty and logged, so Slack does not
 * retry it; a handler that fails is acknowledged too (the user sees nothing happened) and logged.
 */
export async function outcomeOf(read: SlackInteraction | { issues: unknown }, deps: SlackAppDeps, withName: (i: SlackInteraction) => Promise<SlackInteraction>): Promise<HandlerOutcome> {
  if ('issues' in read) {
    deps.log.warn({ issues: read.issues }, 'slack app: payload not understood, acknowledged and ignored');
    return {};
  }
  try {
    return await handleInteraction(await withName(read), deps);
  } catch (error) {
    deps.log.error({ err: error, kind: read.kind }, 'slack app: handler failed');
    return {};
  }
}

/** Each after-ack call of a handler, through the adapter's client. */
export function runAfter(outcome: HandlerOutcome, client: SlackAppClient): Promise<void> {
  return outcome.after ? outcome.after(client) : Promise.resolve();
}
