import type { StoredResponse } from '../core/response.js';
import type { Account } from '../core/account.js';

/**
 * The segments a response is counted in, as its recipes saw them when it was planned: the
 * account's enrichment (plan, tier, ARR band, region, owner, lifecycle, CRM) and what the source
 * sent (source, survey, touchpoint). Stored with the response (`response_segments`), so that NPS
 * by plan next month is what the ticket said today, whatever the CRM says by then.
 */
export interface ResponseSegments {
  responseId: string;
  version: number;
  /** When the response was first received: the period it counts in. */
  receivedAt: string;
  metric: StoredResponse['metric'];
  category: StoredResponse['category'];
  score: number | null;
  /** One value per {@link ROLLED_UP_DIMENSIONS} entry; null when the source or the CRM gave none. */
  values: Record<RolledUpDimension, string | null>;
  /** The whole account as enriched (custom CRM properties included), for `by=account.<path>`. */
  account: Account;
  plannedAt: string;
}

/**
 * Dimensions kept in the rollups (counts per hour × value × category, maintained in the plan's
 * transaction): a figure by one of these reads the rollups, not the responses.
 */
export const ROLLED_UP_DIMENSIONS = ['source', 'survey', 'touchpoint', 'plan', 'tier', 'arr', 'region', 'owner', 'lifecycle', 'crm'] as const;
export type RolledUpDimension = (typeof ROLLED_UP_DIMENSIONS)[number];

/** ARR bands (lower bounds, in the CRM's currency): `<10k`, `10k–50k`, … `1M+`. */
export const ARR_BANDS: readonly { from: number; label: string }[] = [
  { from: 0, label: '<10k' },
  { from: 10_000, label: '10k–50k' },
  { from: 50_000, label: '50k–100k' },
  { from: 100_000, label: '100k–500k' },
  { from: 500_000, label: '500k–1M' },
  { from: 1_000_000, label: '1M+' },
];

/** The ARR band of an amount, or null when unknown (or negative: no band holds it). */
export function arrBand(arr: number | null): string | null {
  if (arr === null || !Number.isFinite(arr) || arr < 0) return null;
  let label: string | null = null;
  for (const band of ARR_BANDS) if (arr >= band.from) label = band.label;
  return label;
}

/** Longest value kept per dimension: a segment label, not a document. */
const VALUE_MAX = 200;
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, VALUE_MAX) : null);

/** The segments of a response planned with this account. */
export function segmentsOf(response: StoredResponse, account: Account, plannedAt: string): ResponseSegments {
  return {
    responseId: response.id,
    version: response.version,
    receivedAt: response.receivedAt,
    metric: response.metric,
    category: response.category,
    score: response.score,
    values: {
      source: response.source,
      survey: text(response.surveyId),
      touchpoint: text(response.touchpoint),
      plan: text(account.plan),
      tier: text(account.tier),
      arr: arrBand(account.arr),
      region: text(account.region),
      owner: text(account.owner.name) ?? text(account.owner.email) ?? text(account.owner.id),
      lifecycle: text(account.lifecycle),
      crm: text(account.crm),
    },
    account,
    plannedAt,
  };
}
