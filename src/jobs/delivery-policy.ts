import ms from 'ms';
import { z } from 'zod';
import type { ConnectorDefinition, Env } from '../../connectors/connector.js';
import { HubError } from '../core/errors.js';
import type { RateLimit } from '../core/rate-limit.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../core/retry-policy.js';

/** How one connector's jobs are delivered: how patiently retried, how fast sent. */
export interface ConnectorDeliveryPolicy {
  retry: RetryPolicy;
  /** Per rate-limit key; null when not limited (or limits are off). */
  rateLimit: RateLimit | null;
}

/** Every connector's delivery policy, resolved once at start-up (see {@link deliveryPolicies}). */
export class DeliveryPolicies {
  constructor(
    private readonly byConnector: ReadonlyMap<string, ConnectorDeliveryPolicy>,
    /** Policy of plan jobs and of actions of an unknown connector. */
    readonly fallback: RetryPolicy,
  ) {}

  /** Retry policy of a connector (`zendesk`), or of the action `zendesk.createTicket`. */
  retryOf(connectorOrAction: string | null | undefined): RetryPolicy {
    return this.of(connectorOrAction)?.retry ?? this.fallback;
  }

  rateLimitOf(connectorOrAction: string | null | undefined): RateLimit | null {
    return this.of(connectorOrAction)?.rateLimit ?? null;
  }

  /** Connector name → policy, for the docs and `/healthz`-style reports. */
  entries(): [string, ConnectorDeliveryPolicy][] {
    return [...this.byConnector];
  }

  private of(name: string | null | undefined) {
    return name ? this.byConnector.get(name.split('.')[0]!) : undefined;
  }
}

export interface DeliveryPolicyOptions {
  /** Applied over every connector's policy, after the environment (tests: millisecond backoffs). */
  override?: Partial<RetryPolicy>;
}

const Attempts = z.coerce.number().int().min(1).max(100);
const Duration = z.string().transform((v, ctx) => {
  const n = ms(v.trim() as ms.StringValue);
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 1000) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration of at least 1s, such as 90m, 6h or 2d' });
    return z.NEVER;
  }
  return n;
});
const RateLimitSetting = z.string().transform((v, ctx): RateLimit | null => {
  const s = v.trim().toLowerCase();
  if (s === 'off') return null;
  const m = /^(\d+)\s*\/\s*(.+)$/.exec(s);
  const points = m ? Number(m[1]) : NaN;
  const durationMs = m ? ms(m[2]!.trim() as ms.StringValue) : NaN;
  if (!(points >= 1) || typeof durationMs !== 'number' || !(durationMs >= 1)) {
    ctx.addIssue({ code: 'custom', message: 'must be actions per period, such as 200/1m or 1/1s, or off' });
    return z.NEVER;
  }
  return { points, durationMs };
});

/** `CLOSELOOP_ZENDESK_MAX_ATTEMPTS` etc. for a connector name. */
export function deliveryVariables(connector: string) {
  const prefix = `CLOSELOOP_${connector.toUpperCase()}`;
  return { maxAttempts: `${prefix}_MAX_ATTEMPTS`, maxAge: `${prefix}_MAX_AGE`, rateLimit: `${prefix}_RATE_LIMIT` };
}

/**
 * Each connector's policy: its declared defaults (`retry`, `rateLimit` on the definition) over
 * {@link DEFAULT_RETRY_POLICY}, then the environment — `CLOSELOOP_MAX_ATTEMPTS` for every
 * connector, `CLOSELOOP_<NAME>_MAX_ATTEMPTS`, `CLOSELOOP_<NAME>_MAX_AGE` (`6h`),
 * `CLOSELOOP_<NAME>_RATE_LIMIT` (`200/1m`, `off`), `CLOSELOOP_RATE_LIMITS=off` for none.
 * A bad value is a HubError naming the variable.
 */
export function deliveryPolicies(connectors: readonly ConnectorDefinition[], env: Env, options: DeliveryPolicyOptions = {}): DeliveryPolicies {
  const read = <T>(name: string, schema: z.ZodType<T>): T | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const message = parsed.error.issues[0]?.message ?? 'is invalid';
    throw new HubError(400, 'invalid_config', `Invalid configuration: ${name} ${message}`, [{ field: name, message }]);
  };
  const globalAttempts = read('CLOSELOOP_MAX_ATTEMPTS', Attempts);
  const limitsOn = read('CLOSELOOP_RATE_LIMITS', z.enum(['on', 'off'])) !== 'off';
  const byConnector = new Map<string, ConnectorDeliveryPolicy>();
  for (const c of connectors) {
    const vars = deliveryVariables(c.name);
    const maxAttempts = read(vars.maxAttempts, Attempts) ?? globalAttempts;
    const maxAgeMs = read(vars.maxAge, Duration);
    const envLimit = read(vars.rateLimit, RateLimitSetting);
    const retry: RetryPolicy = {
      ...DEFAULT_RETRY_POLICY,
      ...c.retry,
      ...(maxAttempts !== undefined ? { maxAttempts } : {}),
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
      ...options.override,
    };
    const declared = c.rateLimit ? { points: c.rateLimit.points, durationMs: c.rateLimit.durationMs } : null;
    byConnector.set(c.name, { retry, rateLimit: limitsOn ? (envLimit === undefined ? declared : envLimit) : null });
  }
  const fallback = { ...DEFAULT_RETRY_POLICY, ...(globalAttempts !== undefined ? { maxAttempts: globalAttempts } : {}), ...options.override };
  return new DeliveryPolicies(byConnector, fallback);
}
