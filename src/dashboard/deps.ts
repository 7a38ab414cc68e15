import type { Env } from '../core/env.js';
import type { Logger } from '../core/logger.js';
import type { Incident } from '../jobs/incidents.js';
import type { Recipe } from '../recipes/recipe.js';
import type { SlackActionStore } from '../store/slack-actions.js';
import type { Store } from '../store/store.js';
import type { ThemeTagger } from '../themes/tagger.js';

/** What a connector offers the dashboard: a link to what one of its actions made. */
export interface LinkingConnector {
  name: string;
  title: string;
  link?(result: { remoteId: string | null; [key: string]: unknown }, env: Env): string | undefined;
}

/** What the dashboard reads and does: the admin API's parts, plus the recipes and connectors. */
export interface DashboardDeps {
  store: Store;
  /** The admin token: what a person signs in with, and the root of the session key. */
  adminToken: string;
  now: () => Date;
  env: Env;
  log: Logger;
  /** The registered survey sources, by name. */
  sources: ReadonlyMap<string, unknown>;
  /** Theme rules. Default: none. */
  themes?: ThemeTagger;
  /** Called after jobs are put back in the queue (wakes the runner). */
  onReplayed?: () => void;
  /** Connectors in trouble now. Default: none known. */
  openIncidents?: () => Incident[];
  /** The recipes running now. Default: none shown. */
  recipes?: () => readonly Recipe[];
  /** Who clicked what on a response's Slack message (the Slack app). Default: not shown. */
  slackActions?: Pick<SlackActionStore, 'assignment' | 'slackActions'>;
  /** Actions by full name with their connector, for links to what they made. Default: no links. */
  registry?: ReadonlyMap<string, { connector: LinkingConnector }>;
  /**
   * Campaigns, when the hub runs them (as the admin API's `/api/campaigns`): the Campaigns page lists
   * them, approves the next wave and cancels; `onJobsQueued` wakes the runner after an approval
   * queued a wave. Default: no Campaigns page.
   */
  campaigns?: { onJobsQueued?: () => void };
}
