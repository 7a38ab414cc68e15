import ms from 'ms';
import { Cron } from 'croner';
import { z } from 'zod';
import type { Env } from './env.js';
import { HubError, zodIssues } from './errors.js';

const Int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/** A comma-separated list of source names (`typeform, delighted`), lower-cased; checked against the registry at start. */
const SourceList = z
  .string()
  .transform((text) => [...new Set(text.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean))])
  .pipe(z.array(z.string()).min(1, 'must name at least one source'));

/**
 * The hub's own settings, read from the environment and validated once at start-up.
 * Connector credentials are read by each connector; survey secrets by each source.
 * Each variable's `.describe()` (with its default) is its documentation: `npm run docs` writes
 * docs/reference/configuration.md and .env.example from it, and a test fails when one is missing.
 */
export const HubConfig = z.object({
  PORT: Int(8787, 1, 65535).describe('Port to serve on.'),
  HOST: z.string().default('0.0.0.0').describe('Interface to bind; survey tools must be able to reach the webhooks.'),
  CLOSELOOP_DB: z.string().min(1).default('./data/closeloop.db').describe('SQLite database file; its folder is created.'),
  CLOSELOOP_RECIPES: z.string().min(1).default('./recipes').describe('Folder of recipe files (`*.yaml`, `*.yml`).'),
  CLOSELOOP_THEMES: z
    .string()
    .min(1)
    .optional()
    .describe('Theme rules file (docs/themes.md). Unset: `themes.yaml` in CLOSELOOP_RECIPES, and without that file comments get a sentiment and no themes. A file named here must exist.'),
  CLOSELOOP_ADMIN_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, 'must be printable ASCII without spaces at either end (an HTTP header carries it)')
    .optional()
    .describe(
      'Bearer token for `/api/…` (at least 16 printable ASCII characters). Unset: the hub generates one at first start and keeps it beside the database (`<CLOSELOOP_DB>.admin-token`, mode 0600; `closeloop admin-token` prints it). The API never answers without it.',
    ),
  CLOSELOOP_SOURCES: SourceList.optional().describe('Survey sources that take webhooks, comma-separated (`typeform,delighted`); the others answer 404. Unset: every source. An unknown name stops the hub at start.'),
  CLOSELOOP_ALLOW_UNSIGNED: SourceList.optional().describe(
    'Sources that may take unsigned webhooks although a connector has credentials, comma-separated (`typeform,generic`). Unset: none, so once any connector is live a source without its `<SOURCE>_WEBHOOK_SECRET` answers 401. In sandbox mode (no connector credentials) every source accepts unsigned webhooks.',
  ),
  CLOSELOOP_BODY_LIMIT: Int(1024 * 1024, 1024, 64 * 1024 * 1024).describe('Largest accepted webhook body in bytes (default 1 MiB); a larger one gets 413.'),
  CLOSELOOP_SYNC: z
    .enum(['FULL', 'NORMAL'])
    .default('FULL')
    .describe('SQLite `synchronous`. `FULL`: every acknowledged webhook is fsynced (concurrent requests share one commit); `NORMAL` trades that away.'),
  CLOSELOOP_CONCURRENCY: Int(8, 1, 256).describe('Jobs the in-process runner delivers at once.'),
  CLOSELOOP_LEASE_SECONDS: Int(30, 1, 3600).describe(
    'Seconds a claimed job stays with its runner without a heartbeat (renewed every third of it while the process lives); after a crash, jobs in flight run again once it expires.',
  ),
  CLOSELOOP_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe(
      'Vendor failures after which an action job is dead before its max age, for every connector (attempts a crash cut short do not count). Unset: 100, so each connector\'s max age decides (docs/security.md, Patience during outages); `CLOSELOOP_<NAME>_MAX_ATTEMPTS` and `_MAX_AGE` set one connector.',
    ),
  CLOSELOOP_RATE_LIMITS: z.enum(['on', 'off']).default('on').describe('`off` turns every connector\'s rate limit off (a sandbox, a load test).'),
  CLOSELOOP_ALERT_CHANNEL: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe(
      'Slack channel (`#closeloop-ops` or an id) told once when a connector starts failing or jobs dead-letter, and once when it recovers. Needs `SLACK_BOT_TOKEN`. Unset: incidents are logged only.',
    ),
  CLOSELOOP_LOOP_OVERDUE_AFTER: z
    .string()
    .default('24h')
    .refine((s) => {
      const v = ms(s as ms.StringValue);
      return typeof v === 'number' && v > 0;
    }, 'must be a period such as 12h or 2d')
    .transform((s) => ms(s as ms.StringValue) as number)
    .describe('A detractor\'s loop still unanswered this long after the response arrived is overdue: the recipes with `on: loop.overdue` run for it, once (docs/loops.md).'),
  CLOSELOOP_HTTP_TIMEOUT_MS: Int(15_000, 1, 300_000).describe('How long a connector waits for a vendor\'s answer, in ms, before the attempt counts as a retryable timeout.'),
  CLOSELOOP_RETENTION: z
    .string()
    .trim()
    .regex(/^\d{1,6}\s*[hdw]$/, 'must be a duration in hours, days or weeks: 36h, 400d, 52w')
    .transform((v) => Number(v.slice(0, -1).trim()) * { h: 3_600_000, d: 86_400_000, w: 604_800_000 }[v.at(-1) as 'h' | 'd' | 'w'])
    .refine((ms) => ms >= 3_600_000, 'must be at least 1h')
    .optional()
    .describe(
      'How long a response keeps its personal data (email, name, comment, raw body, and the same in its versions and jobs) after it arrived: `400d`, `52w`, `36h`. Older ones keep only what the figures count (docs/privacy.md); checked at start and hourly. Unset: kept forever.',
    ),
  CLOSELOOP_DIGEST_CHANNEL: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe('Slack channel of the weekly insights digest (NPS, its change, best and worst segments, verbatims, streaks; docs/insights.md). Unset: no digest.'),
  CLOSELOOP_DIGEST_SCHEDULE: z
    .string()
    .trim()
    .default('0 9 * * 1')
    .refine((v) => {
      try {
        new Cron(v, { paused: true });
        return true;
      } catch {
        return false;
      }
    }, 'must be a cron expression such as 0 9 * * 1 (Mondays 09:00)')
    .describe('When the digest is posted: a cron expression in CLOSELOOP_DIGEST_TZ (default Mondays 09:00), about the week before.'),
  CLOSELOOP_DIGEST_TZ: z
    .string()
    .default('UTC')
    .refine((v) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: v });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone name such as Europe/Paris')
    .describe('IANA time zone of the digest\'s schedule and of its weeks.'),
  CLOSELOOP_DIGEST_BY: z.string().trim().min(1).default('plan').describe('The digest\'s best and worst segments are by this dimension (as `GET /api/nps?by=`).'),
  ZENDESK_EVENTS_WEBHOOK_SECRET: z
    .string()
    .min(1)
    .optional()
    .describe('Signing secret of the Zendesk webhook that sends ticket events to `/webhooks/zendesk-events` (docs/loops.md). Unset: that feed refuses every event.'),
  INTERCOM_EVENTS_WEBHOOK_SECRET: z
    .string()
    .min(1)
    .optional()
    .describe('The Intercom app\'s client secret, which signs the conversation events sent to `/webhooks/intercom-events` (docs/loops.md). Unset: that feed refuses every event.'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Log level (pino).'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional().describe('`json`, or `pretty` for human-readable lines. Unset: pretty in a terminal, JSON otherwise.'),
});
export type HubConfig = z.output<typeof HubConfig>;

/** The hub's own settings whose values are secrets (redacted wherever text is stored or shown). */
export const HUB_SECRET_VARIABLES: readonly (keyof HubConfig)[] = ['CLOSELOOP_ADMIN_TOKEN', 'ZENDESK_EVENTS_WEBHOOK_SECRET', 'INTERCOM_EVENTS_WEBHOOK_SECRET'];

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
