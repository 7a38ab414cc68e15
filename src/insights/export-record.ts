import type { NormalizedResponse } from '../core/response.js';
import type { ExportRow } from '../store/segments-sql.js';
import { csvLine } from './insights-table.js';

/** The columns of `closeloop export`, in order (CSV header; NDJSON keys). */
export const EXPORT_COLUMNS = [
  'id',
  'received_at',
  'answered_at',
  'version',
  'source',
  'source_response_id',
  'survey',
  'touchpoint',
  'metric',
  'score',
  'category',
  'comment',
  'respondent_email',
  'plan',
  'tier',
  'arr_band',
  'region',
  'owner',
  'lifecycle',
  'crm',
  'account_id',
  'account_name',
  'account',
  'themes',
  'sentiment',
  'extra',
  'planned_at',
] as const;

/** One response with the segments its plan saw, flat for a warehouse (`account` and `extra` as JSON). */
export function exportRecord(row: ExportRow): Record<(typeof EXPORT_COLUMNS)[number], unknown> {
  const r = JSON.parse(row.data) as NormalizedResponse;
  const account = row.account === null ? null : (JSON.parse(row.account) as Record<string, unknown>);
  return {
    id: row.id,
    received_at: row.received_at,
    answered_at: r.answeredAt,
    version: row.version,
    source: r.source,
    source_response_id: r.sourceResponseId,
    survey: r.surveyId,
    touchpoint: r.touchpoint,
    metric: r.metric,
    score: r.score,
    category: r.category,
    comment: r.comment,
    respondent_email: r.respondent.email,
    plan: row.plan,
    tier: row.tier,
    arr_band: row.arr,
    region: row.region,
    owner: row.owner,
    lifecycle: row.lifecycle,
    crm: row.crm,
    account_id: (account?.id as string | undefined) ?? null,
    account_name: (account?.name as string | undefined) ?? null,
    themes: row.themes === null ? null : (JSON.parse(row.themes) as string[]),
    sentiment: row.sentiment,
    account,
    extra: r.extra,
    planned_at: row.planned_at,
  };
}

/** A record as one CSV line, in {@link EXPORT_COLUMNS} order. */
export function exportCsvLine(record: Record<string, unknown>): string {
  return csvLine(EXPORT_COLUMNS.map((c) => record[c]));
}
