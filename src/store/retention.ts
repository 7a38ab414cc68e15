import type { Statement } from './erasure.js';

/**
 * Retention (`CLOSELOOP_RETENTION`): responses received before the cut-off lose their personal
 * data — email, name, external id, comment, `extra` (hidden fields, user attributes), raw body,
 * and the same in their versions, job parameters, sandbox records, errors and throttle marks —
 * and keep what the figures count: score, scale, category, metric, dates, source, survey,
 * touchpoint. Walked in arrival order (`seq`) behind a cursor, a chunk per transaction, so an
 * hourly pass reads only what aged since the last one. Runtime-agnostic, like erasure.ts.
 */

/** Responses past the cursor, oldest first: the next chunk to look at. */
export function retentionChunkQuery(after: number, limit: number): Statement {
  return { sql: `SELECT seq, id, received_at FROM responses WHERE seq > ? ORDER BY seq LIMIT ?`, params: [after, limit] };
}

export const RETENTION_SQL = {
  cursor: `SELECT CAST(value AS INTEGER) AS seq FROM privacy_settings WHERE key = 'retention_scrubbed_through'`,
} as const;

/**
 * Which rows of a chunk are old enough: the leading run received before the cut-off (arrival
 * order is time order; after a clock jump back, a later row waits for the next pass, never
 * scrubbed early). `done` when the chunk reached a row too young, or the end of the table.
 */
export function oldRows<T extends { seq: number; received_at: string }>(chunk: readonly T[], cutoff: string, limit: number): { rows: T[]; done: boolean } {
  const young = chunk.findIndex((r) => r.received_at >= cutoff);
  const rows = young === -1 ? [...chunk] : chunk.slice(0, young);
  return { rows, done: young !== -1 || chunk.length < limit };
}

/** The JSON of a response (or a version) without its personal data. */
const SCRUBBED_DATA = `json_set(data, '$.comment', NULL, '$.respondent', json('{"email":null,"name":null,"externalId":null}'), '$.extra', json('{}'))`;

/** The writes scrubbing these responses, and the cursor moved past them. `responses` returns one row per response scrubbed. */
export function scrubStatements(ids: readonly string[], throughSeq: number, now: string): Statement[] {
  const list = JSON.stringify(ids);
  const inIds = `(SELECT value FROM json_each(?))`;
  return [
    {
      sql: `UPDATE responses SET comment = NULL, respondent_email = NULL, raw_body = '', fingerprint = NULL, data = ${SCRUBBED_DATA}, scrubbed_at = ?
        WHERE id IN ${inIds} AND scrubbed_at IS NULL RETURNING id`,
      params: [now, list],
    },
    { sql: `UPDATE response_versions SET data = ${SCRUBBED_DATA} WHERE response_id IN ${inIds}`, params: [list] },
    // A sandboxed job's result is the request it would have sent; a delivered one's is remote ids only.
    {
      sql: `UPDATE jobs SET params = 'null', last_error = NULL, result = CASE WHEN status = 'sandboxed' THEN NULL ELSE result END WHERE response_id IN ${inIds}`,
      params: [list],
    },
    { sql: `UPDATE job_attempts SET error = NULL WHERE job_id IN (SELECT id FROM jobs WHERE response_id IN ${inIds})`, params: [list] },
    // Throttle marks are keyed by email; a mark older than the retention throttles nothing worth keeping.
    { sql: `DELETE FROM recipe_runs WHERE response_id IN ${inIds}`, params: [list] },
    { sql: `UPDATE privacy_settings SET value = ? WHERE key = 'retention_scrubbed_through' AND CAST(value AS INTEGER) < ?`, params: [String(throughSeq), throughSeq] },
  ];
}
