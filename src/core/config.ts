import { z } from 'zod';
import type { Env } from '../../connectors/connector.js';
import { HubError, zodIssues } from './errors.js';

const Int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/**
 * The hub's own settings, read from the environment and validated once at start-up.
 * Connector credentials are read by each connector; survey secrets by each source.
 */
export const HubConfig = z.object({
  /** Port to serve on. Default 8787. */
  PORT: Int(8787, 1, 65535),
  /** Interface to bind. Default 0.0.0.0 (survey tools must reach the webhooks). */
  HOST: z.string().default('0.0.0.0'),
  /** SQLite database file. Default ./data/closeloop.db. */
  CLOSELOOP_DB: z.string().min(1).default('./data/closeloop.db'),
  /** Folder of recipe YAML files. Default ./recipes. */
  CLOSELOOP_RECIPES: z.string().min(1).default('./recipes'),
  /** Bearer token for /api. Unset: /api answers only requests from this machine (loopback). */
  CLOSELOOP_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Largest accepted webhook body in bytes. Default 1 MiB. */
  CLOSELOOP_BODY_LIMIT: Int(1024 * 1024, 1024, 64 * 1024 * 1024),
  /** SQLite durability. FULL (default): every acknowledged webhook is fsynced. */
  CLOSELOOP_SYNC: z.enum(['FULL', 'NORMAL']).default('FULL'),
  /** Jobs delivered at once by the in-process runner. Default 8. */
  CLOSELOOP_CONCURRENCY: Int(8, 1, 256),
  /**
   * Seconds a claimed job stays with its runner without a heartbeat (renewed every third of it
   * while the process lives). After a crash, jobs that were in flight run again once it expires.
   * Default 30.
   */
  CLOSELOOP_LEASE_SECONDS: Int(30, 1, 3600),
  /**
   * Vendor failures after which an action job dead-letters before its max age, for every
   * connector (attempts a crash cut short do not count). Unset (default): 100, so each connector's
   * max age decides (docs/security-input.md "Patience during outages"); `CLOSELOOP_<NAME>_MAX_ATTEMPTS`,
   * `_MAX_AGE` and `_RATE_LIMIT` set one connector (validated when the hub starts).
   */
  CLOSELOOP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).optional(),
  /** `off` turns every connector's rate limit off (tests, a sandbox). Default `on`. */
  CLOSELOOP_RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  /**
   * Slack channel told when a connector starts failing or jobs dead-letter, and when it
   * recovers (once per incident), when Slack is configured. Unset: the log only.
   */
  CLOSELOOP_ALERT_CHANNEL: z.string().trim().min(1).optional(),
  /** How long a connector waits for a vendor's answer, in ms, before the attempt is a retryable timeout. Default 15000. */
  CLOSELOOP_HTTP_TIMEOUT_MS: Int(15_000, 1, 300_000),
  /** pino level. Default info. */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** `pretty` for human-readable lines; default: pretty in a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});
export type HubConfig = z.output<typeof HubConfig>;

/** Parse the environment; a bad value is a 400-class error naming the variable. */
export function loadConfig(env: Env): HubConfig {
  return parseEnv(HubConfig, env);
}

/**
 * Parse environment variables with a schema of their own (the hub's, a connector's settings):
 * empty values count as unset, and a bad value is a 400 `invalid_config` naming each variable.
 */
export function parseEnv<T extends z.ZodType>(schema: T, env: Env): z.output<T> {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(defined);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new HubError(400, 'invalid_config', `Invalid configuration: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`, issues);
  }
  return parsed.data;
}
