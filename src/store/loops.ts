import type { LoopEvent, LoopState, LoopTarget } from '../loops/loop-event.js';
import { statusOf } from '../loops/loop-event.js';
import { ROLLED_UP_DIMENSIONS, type RolledUpDimension } from '../insights/segments.js';

/** A loop row with its segment columns (`seg_<dimension>`), as {@link loopRowsQuery} reads it. */
export function loopRowFromSegmented(row: Record<string, unknown>): LoopRow {
  const segments: Partial<Record<RolledUpDimension, string | null>> = {};
  for (const d of ROLLED_UP_DIMENSIONS) segments[d] = (row[`seg_${d}`] as string | null | undefined) ?? null;
  const { response_id, received_at, category, source, survey_id, acknowledged_at, acknowledged_by, closed_at, closed_by } = row as unknown as LoopRow;
  return { response_id, received_at, category, source, survey_id, acknowledged_at, acknowledged_by, closed_at, closed_by, segments };
}

/**
 * Loop state in SQL, shared by every SQLite driver: each statement next to the values it takes.
 * A loop row exists once an event arrived; a response the hub acted on without one is open.
 */

/** The response an event is about: the job that created its ticket, or the newest response whose Intercom job met the contact. */
export function loopTargetQuery(target: LoopTarget): { sql: string; params: unknown[] } {
  if (target.kind === 'zendesk-ticket') {
    return {
      // The ticket's external_id is the creating job's key (zendesk.createTicket); a ticket whose
      // external_id was changed by hand is still found by its id in the job's result.
      sql: `SELECT response_id FROM jobs WHERE key = ? AND action = 'zendesk.createTicket'
            UNION ALL
            SELECT response_id FROM (SELECT response_id FROM jobs WHERE action = 'zendesk.createTicket' AND status = 'succeeded'
              AND json_extract(result, '$.remoteId') = ? ORDER BY seq DESC LIMIT 1)
            LIMIT 1`,
      params: [target.externalId ?? '', target.ticketId],
    };
  }
  if (target.kind === 'response') return { sql: 'SELECT id AS response_id FROM responses WHERE id = ?', params: [target.responseId] };
  return {
    sql: `SELECT response_id FROM jobs WHERE action >= 'intercom.' AND action < 'intercom/' AND status = 'succeeded'
          AND json_extract(result, '$.contactId') IN (SELECT value FROM json_each(?)) ORDER BY seq DESC LIMIT 1`,
    params: [JSON.stringify(target.contactIds)],
  };
}

/**
 * Record the event once (its sender's id), only for a loop (the hub acted on the response: an
 * action job exists). Returns the event's key when it went in: none for a duplicate or no loop.
 */
export function insertLoopEvent(responseId: string, e: LoopEvent, receivedAt: string) {
  return {
    sql: `INSERT OR IGNORE INTO loop_events (source, event_id, response_id, step, at, actor, received_at) SELECT ?, ?, ?, ?, ?, ?, ?
          WHERE EXISTS (SELECT 1 FROM jobs WHERE response_id = ? AND type = 'action') RETURNING event_id`,
    params: [e.source, e.eventId, responseId, e.step, e.at, e.actor, receivedAt, responseId],
  };
}

/**
 * Move the loop forward, never back: the earliest acknowledgement and the earliest closure
 * stand, whatever order their events arrive in and however often. (SQLite evaluates every
 * SET expression on the row as it was, so each CASE compares with the stored time.)
 */
export function upsertLoop(responseId: string, e: LoopEvent, receivedAt: string) {
  const ack = e.step === 'acknowledged';
  return {
    // Run after insertLoopEvent in its batch, guarded by the event as recorded: a duplicate that
    // differs moves nothing; one that does not is a no-op anyway (the earliest time stands).
    sql: `INSERT INTO loops (response_id, acknowledged_at, acknowledged_by, acknowledged_via, closed_at, closed_by, closed_via)
          SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM loop_events WHERE source = ? AND event_id = ? AND response_id = ? AND step = ?
            AND at = ? AND actor IS ? AND received_at = ?)
          ON CONFLICT (response_id) DO UPDATE SET
            acknowledged_at = CASE WHEN excluded.acknowledged_at < COALESCE(loops.acknowledged_at, '9') THEN excluded.acknowledged_at ELSE loops.acknowledged_at END,
            acknowledged_by = CASE WHEN excluded.acknowledged_at < COALESCE(loops.acknowledged_at, '9') THEN excluded.acknowledged_by ELSE loops.acknowledged_by END,
            acknowledged_via = CASE WHEN excluded.acknowledged_at < COALESCE(loops.acknowledged_at, '9') THEN excluded.acknowledged_via ELSE loops.acknowledged_via END,
            closed_at = CASE WHEN excluded.closed_at < COALESCE(loops.closed_at, '9') THEN excluded.closed_at ELSE loops.closed_at END,
            closed_by = CASE WHEN excluded.closed_at < COALESCE(loops.closed_at, '9') THEN excluded.closed_by ELSE loops.closed_by END,
            closed_via = CASE WHEN excluded.closed_at < COALESCE(loops.closed_at, '9') THEN excluded.closed_via ELSE loops.closed_via END`,
    params: [
      ...[responseId, ack ? e.at : null, ack ? e.actor : null, ack ? e.source : null, ack ? null : e.at, ack ? null : e.actor, ack ? null : e.source],
      ...[e.source, e.eventId, responseId, e.step, e.at, e.actor, receivedAt],
    ],
  };
}

