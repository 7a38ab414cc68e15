import type { SqlDriver } from './sql-driver.js';
import type { Statement } from './statement.js';

/**
 * What people did to a response from Slack (migration 19), shared by every SQL store: who clicked
 * which button (`slack_actions`, one row per click, keyed by the click's own id so a replayed
 * click is recorded once) and who follows the response up (`response_assignments`, the newest
 * "I'll follow up" wins). Every write is one batch whose guards are in SQL: nothing is written for
 * a response that no longer exists (erased), and an older click never overwrites a newer one.
 */

/** The buttons and pickers of a closeloop message. */
export const SLACK_ACTION_KINDS = ['open_ticket', 'follow_up', 'loop_closed', 'theme'] as const;
export type SlackActionKind = (typeof SLACK_ACTION_KINDS)[number];

/** A Slack user, as the interaction payload names them. */
export interface SlackUser {
  id: string;
  /** The name Slack sends with the click (`dana`), or the display name when it was looked up. */
  name: string | null;
}

/** One click on a closeloop message. */
export interface SlackAction {
  /** The click's own id (message ts, action id, action ts, user): a replay of the same click is recorded once. */
  eventId: string;
  responseId: string;
  kind: SlackActionKind;
  user: SlackUser;
  /** The picked theme, for `theme`. */
  value: string | null;
  at: string;
}

/** Who follows a response up, from their "I'll follow up". */
export interface ResponseAssignment {
  responseId: string;
  user: SlackUser;
  assignedAt: string;
}

/** A response assigned to a Slack user, with what App Home shows of it. */
export interface AssignedResponse {
  responseId: string;
  assignedAt: string;
  score: number | null;
  category: string | null;
  comment: string | null;
  email: string | null;
  receivedAt: string;
  loopStatus: 'open' | 'acknowledged' | 'closed';
}

/** A loop nobody has closed, newest first, for App Home. */
export interface OpenLoop {
  responseId: string;
  score: number | null;
  category: string | null;
  comment: string | null;
  receivedAt: string;
  acknowledgedBy: string | null;
  assignedTo: SlackUser | null;
}

/** The part of the SQL driver these statements need (src/store/sql-driver.ts). */
export type SlackActionsDriver = Pick<SqlDriver, 'all' | 'batch'>;

export const SLACK_ACTIONS_MIGRATION = `
CREATE TABLE slack_actions (
  event_id TEXT PRIMARY KEY,
  response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  slack_user_id TEXT NOT NULL,
  slack_user_name TEXT,
  value TEXT,
  at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX slack_actions_by_response ON slack_actions (response_id, at);
CREATE TABLE response_assignments (
  response_id TEXT PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
  slack_user_id TEXT NOT NULL,
  slack_user_name TEXT,
  assigned_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX response_assignments_by_user ON response_assignments (slack_user_id, assigned_at);
`;

/** Record a click once, only while its response exists; RETURNING says whether it is new. */
export function insertSlackAction(a: SlackAction): Statement {
  return {
    sql: `INSERT INTO slack_actions (event_id, response_id, kind, slack_user_id, slack_user_name, value, at)
          SELECT ?, id, ?, ?, ?, ?, ? FROM responses WHERE id = ?
          ON CONFLICT (event_id) DO NOTHING
          RETURNING event_id`,
    params: [a.eventId, a.kind, a.user.id, a.user.name, a.value, a.at, a.responseId],
  };
}

/** Assign the response to the clicker; a click older than the assignment in place changes nothing. */
export function upsertAssignment(a: SlackAction): Statement {
  return {
    sql: `INSERT INTO response_assignments (response_id, slack_user_id, slack_user_name, assigned_at)
          SELECT id, ?, ?, ? FROM responses WHERE id = ?
          ON CONFLICT (response_id) DO UPDATE SET
            slack_user_id = excluded.slack_user_id, slack_user_name = excluded.slack_user_name, assigned_at = excluded.assigned_at
          WHERE excluded.assigned_at >= response_assignments.assigned_at`,
    params: [a.user.id, a.user.name, a.at, a.responseId],
  };
}

/** The statements of one click: recorded, and for "I'll follow up" the assignment, in one batch. */
export function slackActionStatements(a: SlackAction): Statement[] {
  return a.kind === 'follow_up' ? [insertSlackAction(a), upsertAssignment(a)] : [insertSlackAction(a)];
}

