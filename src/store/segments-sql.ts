import { ROLLED_UP_DIMENSIONS, type ResponseSegments } from '../insights/segments.js';

/** A statement and its values, kept together. */
export interface Query {
  sql: string;
  params: unknown[];
}

/**
 * Store a response's segments as its plan saw them (migration 15), replacing those of an older
 * version; migration 15's triggers move its counts in the rollups. A plan of an older version
 * that commits after a newer one's leaves the newer segments alone (the version guard, then the
 * insert ignored on the key). Run in the plan's transaction.
 */
export function segmentWrites(s: ResponseSegments): Query[] {
  const columns = ['response_id', 'version', 'received_at', 'metric', 'category', 'score', ...ROLLED_UP_DIMENSIONS, 'account', 'planned_at'];
  return [
    { sql: `DELETE FROM response_segments WHERE response_id = ? AND version <= ?`, params: [s.responseId, s.version] },
    {
      sql: `INSERT OR IGNORE INTO response_segments (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      params: [s.responseId, s.version, s.receivedAt, s.metric, s.category, s.score, ...ROLLED_UP_DIMENSIONS.map((d) => s.values[d]), JSON.stringify(s.account), s.plannedAt],
    },
  ];
}
