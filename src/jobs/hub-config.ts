import { CONNECTORS } from '../../connectors/registry.js';
import { loadConfig, type HubConfig } from '../core/config.js';
import type { Env } from '../core/env.js';
import { HubError } from '../core/errors.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import { InsightsQuery } from '../insights/insights-report.js';
import { sourceListProblems, sourceSecretProblems } from '../sources/registry.js';
import { deliveryPolicies, type DeliveryPolicies } from './delivery-policy.js';

/**
 * The hub's settings, the survey secrets' format and the per-connector delivery settings
 * (CLOSELOOP_<NAME>_MAX_ATTEMPTS, _MAX_AGE, _RATE_LIMIT), checked together (start-up and
 * `closeloop check`); throws naming the variable. `retry` is applied over every retry policy (tests).
 */
export function loadHubConfig(env: Env, retry?: Partial<RetryPolicy>): { config: HubConfig; policies: DeliveryPolicies } {
  const config = loadConfig(env);
  const problems = [
    ...sourceSecretProblems(env),
    ...sourceListProblems({ CLOSELOOP_SOURCES: config.CLOSELOOP_SOURCES, CLOSELOOP_ALLOW_UNSIGNED: config.CLOSELOOP_ALLOW_UNSIGNED }),
    ...CONNECTORS.flatMap((c) => c.settingsProblems?.(env) ?? []),
  ];
  if (problems.length) {
    throw new HubError(400, 'invalid_config', `Invalid configuration: ${problems.map((i) => `${i.field} ${i.message}`).join('; ')}`, problems);
  }
  checkDigestBy(config.CLOSELOOP_DIGEST_BY);
  return { config, policies: deliveryPolicies(CONNECTORS, env, { override: retry }) };
}

/** CLOSELOOP_DIGEST_BY names a dimension of `GET /api/nps?by=`, or the hub refuses to start. */
export function checkDigestBy(by: string | undefined): void {
  if (!InsightsQuery.shape.by.safeParse(by).success) {
    throw new HubError(400, 'invalid_config', `Invalid configuration: CLOSELOOP_DIGEST_BY must be a dimension of GET /api/nps?by= (plan, region, account.<field>…)`, [{ field: 'CLOSELOOP_DIGEST_BY', message: 'is not a dimension' }]);
  }
}
