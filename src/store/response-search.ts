import type { Account } from '../core/account.js';
import type { JobStatus } from '../core/job.js';
import { ROLLED_UP_DIMENSIONS, type RolledUpDimension } from '../insights/segments.js';
import type { Statement } from './statement.js';

/**
 * The dashboard's reads (src/dashboard), shared by every SQL store: finding responses, a
 * response's account snapshot, the queue by connector, replay progress and recipe match counts.
 */

/** Which responses a search finds (every field optional; all given must hold). */
export interface ResponseSearch {
  /** A whole address (matched exactly, case-insensitively), or a part of one. */
  email?: string;
  /** Words in the comment (a substring, case-insensitive for ASCII). */
  text?: string;
  minScore?: number;
  maxScore?: number;
  category?: string;
  /** A segment the response's plan saw: `plan` = `enterprise`. */
  segment?: { dimension: RolledUpDimension; value: string };
  /** Tagged with this theme. */
  theme?: string;
  /** Received at or after (ISO). */
  since?: string;
  /** Received before (ISO). */
  until?: string;
  /** Only responses received before this one (keyset pagination). */
  before?: string;
  limit: number;
}

/** `%`, `_` and the escape itself taken literally in a LIKE pattern. */
function likeLiteral(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Responses matching a search, newest first (rows for `responseFromRow`). */
export function responseSearchQuery(search: ResponseSearch): Statement {
  const where: string[] = [];
  const params: unknown[] = [];
  const email = search.email?.trim().toLowerCase();
  if (email) {
    // A whole address uses the responses_by_email index; a part of one reads every row.
    if (email.includes('@')) (where.push('respondent_email = ?'), params.push(email));
    else (where.push("respondent_email LIKE ? ESCAPE '\\'"), params.push(likeLiteral(email)));
  }
  if (search.text?.trim()) (where.push("comment LIKE ? ESCAPE '\\'"), params.push(likeLiteral(search.text.trim())));
  if (search.minScore !== undefined) (where.push('score >= ?'), params.push(search.minScore));
  if (search.maxScore !== undefined) (where.push('score <= ?'), params.push(search.maxScore));
  if (search.category) (where.push('category = ?'), params.push(search.category));
  if (search.segment) {
    if (!ROLLED_UP_DIMENSIONS.includes(search.segment.dimension)) throw new Error(`not a segment dimension: ${search.segment.dimension}`);
    where.push(`id IN (SELECT response_id FROM response_segments WHERE ${search.segment.dimension} = ?)`);
    params.push(search.segment.value);
  }
  if (search.theme) (where.push('seq IN (SELECT response_seq FROM response_themes WHERE theme = ?)'), params.push(search.theme));
  if (search.since) (where.push('received_at >= ?'), params.push(search.since));
  if (search.until) (where.push('received_at < ?'), params.push(search.until));
  if (search.before) (where.push('seq < (SELECT seq FROM responses WHERE id = ?)'), params.push(search.before));
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return { sql: `SELECT id, received_at, version, data FROM responses ${clause} ORDER BY seq DESC LIMIT ?`, params: [...params, search.limit] };
}

/** What a response's recipes saw of its account and segments when it was last planned. */
export interface ResponseSnapshot {
  version: number;
  values: Record<RolledUpDimension, string | null>;
  account: Account;
  plannedAt: string;
}

export function responseSnapshotQuery(responseId: string): Statement {
  return { sql: `SELECT version, ${ROLLED_UP_DIMENSIONS.join(', ')}, account, planned_at FROM response_segments WHERE response_id = ?`, params: [responseId] };
}

export function responseSnapshotFromRow(row: Record<string, unknown>): ResponseSnapshot {
  const values = Object.fromEntries(ROLLED_UP_DIMENSIONS.map((d) => [d, (row[d] as string | null) ?? null])) as Record<RolledUpDimension, string | null>;
  return { version: row.version as number, values, account: JSON.parse(row.account as string) as Account, plannedAt: row.planned_at as string };
}

/** Jobs not delivered yet, or dead, counted by connector (`plan` for planning) and state. */
export interface ConnectorQueueRow {
  connector: string;
  /** `failing`: queued again after a failed attempt (waiting for its retry). */
  state: Extract<JobStatus, 'queued' | 'running' | 'dead'> | 'failing';
  jobs: number;
}

/** Reads only the unfinished and dead jobs (the jobs_by_status index), never the delivered history. */
export function connectorQueueQuery(): Statement {
  return {
    sql: `SELECT CASE WHEN action IS NULL THEN 'plan' ELSE substr(action, 1, instr(action, '.') - 1) END AS connector,
        CASE WHEN status = 'queued' AND last_error IS NOT NULL THEN 'failing' ELSE status END AS state, COUNT(*) AS jobs
      FROM jobs WHERE status IN ('queued', 'running', 'dead') GROUP BY 1, 2 ORDER BY 1, 2`,
    params: [],
  };
}

/** The job waiting longest to run (queued, due), for "the oldest waiting job". */
export function oldestWaitingJobQuery(now: string): Statement {
  return { sql: `SELECT * FROM jobs WHERE status = 'queued' AND run_at <= ? ORDER BY run_at LIMIT 1`, params: [now] };
}

/** Where the jobs replayed at or after a time are now: the progress of a replay. */
export interface ReplayProgress {
  replayed: number;
  queued: number;
  running: number;
  delivered: number;
  dead: number;
  /** Queued again, then cancelled with its campaign before it was sent. */
  cancelled: number;
}

export function replayProgressQuery(since: string, connector?: string): Statement {
  const params: unknown[] = [since];
  let filter = '';
  if (connector) (filter = ' AND action LIKE ?'), params.push(`${connector}.%`);
  return {
    sql: `SELECT COUNT(*) AS replayed, COALESCE(SUM(status = 'queued'), 0) AS queued, COALESCE(SUM(status = 'running'), 0) AS running,
        COALESCE(SUM(status IN ('succeeded', 'sandboxed')), 0) AS delivered, COALESCE(SUM(status = 'dead'), 0) AS dead,
        COALESCE(SUM(status = 'cancelled'), 0) AS cancelled
      FROM jobs WHERE replayed_at >= ?${filter}`,
    params,
  };
}

/** How many responses each recipe matched since two times (the dashboard asks for 7 and 30 days back). */
export interface RecipeMatchCount {
  recipe: string;
  recent: number;
  longer: number;
}

export function recipeMatchCountsQuery(recentSince: string, longerSince: string): Statement {
  return {
    sql: `SELECT recipe, COUNT(DISTINCT CASE WHEN planned_at >= ? THEN response_id END) AS recent, COUNT(DISTINCT response_id) AS longer
      FROM recipe_verdicts WHERE verdict = 'matched' AND planned_at >= ? GROUP BY recipe`,
    params: [recentSince, longerSince],
  };
}
