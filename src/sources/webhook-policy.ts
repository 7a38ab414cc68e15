import type { Env } from '../core/env.js';
import { HubError } from '../core/errors.js';
import type { SourceAdapter } from './source.js';

/**
 * Which sources take webhooks, and whether one may take them unsigned. Decided once at start from
 * the configuration, runtime-agnostic (Node and Workers apply the same rule).
 */
export interface WebhookPolicy {
  /** Sources that take webhooks (CLOSELOOP_SOURCES); the others answer 404. */
  enabled(name: string): boolean;
  /**
   * The secret to check this source's request with; undefined when it may come unsigned. Throws a
   * 401 naming the variable to set when it has no secret and may not (a connector is live).
   */
  secretFor(source: SourceAdapter): string | undefined;
}

export interface WebhookPolicyOptions {
  env: Env;
  /** CLOSELOOP_SOURCES: the sources that take webhooks. Undefined: all. */
  enabled?: readonly string[];
  /** CLOSELOOP_ALLOW_UNSIGNED: sources that may take unsigned webhooks although a connector is live. */
  allowUnsigned?: readonly string[];
  /**
   * Whether any connector has credentials. Unsigned webhooks are only harmless while every action
   * is sandboxed: once a ticket or a message can leave the machine, a forged webhook could send it.
   */
  anyConnectorLive: boolean;
}

export function webhookPolicy(options: WebhookPolicyOptions): WebhookPolicy {
  const enabled = options.enabled && new Set(options.enabled);
  const allowUnsigned = new Set(options.allowUnsigned ?? []);
  return {
    enabled: (name) => !enabled || enabled.has(name),
    secretFor(source) {
      const secret = options.env[source.secretVariable];
      if (secret) return secret;
      if (!options.anyConnectorLive || allowUnsigned.has(source.name)) return undefined;
      throw unsignedRefused(source);
    },
  };
}

/** How a source without its secret is treated, for the start-up log and `closeloop sources`. */
export function unsignedStatus(source: SourceAdapter, options: WebhookPolicyOptions): 'signed' | 'unsigned-sandbox' | 'unsigned-allowed' | 'refused' {
  if (options.env[source.secretVariable]) return 'signed';
  if (!options.anyConnectorLive) return 'unsigned-sandbox';
  return options.allowUnsigned?.includes(source.name) ? 'unsigned-allowed' : 'refused';
}

function unsignedRefused(source: SourceAdapter): HubError {
  return new HubError(
    401,
    'unsigned_refused',
    `${source.secretVariable} is not set, and connectors have credentials: unsigned ${source.name} webhooks are refused. Set ${source.secretVariable} (the signing secret of the ${source.title} webhook), or accept them unsigned with CLOSELOOP_ALLOW_UNSIGNED=${source.name}`,
    [{ field: source.secretVariable, message: 'is not set: unsigned webhooks are refused while connectors have credentials' }],
  );
}
