import { describe, expect, it } from 'vitest';
import { CONNECTORS } from '../../connectors/registry.js';
import { HubError } from '../../src/core/errors.js';
import { isRetryableStatus, parseRetryAfter } from '../../src/core/delivery-error.js';
import { deliveryPolicies } from '../../src/jobs/delivery-policy.js';
import { secretRedactor, secretValues, secretVariables } from '../../src/jobs/redact.js';
import { SOURCES } from '../../src/sources/registry.js';
import { loadHubConfig } from '../../src/runtime/node/hub.js';
import { backoffCeilingMs, DEFAULT_RETRY_POLICY, nextAttempt, retryDelayMs, type RetryPolicy } from '../../src/core/retry-policy.js';

/**
 * The retry schedule as data and arithmetic, with an injected random: full jitter bounds, the
 * cap, the Retry-After floor and its clamp, the attempt and age budgets, and each connector's
 * policy with its environment overrides.
 */
const P: RetryPolicy = { baseMs: 5_000, capMs: 15 * 60_000, maxRetryAfterMs: 60 * 60_000, maxAttempts: 8, maxAgeMs: 24 * 3_600_000 };
const justBelowOne = () => 0.999_999_999;

describe('backoff with full jitter', () => {
  it('the ceiling doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30].map((a) => backoffCeilingMs(P, a))).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 900_000, 900_000, 900_000,
    ]);
  });

  it('the delay is uniform between 0 and the ceiling: random 0 → 0, random → 1 → just under the ceiling, 0.5 → half', () => {
    for (const attempt of [1, 4, 9, 20]) {
      const ceiling = backoffCeilingMs(P, attempt);
      expect(retryDelayMs(P, attempt, undefined, () => 0)).toBe(0);
      expect(retryDelayMs(P, attempt, undefined, justBelowOne)).toBe(ceiling - 1);
      expect(retryDelayMs(P, attempt, undefined, () => 0.5)).toBe(ceiling / 2);
    }
  });

  it('never exceeds the cap, whatever the attempt and the random', () => {
    for (let attempt = 1; attempt <= 60; attempt++) {
      for (const r of [0, 0.1, 0.73, 0.999]) expect(retryDelayMs(P, attempt, undefined, () => r)).toBeLessThan(P.capMs);
    }
  });

  it("Retry-After is a floor: a jitter below it is raised to it, one above it is kept", () => {
    expect(retryDelayMs(P, 1, 30_000, () => 0)).toBe(30_000);
    expect(retryDelayMs(P, 9, 30_000, () => 0.5)).toBe(450_000);
  });

  it('Retry-After is clamped to maxRetryAfterMs (a vendor asking for a day gets an hour)', () => {
    expect(retryDelayMs(P, 1, 24 * 3_600_000, () => 0)).toBe(3_600_000);
    expect(retryDelayMs({ ...P, maxRetryAfterMs: 1_500 }, 1, 20_000, () => 0)).toBe(1_500);
  });
});

