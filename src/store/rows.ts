import type { NormalizedResponse, StoredResponse } from '../core/response.js';
import type { Job, JobAttempt, JobStatus, JobType, NewJob } from '../core/job.js';
import type { DeliveryMarks } from './replay-guard.js';
import type { NpsFilter } from './store.js';

/**
 * Row shapes and their mapping, shared by every SQL store (better-sqlite3 and D1 speak the
 * same SQLite dialect, so they share the statements too).
 */
export interface ResponseRow {
  id: string;
  received_at: string;
  version: number;
  data: string;
}

export interface JobRow {
  seq: number;
  id: string;
  key: string;
  type: string;
  response_id: string;
  recipe: string | null;
  action_id: string | null;
  action: string | null;
  params: string;
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: string;
  lease_until: string | null;
  last_error: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
  response_version: number | null;
  parent_job_id: string | null;
  replayed_at?: string | null;
}

export interface AttemptRow {
  job_id: string;
  attempt: number;
  started_at: string;
  finished_at: string;
  outcome: string;
  error: string | null;
  remote_status: number | null;
}

export function responseFromRow(row: ResponseRow): StoredResponse {
  const data = JSON.parse(row.data) as NormalizedResponse;
  return { id: row.id, receivedAt: row.received_at, version: row.version, ...data };
}

/** Column values of a response insert, in column order ({@link SQL.insertResponse} takes the erasure key after the source); `data` is `r` as JSON (the caller has it already, to compare a resend with). */
export function responseValues(id: string, r: NormalizedResponse, data: string, receivedAt: string, rawBody: string, contentType: string, marks: DeliveryMarks = {}) {
  return [
    id,
    r.source,
    r.sourceResponseId,
    r.surveyId,
    r.metric,
    r.score,
    r.category,
    r.comment,
    r.respondent.email,
    r.answeredAt,
    receivedAt,
    data,
    rawBody,
    contentType,
    marks.digest ?? null,
    marks.revision ?? null,
  ];
}

/** Column values of {@link SQL.updateResponse}: a new version's content and marks (its revision as {@link revisionAfter} keeps it), then the row id. */
export function responseUpdateValues(id: string, r: NormalizedResponse, data: string, updatedAt: string, rawBody: string, contentType: string, digest: string | null, revision: number | null) {
  return [r.surveyId, r.metric, r.score, r.category, r.comment, r.respondent.email, r.answeredAt, data, rawBody, contentType, updatedAt, digest, revision, id];
}

/** Column values of {@link SQL.completeResponse}: the fetched content of a pending version, the fingerprint of what it replaces, then id and version. */
export function responseCompleteValues(id: string, version: number, r: NormalizedResponse, data: string, fingerprint: string) {
  return [r.surveyId, r.metric, r.score, r.category, r.comment, r.respondent.email, r.answeredAt, data, fingerprint, id, version];
}

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    key: row.key,
    type: row.type as JobType,
    responseId: row.response_id,
    recipe: row.recipe,
    actionId: row.action_id,
    action: row.action,
    params: JSON.parse(row.params),
    status: row.status as JobStatus,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    leaseUntil: row.lease_until,
    lastError: row.last_error,
    result: row.result === null ? null : JSON.parse(row.result),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    responseVersion: row.response_version ?? null,
    parentJobId: row.parent_job_id ?? null,
    replayedAt: row.replayed_at ?? null,
  };
}

/** Column values of a job insert, in {@link SQL.insertJob} order. */
export function jobValues(id: string, job: NewJob, now: string) {
  return [
    id,
    job.key,
    job.type,
    job.responseId,
    job.recipe,
    job.actionId,
    job.action,
    JSON.stringify(job.params ?? null),
    job.maxAttempts,
    job.runAt,
    now,
    now,
    job.responseVersion ?? null,
    job.parentJobId ?? null,
  ];
}

export function attemptFromRow(row: AttemptRow): JobAttempt {
  return {
    jobId: row.job_id,
    attempt: row.attempt,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome as JobAttempt['outcome'],
    error: row.error,
    remoteStatus: row.remote_status,
  };
}

const JOB_COLUMNS = `id, key, type, response_id, recipe, action_id, action, params, status, max_attempts, run_at, created_at, updated_at,
      response_version, parent_job_id`;
const JOB_VALUES = `?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?`;

