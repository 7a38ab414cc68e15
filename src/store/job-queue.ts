import type { Statement } from './statement.js';

/**
 * Statements of a runtime whose jobs travel as messages (Workers: Cloudflare Queues), where a
 * message names one job and the job's row stays the truth: a message is claimed by id under the
 * same guards as the Node runner's claims, and a sweep finds the jobs whose message was lost.
 */

/** A job to send a message for: its id, and when it is due. */
export interface JobToSend {
  id: string;
  run_at: string;
}

/**
 * Claim one job by id: queued and due, or running with an expired lease (its runner died), as
 * `claimJobs` claims on Node. A duplicate message, or one for a job already finished or not yet
 * due, updates nothing (no row returned).
 */
export function claimJobById(id: string, now: string, leaseUntil: string): Statement {
  return {
    sql: `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, updated_at = ?
      WHERE id = ? AND ((status = 'queued' AND run_at <= ?) OR (status = 'running' AND lease_until <= ?))
      RETURNING *`,
    params: [leaseUntil, now, id, now, now],
  };
}

/** A job's status and due time (a message that found nothing to claim: early, or stale?). */
export function jobState(id: string): Statement {
  return { sql: `SELECT id, status, run_at FROM jobs WHERE id = ?`, params: [id] };
}

/** Whether a job with this key was ever written, whatever its status (the week's digest). */
export function jobKeyTaken(key: string): Statement {
  return { sql: `SELECT 1 AS taken FROM jobs WHERE key = ?`, params: [key] };
}

/** A job by its key (the plan job an update of a response wrote). */
export function jobByKey(key: string): Statement {
  return { sql: `SELECT id, run_at FROM jobs WHERE key = ? AND status = 'queued'`, params: [key] };
}

/** The queued jobs a plan wrote for its response (created at the plan's commit time). */
export function queuedJobsCreatedAt(responseId: string, createdAt: string): Statement {
  return { sql: `SELECT id, run_at FROM jobs WHERE response_id = ? AND status = 'queued' AND created_at = ?`, params: [responseId, createdAt] };
}

/**
 * Jobs whose message may be lost: queued and due since before `dueBefore`, and running with a
 * lease expired by `now`, oldest first, each part walking `jobs_due` and stopping at `limit`.
 */
export function overdueJobs(dueBefore: string, now: string, limit: number): Statement {
  return {
    sql: `SELECT id, run_at FROM (SELECT id, run_at FROM jobs WHERE status = 'queued' AND run_at <= ? ORDER BY run_at LIMIT ?)
      UNION ALL
      SELECT id, run_at FROM (SELECT id, run_at FROM jobs WHERE status = 'running' AND lease_until <= ? ORDER BY lease_until LIMIT ?)`,
    params: [dueBefore, limit, now, limit],
  };
}

/**
 * A job whose message the queue gave up on (dead-lettered) is dead, with the reason; only while
 * it is queued or running (a job finished meanwhile keeps its state). Its row, when it changed.
 */
export function deadLetterJob(id: string, reason: string, now: string): Statement {
  return {
    sql: `UPDATE jobs SET status = 'dead', lease_until = NULL, last_error = ?, updated_at = ?
      WHERE id = ? AND status IN ('queued', 'running') RETURNING *`,
    params: [reason, now, id],
  };
}

/** Jobs still queued among these ids (to send their messages after an insert or a replay). */
export function queuedJobsAmong(ids: readonly string[]): Statement {
  return { sql: `SELECT id, run_at FROM jobs WHERE id IN (SELECT value FROM json_each(?)) AND status = 'queued'`, params: [JSON.stringify(ids)] };
}

/** The queued jobs of one wave of a campaign (to send their messages once the wave is released). */
export function queuedJobsOfWave(campaignId: string, wave: number): Statement {
  return {
    sql: `SELECT j.id, j.run_at FROM campaign_members m JOIN jobs j ON j.id = m.job_id WHERE m.campaign_id = ? AND m.wave = ? AND j.status = 'queued'`,
    params: [campaignId, wave],
  };
}

/**
 * The plan jobs of up to `ids.length` responses stored without one (oldest first, each due from
 * its arrival), then the plan cursor moved past them, in one batch: what the Node runner's claim
 * writes first. Keyed, so a second writer's overlapping pass inserts nothing twice. The first
 * statement returns the jobs written.
 */
export function planUnplanned(ids: readonly string[], maxAttempts: number): Statement[] {
  return [
    {
      sql: `INSERT INTO jobs (id, key, type, response_id, recipe, action_id, action, params, status, max_attempts, run_at, created_at, updated_at, response_version, parent_job_id)
        SELECT ids.value, 'plan:' || u.id, 'plan', u.id, NULL, NULL, NULL, 'null', 'queued', ?, u.received_at, u.received_at, u.received_at, 1, NULL
        FROM (SELECT id, received_at, row_number() OVER (ORDER BY seq) - 1 AS n
              FROM (SELECT seq, id, received_at FROM responses WHERE seq > (SELECT planned_through FROM plan_cursor WHERE id = 1) ORDER BY seq LIMIT ?)) u
          JOIN json_each(?) ids ON ids.key = u.n
        WHERE true ON CONFLICT (key) DO NOTHING RETURNING id, run_at`,
      params: [maxAttempts, ids.length, JSON.stringify(ids)],
    },
    {
      sql: `UPDATE plan_cursor SET planned_through = (
          SELECT MAX(seq) FROM (SELECT seq FROM responses WHERE seq > (SELECT planned_through FROM plan_cursor WHERE id = 1) ORDER BY seq LIMIT ?))
        WHERE id = 1 AND EXISTS (SELECT 1 FROM responses WHERE seq > planned_through)`,
      params: [ids.length],
    },
  ];
}
