import type { Logger } from '../core/logger.js';
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
  /** Answer one request Slack sent (interactivity, events, slash commands). */
  handle(request: Request): Promise<Response>;
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

/**
 * Run the handler of an interaction read from a payload: an unreadable payload (signed, but not
 * the shape we know) is acknowledged empty and logged, so Slack does not retry it; a handler that
 * fails is acknowledged too (the user sees nothing happened) and logged.
 */
export async function outcomeOf(read: SlackInteraction | { issues: unknown }, deps: SlackAppDeps): Promise<HandlerOutcome> {
  if ('issues' in read) {
    deps.log.warn({ issues: read.issues }, 'slack app: payload not understood, acknowledged and ignored');
    return {};
  }
  try {
    return await handleInteraction(read, deps);
  } catch (error) {
    deps.log.error({ err: error, kind: read.kind }, 'slack app: handler failed');
    return {};
  }
}

/** Each after-ack call of a handler, through the adapter's client. */
export function runAfter(outcome: HandlerOutcome, client: SlackAppClient): Promise<void> {
  return outcome.after ? outcome.after(client) : Promise.resolve();
}
