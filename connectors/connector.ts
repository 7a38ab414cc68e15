import type { z } from 'zod';
import type { Logger } from '../src/core/logger.js';
import type { StoredResponse } from '../src/core/response.js';
import type { Job } from '../src/core/job.js';
import type { RateLimit } from '../src/core/rate-limit.js';
import type { RetryPolicy } from '../src/core/retry-policy.js';
import type { Env } from '../src/core/env.js';
import type { ChangeSummary } from './follow-up.js';

export type { Env } from '../src/core/env.js';

/** The remote call an action makes, as recorded in sandbox mode and shown by `closeloop try`. */
export interface ActionRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path relative to the connector's base URL, e.g. `/api/v2/tickets`. */
  path: string;
  body: unknown;
}

export interface ActionContext {
  job: Job;
  log: Logger;
  /** For a follow-up job: its parent, succeeded, whose `result` holds the remote ids (ticket id, message ts). */
  parent?: Job;
  /**
   * When earlier attempts of this job ran (recorded ones, and for an attempt cut short by a crash,
   * from the last recorded one until now): where a vendor without an idempotency key is searched.
   */
  earlierAttemptWindows?: () => Promise<{ from: Date; to: Date }[]>;
}

/** A newer version of a response changed what an action already sent (a late comment, a new score). */
export interface ResponseChange {
  /** The response as it is now (its newest version). */
  response: StoredResponse;
  /** What the remote object shows: the version the parent (or its latest follow-up) was planned from. */
  previous: { version: number; score: number | null; comment: string | null };
}

/**
 * How an action's remote object hears about a response update: a follow-up job of another
 * action (`zendesk.addComment`, `slack.replyInThread`) that finds the object through its parent job.
 */
export interface FollowUpDefinition {
  /** Registered name of the action that carries the update, e.g. `zendesk.addComment`. */
  action: string;
  /**
   * Its parameters (validated by that action's schema), from what changed (a changed score or a
   * new comment: an update that changes nothing sent has no follow-up) and the parent job.
   */
  params(change: ChangeSummary, parent: Job): unknown;
}

/**
 * How the remote object an action created is erased at the vendor when its respondent is
 * forgotten with `--downstream` (docs/privacy.md): a job of another action, from the remote ids.
 */
export interface ErasureDefinition {
  /** Registered name of the action that erases it, e.g. `slack.deleteMessage`. */
  action: string;
  /** Its parameters, from what the action stored (its job's result); undefined when that names nothing to erase. */
  params(remote: Readonly<Record<string, unknown>>): unknown | undefined;
}

/** What a delivered action leaves on its job: the remote object's id and what else is useful. */
export interface ActionResult {
  remoteId: string | null;
  [key: string]: unknown;
}

/** One recipe action (`zendesk.createTicket`): one file, its parameters, its request, its run. */
export interface ActionDefinition<Params = any, Client = any> {
  /** Name after the connector's: `createTicket` in `zendesk.createTicket`. */
  name: string;
  /** One line for docs/reference/actions.md and `closeloop check`. */
  summary: string;
  /** How a retried or replayed job avoids a second remote object. */
  effectOnce: string;
  /** Parameters after templates are rendered. */
  params: z.ZodType<Params>;
  /**
   * The call this action makes with these parameters (pure: used for sandbox mode too), its
   * vendor-limited fields clipped (`clip.ts`); `job` names the response in the truncation marker.
   */
  request(params: Params, job?: Job): ActionRequest;
  /** Make the call through the vendor SDK. Throws {@link DeliveryError} (via the connector's classify). */
  run(client: Client, params: Params, ctx: ActionContext): Promise<ActionResult>;
  /** What to send when the response changes after this action ran (see "Updates and late comments"). Default: nothing. */
  followUp?: FollowUpDefinition;
  /** How its remote object is erased when the respondent is forgotten with `--downstream`. Default: it is not (listed for the operator). */
  erasure?: ErasureDefinition;
  /**
   * Which budget of the connector's rate limit this call spends, e.g. the Slack channel
   * (Slack limits messages per channel). Default: the whole account (`account`).
   */
  rateLimitKey?(params: Params, parent: Job | undefined): string;
  /**
   * Parameters taken from what the recipe saw rather than written in it (the whole response and
   * account for `webhook.post`), merged over the rendered ones before they are validated. Default: none.
   */
  contextParams?(context: RecipeContextView): Record<string, unknown>;
}

