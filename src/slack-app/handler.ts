import type { ActionRegistry } from '../../connectors/registry.js';
import type { Env } from '../core/env.js';
import type { Logger } from '../core/logger.js';
import type { SlackActionStore } from '../store/slack-actions.js';
import type { Store } from '../store/store.js';
import type { ThemeTagger } from '../themes/tagger.js';
import type { SlackAppClient } from './slack-client.js';

/** What the handlers need of the hub: the same on both runtimes. */
export interface SlackAppDeps {
  store: Store;
  /** Clicks and assignments (src/store/slack-actions.ts). */
  actions: SlackActionStore;
  registry: ActionRegistry;
  /** An action's attempts (its connector's retry policy). */
  maxAttempts: (action: string) => number;
  now: () => Date;
  env: Env;
  log: Logger;
  /** The survey sources (the /nps command's figures check a `source` against them). */
  sources: Iterable<string>;
  /** Theme rules: the theme picker's options and /nps's top themes. Absent: none. */
  themes?: ThemeTagger;
  /** Called after jobs were queued: wakes the in-process runner. */
  onJobsQueued?: () => void;
}

/**
 * A handler's answer: the body of the acknowledgement (sent at once, within Slack's 3 seconds;
 * a slash command's reply, a modal's errors), and the Web API calls to make after it.
 */
export interface HandlerOutcome {
  /** Body of the HTTP 200 that acknowledges the interaction. Undefined: an empty 200. */
  ack?: Record<string, unknown>;
  /** Calls made after the acknowledgement, through the adapter's client. */
  after?: (client: SlackAppClient) => Promise<void>;
}

export const NOTHING: HandlerOutcome = {};

/** An ephemeral note to the clicker, under the message (after the ack). */
export function ephemeral(channel: string | null, user: string, text: string): HandlerOutcome {
  if (!channel) return NOTHING;
  return { after: (client) => client.postEphemeral({ channel, user, text }) };
}