export interface LoopRow {
  response_id: string;
  received_at: string;
  category: string | null;
  source: string;
  survey_id: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  closed_at: string | null;
  closed_by: string | null;
  /** The segments the response's plan saw (migration 15), for the figures by segment; null before it was planned. */
  segments?: Partial<Record<RolledUpDimension, string | null>>;
}

const LOOP_COLUMNS = `r.id AS response_id, r.received_at, r.category, r.source, r.survey_id,
  l.acknowledged_at, l.acknowledged_by, l.closed_at, l.closed_by`;

/** One response's loop, when the hub acted on it (an action job exists). */
export function loopOfResponse(responseId: string) {
  return {
    sql: `SELECT ${LOOP_COLUMNS} FROM responses r LEFT JOIN loops l ON l.response_id = r.id
          WHERE r.id = ? AND EXISTS (SELECT 1 FROM jobs j WHERE j.response_id = r.id AND j.type = 'action')`,
    params: [responseId],
  };
}

/** Which loops the figures count: NPS responses the hub acted on, received in [since, until). */
export interface LoopFilter {
  since?: string;
  until?: string;
}

export function loopRowsQuery(f: LoopFilter) {
  return {
    sql: `SELECT ${LOOP_COLUMNS}, ${ROLLED_UP_DIMENSIONS.map((d) => `s.${d} AS seg_${d}`).join(', ')}
          FROM responses r LEFT JOIN loops l ON l.response_id = r.id LEFT JOIN response_segments s ON s.response_id = r.id
          WHERE r.metric = 'nps' AND r.score IS NOT NULL AND r.received_at >= ? AND r.received_at < ?
            AND EXISTS (SELECT 1 FROM jobs j WHERE j.response_id = r.id AND j.type = 'action')
          ORDER BY r.received_at`,
    params: [f.since ?? '', f.until ?? '9999'],
  };
}

export function loopFromRow(row: LoopRow): LoopState {
  const state = {
    responseId: row.response_id,
    openedAt: row.received_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    closedAt: row.closed_at,
    closedBy: row.closed_by,
  };
  return { ...state, status: statusOf(state) };
}

export const LOOPS_MIGRATION = `
CREATE TABLE loops (
  response_id TEXT PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
  acknowledged_at TEXT,
  acknowledged_by TEXT,
  acknowledged_via TEXT,
  closed_at TEXT,
  closed_by TEXT,
  closed_via TEXT
) WITHOUT ROWID;
CREATE TABLE loop_events (
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  step TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT,
  received_at TEXT NOT NULL,
  PRIMARY KEY (source, event_id)
) WITHOUT ROWID;
CREATE INDEX loop_events_response ON loop_events (response_id);
`;

/**
 * Detractors the hub acted on whose loop nobody has answered or closed, received in
 * [after, before), without a `loop.overdue` plan job yet: the escalation's candidates, oldest first.
 */
export function overdueLoopsQuery(after: string, before: string, limit: number) {
  return {
    sql: `SELECT r.id, r.version FROM responses r LEFT JOIN loops l ON l.response_id = r.id
          WHERE r.metric = 'nps' AND r.received_at >= ? AND r.received_at < ? AND r.category = 'detractor'
            AND l.acknowledged_at IS NULL AND l.closed_at IS NULL
            AND EXISTS (SELECT 1 FROM jobs j WHERE j.response_id = r.id AND j.type = 'action')
            AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.key = 'plan:' || r.id || ':loop.overdue')
          ORDER BY r.received_at LIMIT ?`,
    params: [after, before, limit],
  };
}