/** The statements every SQL store runs. Positional parameters only (D1 refuses named ones), SQLite dialect. */
export const SQL = {
  /**
   * A new response, unless one with its (source, source response id) is stored or it was erased.
   * Returns its id when it went in. Values: {@link responseValues} with the salted key of its
   * erasure (src/store/erasure.ts) after the source (plain `?`: better-sqlite3 takes `?NNN` for a
   * named parameter). The erasure guard is the `source` value: NULL for an erased
   * response, a NOT NULL violation that `OR IGNORE` skips like the duplicate — one `INSERT …
   * VALUES`, which costs less per webhook than an `INSERT … SELECT … WHERE NOT EXISTS`.
   */
  insertResponse: `INSERT OR IGNORE INTO responses (id, source, source_response_id, survey_id, metric, score, category, comment,
      respondent_email, answered_at, received_at, data, raw_body, content_type, delivery_digest, source_revision)
    VALUES (?, (SELECT ? WHERE NOT EXISTS (SELECT 1 FROM erased_responses WHERE key = ?)), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    RETURNING id`,
  /**
   * What ingest compares a resend with. `fingerprint` (SHA-256 of the response as received) is
   * set only once `data` stops being that, when a not-yet-scored stub is completed from the
   * vendor's API; null, `data` itself is what was received.
   */
  responseForIngest: `SELECT id, version, fingerprint, data, COALESCE(updated_at, received_at) AS at, delivery_digest, source_revision, scrubbed_at
    FROM responses WHERE source = ? AND source_response_id = ?`,
  /** A plan commits only while its response exists: one erased meanwhile gets no jobs, no throttle marks. */
  responseExists: `SELECT 1 AS present FROM responses WHERE id = ?`,
  /** Values: {@link responseUpdateValues}, then the version ingest read: a new version only over the one that was read. */
  updateResponse: `UPDATE responses SET survey_id = ?, metric = ?, score = ?, category = ?, comment = ?, respondent_email = ?,
      answered_at = ?, data = ?, raw_body = ?, content_type = ?, fingerprint = NULL, updated_at = ?, delivery_digest = ?, source_revision = ?,
      version = version + 1
    WHERE id = ? AND version = ? RETURNING version`,
  /** Guarded by version: a fetch that finishes after a newer version arrived does not overwrite it. */
  completeResponse: `UPDATE responses SET survey_id = ?, metric = ?, score = ?, category = ?, comment = ?, respondent_email = ?,
      answered_at = ?, data = ?, fingerprint = COALESCE(fingerprint, ?) WHERE id = ? AND version = ? RETURNING id`,
  /**
   * Values: response id, version, data, received at, the digest of the body it came in (migration
   * 12; null before), then the response id and the version ingest read (the guard).
   */
  insertResponseVersion: `INSERT OR IGNORE INTO response_versions (response_id, version, data, received_at, delivery_digest)
    SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM responses WHERE id = ? AND version = ?)`,
  /** The earlier version of a response whose body had this digest (src/store/replay-guard.ts). Values: response id, digest. */
  versionWithDigest: `SELECT version FROM response_versions WHERE response_id = ? AND delivery_digest = ? LIMIT 1`,
  completeResponseVersion: `UPDATE response_versions SET data = ? WHERE response_id = ? AND version = ?`,
  getResponseVersion: `SELECT data FROM response_versions WHERE response_id = ? AND version = ?`,
  currentResponseVersion: `SELECT data FROM responses WHERE id = ? AND version = ?`,
  getResponse: `SELECT id, received_at, version, data FROM responses WHERE id = ?`,
  getRawBody: `SELECT raw_body AS body, content_type AS contentType FROM responses WHERE id = ?`,
  /** Values: {@link jobValues}. Returns the id when the job went in (its key was free). */
  insertJob: `INSERT INTO jobs (${JOB_COLUMNS}) VALUES (${JOB_VALUES}) ON CONFLICT (key) DO NOTHING RETURNING id`,
  /** Values: {@link jobValues}, then the response id: a plan's job, written only while its response exists. */
  insertJobOfResponse: `INSERT INTO jobs (${JOB_COLUMNS}) SELECT ${JOB_VALUES} WHERE EXISTS (SELECT 1 FROM responses WHERE id = ?)
    ON CONFLICT (key) DO NOTHING`,
  /** Values: {@link jobValues}, then the response id and version ingest read (the plan job of a new version). */
  insertJobOfVersion: `INSERT INTO jobs (${JOB_COLUMNS}) SELECT ${JOB_VALUES} WHERE EXISTS (SELECT 1 FROM responses WHERE id = ? AND version = ?)
    ON CONFLICT (key) DO NOTHING`,
  /** Responses stored without a plan job yet (see migration 7), oldest first. */
  unplannedResponses: `SELECT seq, id, received_at FROM responses WHERE seq > (SELECT planned_through FROM plan_cursor WHERE id = 1) ORDER BY seq LIMIT ?`,
  /**
   * The plan jobs (`plan:<id>`, due at the response's arrival, as ingest would have written them)
   * of the first {@link unplannedResponses}. Values: the plan jobs' max attempts, `limit`, a JSON
   * array of `limit` fresh job ids. Keyed, so an overlapping pass inserts nothing twice.
   */
  queueUnplanned: `INSERT INTO jobs (${JOB_COLUMNS})
    SELECT ids.value, 'plan:' || u.id, 'plan', u.id, NULL, NULL, NULL, 'null', 'queued', ?, u.received_at, u.received_at, u.received_at, 1, NULL
    FROM (SELECT id, received_at, row_number() OVER (ORDER BY seq) - 1 AS n
          FROM (SELECT seq, id, received_at FROM responses WHERE seq > (SELECT planned_through FROM plan_cursor WHERE id = 1) ORDER BY seq LIMIT ?)) u
      JOIN json_each(?) ids ON ids.key = u.n
    WHERE true ON CONFLICT (key) DO NOTHING`,
  /** The cursor past those responses (the same ones: run right after {@link queueUnplanned}, in its batch). Value: `limit`. */
  advancePlanCursor: `UPDATE plan_cursor SET planned_through = (
      SELECT MAX(seq) FROM (SELECT seq FROM responses WHERE seq > (SELECT planned_through FROM plan_cursor WHERE id = 1) ORDER BY seq LIMIT ?))
    WHERE id = 1 AND EXISTS (SELECT 1 FROM responses WHERE seq > planned_through)`,
  // The count is kept by migration 11's triggers; the oldest is the first past the cursor (responses are numbered in arrival order).
  unplannedStats: `SELECT unplanned AS n, (SELECT received_at FROM responses WHERE seq > planned_through ORDER BY seq LIMIT 1) AS oldest FROM plan_cursor WHERE id = 1`,
  /**
   * Due jobs and jobs whose lease expired, oldest first. Two index walks (jobs_due gives
   * `run_at, seq` order), each stopped at the limit, then merged: one `OR` over both would sort
   * the whole backlog on every claim.
   */
  claimJobs: `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, updated_at = ?
    WHERE id IN (SELECT id FROM (
        SELECT * FROM (SELECT id, run_at, seq FROM jobs WHERE status = 'queued' AND run_at <= ? ORDER BY run_at, seq LIMIT ?)
        UNION ALL
        SELECT * FROM (SELECT id, run_at, seq FROM jobs WHERE status = 'running' AND lease_until <= ? ORDER BY run_at, seq LIMIT ?))
      ORDER BY run_at, seq LIMIT ?)
    RETURNING *`,
  /**
   * Numbered after the attempts made before the job's last replay (`attempt_offset`), so a replay
   * keeps the history. Not for a job erased while its attempt ran: its error may name the person.
   */
  insertAttempt: `WITH a (job_id, attempt, started_at, finished_at, outcome, error, remote_status) AS (VALUES (?, ?, ?, ?, ?, ?, ?))
    INSERT OR REPLACE INTO job_attempts (job_id, attempt, started_at, finished_at, outcome, error, remote_status)
    SELECT a.job_id, a.attempt + COALESCE((SELECT attempt_offset FROM jobs WHERE id = a.job_id), 0), a.started_at, a.finished_at, a.outcome, a.error, a.remote_status FROM a
    WHERE EXISTS (SELECT 1 FROM jobs WHERE id = a.job_id)`,
  /** Guarded by status and attempt number: a runner whose lease was taken over cannot overwrite. */
  finishJob: `UPDATE jobs SET status = ?, run_at = ?, lease_until = NULL, last_error = ?, result = COALESCE(?, result), updated_at = ?
    WHERE id = ? AND status = 'running' AND attempts = ?`,
  finishPlanJob: `UPDATE jobs SET status = 'succeeded', lease_until = NULL, last_error = NULL, updated_at = ? WHERE id = ?`,
  getJob: `SELECT * FROM jobs WHERE id = ?`,
  listAttempts: `SELECT * FROM job_attempts WHERE job_id = ? ORDER BY attempt`,
  /**
   * A fresh attempt budget; the attempts made so far move to `attempt_offset` (history kept), `last_error` stays (connectors read it).
   * Not for a job of a cancelled campaign (its recipe is `campaign:<name>`): a cancel holds against a replay of dead jobs.
   */
  replayJob: `UPDATE jobs SET status = 'queued', run_at = ?, attempt_offset = attempt_offset + attempts, attempts = 0, lease_until = NULL, updated_at = ?,
      replayed_at = ?
    WHERE id = ? AND status = 'dead'
      AND NOT (recipe LIKE 'campaign:%' AND EXISTS (SELECT 1 FROM campaigns c WHERE c.name = substr(jobs.recipe, 10) AND c.cancelled_at IS NOT NULL))
    RETURNING id`,
  /** Keep a running attempt's lease (heartbeat), guarded like finishJob: only the runner of this attempt extends it. */
  extendLease: `UPDATE jobs SET lease_until = ? WHERE id = ? AND status = 'running' AND attempts = ?`,
  /** A claimed job back to the queue, its claim not counted as an attempt; guarded like finishJob. */
  releaseJob: `UPDATE jobs SET status = 'queued', run_at = ?, attempts = attempts - 1, lease_until = NULL, updated_at = ?
    WHERE id = ? AND status = 'running' AND attempts = ?`,
  /** Kept by triggers on jobs (migration 8): no job row is read. */
  countByStatus: `SELECT status, n FROM job_counts`,
  oldestWaiting: `SELECT MIN(run_at) AS oldest FROM jobs WHERE status = 'queued' AND run_at <= ?`,
  /** One seek per status in jobs_by_status (an `IN` over both would read the whole backlog). */
  oldestPending: `SELECT MIN(oldest) AS oldest FROM (
      SELECT MIN(created_at) AS oldest FROM jobs WHERE status = 'queued'
      UNION ALL SELECT MIN(created_at) FROM jobs WHERE status = 'running')`,
  /** Written only while the response exists (its plan commits): values, then the response id again. */
  insertRecipeRun: `INSERT OR IGNORE INTO recipe_runs (recipe, respondent_key, response_id, at) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM responses WHERE id = ?)`,
  lastRecipeRun: `SELECT MAX(at) AS at FROM recipe_runs WHERE recipe = ? AND respondent_key = ? AND response_id <> ?`,
  getCachedEnrichment: `SELECT value FROM enrichment_cache WHERE key = ? AND expires_at > ?`,
  putCachedEnrichment: `INSERT INTO enrichment_cache (key, value, fetched_at, expires_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
  deleteExpiredEnrichment: `DELETE FROM enrichment_cache WHERE expires_at <= ?`,
} as const;

/** `SELECT … FROM jobs` with the filter's WHERE clause and its parameters. */
export function jobListQuery(filter: { status?: string; responseId?: string; action?: string; limit: number }) {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.status) (where.push('status = ?'), params.push(filter.status));
  if (filter.responseId) (where.push('response_id = ?'), params.push(filter.responseId));
  if (filter.action) (where.push('action = ?'), params.push(filter.action));
  // Newest first. Within one status that is jobs_by_status walked backwards (by creation time, then
  // insertion); the table's own order (seq) otherwise.
  const order = filter.status ? 'created_at DESC, seq DESC' : 'seq DESC';
  const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order} LIMIT ?`;
  return { sql, params: [...params, filter.limit] };
}