interface SlackActionRow {
  event_id: string;
  response_id: string;
  kind: SlackActionKind;
  slack_user_id: string;
  slack_user_name: string | null;
  value: string | null;
  at: string;
}

export function slackActionFromRow(r: SlackActionRow): SlackAction {
  return { eventId: r.event_id, responseId: r.response_id, kind: r.kind, user: { id: r.slack_user_id, name: r.slack_user_name }, value: r.value, at: r.at };
}

/** A response's clicks, oldest first. */
export function slackActionsOfResponse(responseId: string): Statement {
  return { sql: 'SELECT * FROM slack_actions WHERE response_id = ? ORDER BY at, event_id', params: [responseId] };
}

export function assignmentOfResponse(responseId: string): Statement {
  return { sql: 'SELECT response_id, slack_user_id, slack_user_name, assigned_at FROM response_assignments WHERE response_id = ?', params: [responseId] };
}

interface AssignmentRow {
  response_id: string;
  slack_user_id: string;
  slack_user_name: string | null;
  assigned_at: string;
}

export function assignmentFromRow(r: AssignmentRow): ResponseAssignment {
  return { responseId: r.response_id, user: { id: r.slack_user_id, name: r.slack_user_name }, assignedAt: r.assigned_at };
}

const LOOP_STATUS = `CASE WHEN l.closed_at IS NOT NULL THEN 'closed' WHEN l.acknowledged_at IS NOT NULL THEN 'acknowledged' ELSE 'open' END`;

/** A user's assigned responses, newest assignment first. */
export function assignedResponsesQuery(slackUserId: string, limit: number): Statement {
  return {
    sql: `SELECT a.response_id AS responseId, a.assigned_at AS assignedAt, r.score, r.category, r.comment, r.respondent_email AS email,
            r.received_at AS receivedAt, ${LOOP_STATUS} AS loopStatus
          FROM response_assignments a JOIN responses r ON r.id = a.response_id LEFT JOIN loops l ON l.response_id = a.response_id
          WHERE a.slack_user_id = ? ORDER BY a.assigned_at DESC LIMIT ?`,
    params: [slackUserId, limit],
  };
}

/** Loops not closed of responses the hub posted to Slack, newest first. */
export function openLoopsQuery(limit: number): Statement {
  return {
    sql: `SELECT r.id AS responseId, r.score, r.category, r.comment, r.received_at AS receivedAt, l.acknowledged_by AS acknowledgedBy,
            a.slack_user_id AS assignedId, a.slack_user_name AS assignedName
          FROM responses r LEFT JOIN loops l ON l.response_id = r.id LEFT JOIN response_assignments a ON a.response_id = r.id
          WHERE l.closed_at IS NULL
            AND EXISTS (SELECT 1 FROM jobs j WHERE j.response_id = r.id AND j.action = 'slack.postMessage' AND j.status IN ('succeeded', 'sandboxed'))
          ORDER BY r.seq DESC LIMIT ?`,
    params: [limit],
  };
}

/** The Slack app's reads and writes over a SQL driver: the same on SQLite and D1. */
export function slackActionStore(driver: SlackActionsDriver) {
  return {
    /** Record a click (and an assignment); `recorded` false: a replay of a click already recorded, or the response is gone. */
    async recordSlackAction(action: SlackAction): Promise<{ recorded: boolean }> {
      const [inserted] = await driver.batch(slackActionStatements(action));
      return { recorded: (inserted?.length ?? 0) > 0 };
    },
    async slackActions(responseId: string): Promise<SlackAction[]> {
      return (await driver.all<SlackActionRow>(slackActionsOfResponse(responseId))).map(slackActionFromRow);
    },
    async assignment(responseId: string): Promise<ResponseAssignment | undefined> {
      const [row] = await driver.all<AssignmentRow>(assignmentOfResponse(responseId));
      return row && assignmentFromRow(row);
    },
    async assignedResponses(slackUserId: string, limit = 20): Promise<AssignedResponse[]> {
      return driver.all<AssignedResponse>(assignedResponsesQuery(slackUserId, limit));
    },
    async openLoops(limit = 10): Promise<OpenLoop[]> {
      const rows = await driver.all<Omit<OpenLoop, 'assignedTo'> & { assignedId: string | null; assignedName: string | null }>(openLoopsQuery(limit));
      return rows.map(({ assignedId, assignedName, ...r }) => ({ ...r, assignedTo: assignedId ? { id: assignedId, name: assignedName } : null }));
    },
  };
}
export type SlackActionStore = ReturnType<typeof slackActionStore>;