/** What conditions and templates see (src/recipes/plan.ts `recipeContext`), as an action may read it. */
export interface RecipeContextView {
  response: unknown;
  account?: unknown;
  contact?: unknown;
}

/** What a runtime lends the connectors beyond the environment. */
export interface ConnectorRuntime {
  /**
   * A fetch that, when it connects, refuses every address for which `refusal` gives a reason,
   * after DNS resolution (Node). Absent (Workers): connectors fall back to the global fetch.
   */
  publicFetch?(refusal: (address: string) => string | null): PlainFetch;
}

/** The part of `fetch` a connector that calls arbitrary URLs uses: met by the global fetch and by undici's. */
export type PlainFetch = (
  url: URL,
  init: { method: 'POST'; headers: Record<string, string>; body: string; redirect: 'manual'; signal: AbortSignal },
) => Promise<FetchAnswer>;

export interface FetchAnswer {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  body: { cancel(): Promise<void> } | null;
  text(): Promise<string>;
}

/** A vendor: how to build its SDK client from the environment, classify its errors, and its actions. */
export interface ConnectorDefinition<Client = any> {
  /** Prefix of its action names: `slack`, `zendesk`. */
  name: string;
  title: string;
  /** Environment variables it reads, with descriptions for docs/reference/configuration.md and .env.example. */
  variables: readonly { name: string; description: string; secret: boolean }[];
  /** Has credentials: without them every action of this connector runs in sandbox mode. */
  configured(env: Env): boolean;
  /** Problems with its settings, each naming the variable; checked at start-up and by `closeloop check`. Default: none. */
  settingsProblems?(env: Env): { field: string; message: string }[];
  createClient(env: Env, runtime?: ConnectorRuntime): Client;
  /** Map whatever the SDK threw into a {@link DeliveryError}. */
  classify(error: unknown): import('../src/core/delivery-error.js').DeliveryError;
  /**
   * One harmless read-only call that proves the credentials work (`closeloop check --connectors`).
   * Resolves to what it learnt (who the token belongs to); throws what the SDK threw.
   */
  verify?(client: Client): Promise<string>;
  actions: readonly ActionDefinition<any, Client>[];
  /**
   * Where a person sees what one of its actions made, from the job's result: a URL (the ticket's
   * agent page), or the vendor's id in words where it has no stable URL. Default: none shown.
   */
  link?(result: ActionResult, env: Env): string | undefined;
  /**
   * How patient this connector's jobs are, over DEFAULT_RETRY_POLICY (backoff from 5 s doubling to
   * 15 min, max age 24 h, which decides; a cap of 100 vendor failures): a chat alert loses its worth
   * within hours, a detractor's ticket deserves days. Overridable by `CLOSELOOP_<NAME>_MAX_AGE` and
   * `_MAX_ATTEMPTS`.
   */
  retry?: Partial<RetryPolicy>;
  /**
   * The vendor's published limit: actions per period, per {@link ActionDefinition.rateLimitKey}.
   * Absent: not limited. Overridable by `CLOSELOOP_<NAME>_RATE_LIMIT` (`200/1m`, `off`).
   */
  rateLimit?: RateLimit & {
    /** Where the figure comes from, for docs/reference/configuration.md. */
    source: string;
  };
}

/** Typed helper: infers the params type from the schema. */
export function defineAction<S extends z.ZodType, Client>(
  action: Omit<ActionDefinition<z.output<S>, Client>, 'params'> & { params: S },
): ActionDefinition<z.output<S>, Client> {
  return action as ActionDefinition<z.output<S>, Client>;
}