/** Ids of dead jobs matching a replay filter, oldest first (see {@link DeadJobFilter}). */
export function deadJobIdsQuery(filter: { connector?: string; action?: string; since?: string }) {
  const where = [`status = 'dead'`];
  const params: unknown[] = [];
  // Prefix compare instead of LIKE: no wildcard in a connector name can widen the match.
  if (filter.connector) (where.push('substr(action, 1, ?) = ?'), params.push(filter.connector.length + 1, `${filter.connector}.`));
  if (filter.action) (where.push('action = ?'), params.push(filter.action));
  // A dead job's updated_at is when it died.
  if (filter.since) (where.push('updated_at >= ?'), params.push(filter.since));
  return { sql: `SELECT id FROM jobs WHERE ${where.join(' AND ')} ORDER BY seq`, params };
}

/** `SELECT … FROM responses` with the filter's WHERE clause and its parameters. */
export function responseListQuery(filter: { source?: string; before?: string; limit: number }) {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.source) (where.push('source = ?'), params.push(filter.source));
  if (filter.before) (where.push('seq < (SELECT seq FROM responses WHERE id = ?)'), params.push(filter.before));
  const sql = `SELECT id, received_at, version, data FROM responses ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
  return { sql, params: [...params, filter.limit] };
}

/** Scored NPS responses by category (migration 10's covering index), filtered as {@link NpsFilter}. */
export function npsCountsQuery(filter: NpsFilter) {
  const where = [`metric = 'nps'`, 'category IS NOT NULL'];
  const params: unknown[] = [];
  if (filter.since) (where.push('received_at >= ?'), params.push(filter.since));
  if (filter.until) (where.push('received_at < ?'), params.push(filter.until));
  if (filter.source) (where.push('source = ?'), params.push(filter.source));
  if (filter.surveyId) (where.push('survey_id = ?'), params.push(filter.surveyId));
  // One pass over the index range, no grouping (a GROUP BY sorted the range by category first: 3× slower).
  const count = (category: string) => `COALESCE(SUM(category = '${category}'), 0) AS ${category}s`;
  return { sql: `SELECT ${count('promoter')}, ${count('passive')}, ${count('detractor')} FROM responses INDEXED BY responses_nps WHERE ${where.join(' AND ')}`, params };
}

export const ALL_STATUSES_ZERO = (): Record<JobStatus, number> => ({ queued: 0, running: 0, succeeded: 0, sandboxed: 0, dead: 0, cancelled: 0 });