describe('Retry-After and failure classes', () => {
  const now = Date.parse('2026-03-02T10:00:00Z');
  it('reads delta-seconds, fractional seconds and HTTP dates; ignores garbage and the past', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1_500);
    expect(parseRetryAfter('Mon, 02 Mar 2026 10:00:45 GMT', now)).toBe(45_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('retryable: 408, 429 and 5xx; permanent: 400, 401, 403, 404, 409, 422', () => {
    expect([408, 425, 429, 500, 502, 503, 504].map(isRetryableStatus)).toEqual([true, true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 409, 422].map(isRetryableStatus)).toEqual([false, false, false, false, false, false]);
  });
});

describe('attempt and age budgets', () => {
  it('retries while attempts and age remain', () => {
    expect(nextAttempt(P, { failures: 3, maxAttempts: 8, ageMs: 60_000 }, undefined, () => 0.5)).toEqual({ retry: true, delayMs: 10_000 });
  });

  it('gives up after the last vendor failure the cap allows, saying so, with attempts a restart cut short counted apart', () => {
    expect(nextAttempt(P, { failures: 8, maxAttempts: 8, ageMs: 60_000 })).toEqual({ retry: false, reason: 'gave up after 8 vendor failures' });
    expect(nextAttempt(P, { failures: 8, maxAttempts: 8, ageMs: 60_000, crashes: 2 })).toEqual({ retry: false, reason: 'gave up after 8 vendor failures (and 2 attempts cut short by a restart)' });
  });

  it('by default age decides: the cap is far above what a max age allows, even with every delay at a tenth of its ceiling', () => {
    // Slack (2 h): even the densest schedule (every delay at a tenth of its ceiling) stays under the cap.
    const slack = deliveryPolicies(CONNECTORS, {}).retryOf('slack');
    let ageMs = 0;
    let failures = 0;
    for (;;) {
      failures += 1;
      const next = nextAttempt(slack, { failures, maxAttempts: slack.maxAttempts, ageMs }, undefined, () => 0.1);
      if (!next.retry) {
        expect(next.reason).toMatch(/old \(max age 2 h\)$/);
        break;
      }
      ageMs += Math.max(next.delayMs, 1_000);
    }
    expect(failures).toBeLessThan(slack.maxAttempts);
  });

  it('gives up once the job is older than its max age, with both ages in words', () => {
    expect(nextAttempt({ ...P, maxAgeMs: 2 * 3_600_000 }, { failures: 4, maxAttempts: 10, ageMs: 2 * 3_600_000 + 1 })).toEqual({
      retry: false,
      reason: 'gave up after 4 vendor failures: the job is 2 h old (max age 2 h)',
    });
  });

  it('pulls the last retry in to the max age rather than skipping it', () => {
    const policy = { ...P, maxAgeMs: 3_600_000 };
    expect(nextAttempt(policy, { failures: 12, maxAttempts: 25, ageMs: 3_600_000 - 60_000 }, undefined, () => 0.9)).toEqual({ retry: true, delayMs: 60_000 });
  });

  it("does not pull in a retry the vendor asked to delay: past the max age, the job gives up", () => {
    const policy = { ...P, maxAgeMs: 3_600_000 };
    const next = nextAttempt(policy, { failures: 2, maxAttempts: 25, ageMs: 3_600_000 - 60_000 }, 120_000, () => 0);
    expect(next).toEqual({ retry: false, reason: "gave up after 2 vendor failures: the vendor asked to wait 2 min, past the job's max age (60 min)" });
  });
});

describe('per-connector policies', () => {
  it('each connector declares its patience and its vendor limit as data', () => {
    const p = deliveryPolicies(CONNECTORS, {});
    expect(p.retryOf('slack')).toEqual({ ...DEFAULT_RETRY_POLICY, maxAgeMs: 2 * 3_600_000 });
    expect(p.retryOf('zendesk.createTicket')).toEqual({ ...DEFAULT_RETRY_POLICY, capMs: 30 * 60_000, maxAgeMs: 48 * 3_600_000 });
    expect(p.retryOf('intercom')).toMatchObject({ maxAttempts: 100, maxAgeMs: 24 * 3_600_000 });
    expect(p.rateLimitOf('slack.postMessage')).toEqual({ points: 1, durationMs: 1_000 });
    expect(p.rateLimitOf('zendesk')).toEqual({ points: 100, durationMs: 60_000 });
    expect(p.rateLimitOf('intercom')).toEqual({ points: 500, durationMs: 10_000 });
    expect(p.rateLimitOf('hubspot')).toEqual({ points: 40, durationMs: 10_000 });
    expect(p.rateLimitOf('salesforce')).toBeNull();
    // Plan jobs and unknown actions: the default.
    expect(p.retryOf(null)).toEqual(DEFAULT_RETRY_POLICY);
    expect(p.retryOf('nope.nothing')).toEqual(DEFAULT_RETRY_POLICY);
  });

  it('the environment overrides one connector, or every connector', () => {
    const p = deliveryPolicies(CONNECTORS, {
      CLOSELOOP_MAX_ATTEMPTS: '4',
      CLOSELOOP_SLACK_MAX_ATTEMPTS: '3',
      CLOSELOOP_SLACK_MAX_AGE: '90m',
      CLOSELOOP_ZENDESK_RATE_LIMIT: '400/1m',
      CLOSELOOP_SLACK_RATE_LIMIT: 'off',
    });
    expect(p.retryOf('slack')).toMatchObject({ maxAttempts: 3, maxAgeMs: 90 * 60_000 });
    expect(p.retryOf('zendesk')).toMatchObject({ maxAttempts: 4, maxAgeMs: 48 * 3_600_000 });
    expect(p.retryOf(null).maxAttempts).toBe(4);
    expect(p.rateLimitOf('zendesk')).toEqual({ points: 400, durationMs: 60_000 });
    expect(p.rateLimitOf('slack')).toBeNull();
    expect(deliveryPolicies(CONNECTORS, { CLOSELOOP_RATE_LIMITS: 'off' }).entries().every(([, c]) => c.rateLimit === null)).toBe(true);
  });

  it('a bad value stops the hub with the variable named', () => {
    const bad = (env: Record<string, string>) => {
      try {
        deliveryPolicies(CONNECTORS, env);
      } catch (e) {
        return e as HubError;
      }
      throw new Error('accepted');
    };
    expect(bad({ CLOSELOOP_SLACK_MAX_AGE: 'forever' }).issues).toEqual([{ field: 'CLOSELOOP_SLACK_MAX_AGE', message: 'must be a duration of at least 1s, such as 90m, 6h or 2d' }]);
    expect(bad({ CLOSELOOP_ZENDESK_RATE_LIMIT: 'fast' }).message).toBe('Invalid configuration: CLOSELOOP_ZENDESK_RATE_LIMIT must be actions per period, such as 200/1m or 1/1s, or off');
    expect(bad({ CLOSELOOP_INTERCOM_MAX_ATTEMPTS: '0' }).issues[0]!.field).toBe('CLOSELOOP_INTERCOM_MAX_ATTEMPTS');
    expect(bad({ CLOSELOOP_RATE_LIMITS: 'maybe' }).status).toBe(400);
    // `closeloop check` and the hub's start-up read them through loadHubConfig.
    expect(() => loadHubConfig({ CLOSELOOP_HUBSPOT_RATE_LIMIT: '10 per second' })).toThrow(
      'Invalid configuration: CLOSELOOP_HUBSPOT_RATE_LIMIT must be actions per period, such as 200/1m or 1/1s, or off',
    );
  });

  it('test overrides apply over everything (millisecond backoffs)', () => {
    const p = deliveryPolicies(CONNECTORS, { CLOSELOOP_SLACK_MAX_ATTEMPTS: '3' }, { override: { baseMs: 1, capMs: 2, maxAttempts: 50 } });
    expect(p.retryOf('slack')).toMatchObject({ baseMs: 1, capMs: 2, maxAttempts: 50, maxAgeMs: 2 * 3_600_000 });
  });
});

describe('secrets in recorded errors', () => {
  it("removes every connector's secret values and credential-shaped strings, keeps the rest", () => {
    const redact = secretRedactor(secretValues(secretVariables(CONNECTORS, SOURCES.values()), { ZENDESK_API_TOKEN: 'zd-secret-4242', INTERCOM_ACCESS_TOKEN: 'ic-token-99999', ZENDESK_EMAIL: 'agent@example.com' }));
    expect(redact('Zendesk answered HTTP 401: bad token zd-secret-4242 for agent@example.com')).toBe('Zendesk answered HTTP 401: bad token [redacted] for agent@example.com');
    expect(redact('echo: Authorization: Bearer abc123def456ghi')).toBe('echo: Authorization: Bearer [redacted]');
    expect(redact('header was Basic YWdlbnRAZXhhbXBsZS5jb20vdG9rZW46eHl6MTIz')).toBe('header was Basic [redacted]');
    expect(redact('token xoxb-1234-5678-abcdef leaked')).toBe('token [redacted] leaked');
    expect(redact('Zendesk refused Basic authentication')).toBe('Zendesk refused Basic authentication');
  });
});
