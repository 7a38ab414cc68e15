import type { Account } from '../core/account.js';
import type { StoredResponse } from '../core/response.js';
import { ROLLED_UP_DIMENSIONS, type RolledUpDimension } from '../insights/segments.js';
import { responseFromRow, type ResponseRow } from './rows.js';
import type { Statement } from './statement.js';

/**
 * Campaigns in SQL (migration 18), shared by every SQLite driver: each statement next to its
 * values, every atomic write one batch whose statements carry their own guards (D1 has no
 * interactive transactions). A campaign's members are frozen when it is created, each with the
 * id, key and rendered parameters of its job; releasing a wave copies its members into `jobs`.
 */
export const CAMPAIGNS_MIGRATION = `
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  action TEXT NOT NULL,
  definition TEXT NOT NULL,
  pause_ms INTEGER,
  max_attempts INTEGER NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE campaign_waves (
  campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  wave INTEGER NOT NULL,
  label TEXT NOT NULL,
  released_at TEXT,
  released_by TEXT,
  PRIMARY KEY (campaign_id, wave)
) WITHOUT ROWID;
CREATE INDEX campaign_waves_unreleased ON campaign_waves (released_at, campaign_id, wave);
CREATE TABLE campaign_members (
  campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  response_id TEXT NOT NULL,
  wave INTEGER NOT NULL,
  position INTEGER NOT NULL,
  response_version INTEGER NOT NULL,
  respondent TEXT,
  score INTEGER,
  job_id TEXT NOT NULL,
  job_key TEXT NOT NULL,
  params TEXT,
  skip_reason TEXT,
  PRIMARY KEY (campaign_id, response_id)
) WITHOUT ROWID;
CREATE INDEX campaign_members_by_wave ON campaign_members (campaign_id, wave, position);
CREATE INDEX campaign_members_by_response ON campaign_members (response_id);
CREATE TRIGGER campaign_members_erased AFTER DELETE ON responses BEGIN
  DELETE FROM campaign_members WHERE response_id = OLD.id;
END;
CREATE TRIGGER campaign_members_scrubbed AFTER UPDATE OF scrubbed_at ON responses WHEN NEW.scrubbed_at IS NOT NULL BEGIN
  UPDATE campaign_members SET params = NULL, respondent = NULL, skip_reason = COALESCE(skip_reason, 'personal data removed by retention')
  WHERE response_id = NEW.id;
END;
`;

/**
 * Migration 20: a campaign can be cancelled. Its unreleased waves are never released and its
 * unclaimed jobs end `cancelled` ({@link cancelCampaignStatements}); who cancelled it (`cli`,
 * `api`, `dashboard`: any text, no CHECK), when and why are kept with it.
 */
export const CAMPAIGN_CANCEL_MIGRATION = `
ALTER TABLE campaigns ADD COLUMN cancelled_at TEXT;
ALTER TABLE campaigns ADD COLUMN cancelled_by TEXT;
ALTER TABLE campaigns ADD COLUMN cancel_reason TEXT;
`;

/** A campaign's jobs carry `campaign:<name>` where a recipe's carry the recipe's name. */
export const CAMPAIGN_RECIPE_PREFIX = 'campaign:';

/** Which stored responses a campaign may take, as SQL sees it (periods resolved against the clock). */
export interface CandidateQuery {
  metric: string;
  scores?: { min: number; max: number } | readonly number[];
  categories?: readonly string[];
  /** Segment values (lowercase compare), per dimension any of the values. */
  segments?: Partial<Record<RolledUpDimension, readonly string[]>>;
  /** Answered (or received, without an answer time) at or after this ISO time. */
  answeredSince?: string;
  /** Leave out respondents with a job of these connectors/actions created at or after this time (not dead, not cancelled). */
  notContactedSince?: { since: string; by: readonly string[] };
  limit: number;
}

/** A response a campaign may take, with what its plan saw of the account. */
export interface CampaignCandidate {
  seq: number;
  response: StoredResponse;
  /** The account snapshot stored when it was planned (null before migration 15, or never planned). */
  account: Account | null;
  segments: Record<RolledUpDimension, string | null>;
  themes: string[];
  sentiment: number;
}

/**
 * Each respondent's newest scored answer of the metric (a promoter who has since answered 3 is
 * not a promoter), filtered, highest score first then newest; not scrubbed by retention.
 * "Contacted": an action job of the listed connectors or actions, from a recipe or a campaign,
 * not dead nor cancelled (neither reached them), created within the period, for any response of the same email (or this response
 * without one).
 */
export function candidatesQuery(q: CandidateQuery): Statement {
  const where = ['r.metric = ?', 'r.score IS NOT NULL', 'r.scrubbed_at IS NULL'];
  const params: unknown[] = [q.metric];
  where.push(`NOT EXISTS (SELECT 1 FROM responses n WHERE n.respondent_email = r.respondent_email AND n.metric = r.metric AND n.score IS NOT NULL AND n.seq > r.seq)`);
  if (Array.isArray(q.scores)) (where.push('r.score IN (SELECT value FROM json_each(?))'), params.push(JSON.stringify(q.scores)));
  else if (q.scores) (where.push('r.score BETWEEN ? AND ?'), params.push((q.scores as { min: number }).min, (q.scores as { max: number }).max));
  if (q.categories) (where.push('r.category IN (SELECT value FROM json_each(?))'), params.push(JSON.stringify(q.categories)));
  for (const [dimension, values] of Object.entries(q.segments ?? {})) {
    if (!(ROLLED_UP_DIMENSIONS as readonly string[]).includes(dimension) || !values) continue;
    where.push(`lower(s.${dimension}) IN (SELECT lower(value) FROM json_each(?))`);
    params.push(JSON.stringify(values));
  }
  if (q.answeredSince) (where.push('COALESCE(r.answered_at, r.received_at) >= ?'), params.push(q.answeredSince));
  if (q.notContactedSince) {
    where.push(`NOT EXISTS (SELECT 1 FROM jobs j WHERE j.response_id IN (SELECT o.id FROM responses o WHERE o.respondent_email = r.respondent_email UNION ALL SELECT r.id)
      AND j.type = 'action' AND j.status NOT IN ('dead', 'cancelled') AND j.created_at >= ?
      AND (j.action IN (SELECT value FROM json_each(?)) OR substr(j.action, 1, instr(j.action, '.') - 1) IN (SELECT value FROM json_each(?))))`);
    const by = JSON.stringify(q.notContactedSince.by);
    params.push(q.notContactedSince.since, by, by);
  }
  return {
    sql: `SELECT r.seq, r.id, r.received_at, r.version, r.data, r.themes, r.sentiment, s.account AS account_snapshot,
        ${ROLLED_UP_DIMENSIONS.map((d) => `s.${d} AS seg_${d}`).join(', ')}
      FROM responses r LEFT JOIN response_segments s ON s.response_id = r.id
      WHERE ${where.join(' AND ')}
      ORDER BY r.score DESC, r.seq DESC LIMIT ?`,
    params: [...params, q.limit],
  };
}

export function candidateFromRow(row: Record<string, unknown>): CampaignCandidate {
  const segments = Object.fromEntries(ROLLED_UP_DIMENSIONS.map((d) => [d, (row[`seg_${d}`] as string | null) ?? null])) as Record<RolledUpDimension, string | null>;
  const snapshot = row.account_snapshot as string | null;
  const account = snapshot ? (JSON.parse(snapshot) as Account) : null;
  return {
    seq: row.seq as number,
    response: responseFromRow(row as unknown as ResponseRow),
    // An account snapshot without an id (no CRM, or not found) is as good as none.
    account: account && Object.keys(account).length ? account : null,
    segments,
    themes: row.themes ? (JSON.parse(row.themes as string) as string[]) : [],
    sentiment: (row.sentiment as number | null) ?? 0,
  };
}

/** One member as frozen at creation: its wave, its job (id, key, rendered parameters) or why it is skipped. */
export interface CampaignMemberWrite {
  wave: number;
  /** Order within the wave: the order its jobs are queued in. */
  position: number;
  responseId: string;
  responseVersion: number;
  /** The respondent's email, else the source's person id, else null. */
  respondent: string | null;
  score: number | null;
  jobId: string;
  /** `campaign:<campaign id>:<response id>:<action>`: unique in the jobs table. */
  jobKey: string;
  /** The rendered, validated parameters; null when skipped. */
  params: unknown;
  skipReason: string | null;
}

/** A campaign as created: its row (not cancelled: a new campaign runs), its waves and its members. */
export interface CampaignWrite extends Omit<CampaignRow, 'cancelled'> {
  waves: { wave: number; label: string }[];
  members: CampaignMemberWrite[];
}

/** Members per statement: a bound JSON text well under D1's limits. */
const MEMBERS_PER_STATEMENT = 500;

/**
 * Create a campaign, freeze its members and release its first wave: one batch. The name is
 * unique: when it is taken, the first statement inserts nothing and returns no row, and every
 * later statement is guarded by the campaign row existing, so nothing else is written.
 */
export function createCampaignStatements(c: CampaignWrite): Statement[] {
  const exists = `EXISTS (SELECT 1 FROM campaigns WHERE id = ?)`;
  const statements: Statement[] = [
    {
      sql: `INSERT INTO campaigns (id, name, action, definition, pause_ms, max_attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO NOTHING RETURNING id`,
      params: [c.id, c.name, c.action, JSON.stringify(c.definition), c.pauseMs, c.maxAttempts, c.createdAt],
    },
    {
      sql: `INSERT INTO campaign_waves (campaign_id, wave, label)
        SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) WHERE ${exists}`,
      params: [c.id, JSON.stringify(c.waves.map((w) => [w.wave, w.label])), c.id],
    },
  ];
  for (let i = 0; i < c.members.length; i += MEMBERS_PER_STATEMENT) {
    const rows = c.members.slice(i, i + MEMBERS_PER_STATEMENT).map((m) => [m.wave, m.position, m.responseId, m.responseVersion, m.respondent, m.score, m.jobId, m.jobKey, m.params === null ? null : JSON.stringify(m.params), m.skipReason]);
    statements.push({
      sql: `INSERT INTO campaign_members (campaign_id, wave, position, response_id, response_version, respondent, score, job_id, job_key, params, skip_reason)
        SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]'),
          json_extract(value, '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]'), json_extract(value, '$[9]')
        FROM json_each(?) WHERE ${exists}`,
      params: [c.id, JSON.stringify(rows), c.id],
    });
  }
  return [...statements, ...releaseWaveStatements({ campaignId: c.id, wave: 1, now: c.createdAt, by: 'creation' })];
}

/** What {@link createCampaignStatements}' batch did, from each statement's `RETURNING` rows. */
export function createdFromRows(rows: readonly unknown[][]): { created: boolean; queued: number } {
  return { created: (rows[0]?.length ?? 0) > 0, queued: rows.at(-1)?.length ?? 0 };
}

/** What {@link releaseWaveStatements}' batch did, from each statement's `RETURNING` rows. */
export function releasedFromRows(rows: readonly unknown[][]): { released: boolean; queued: number } {
  return { released: (rows[0]?.length ?? 0) > 0, queued: rows[1]?.length ?? 0 };
}

export interface WaveRelease {
  campaignId: string;
  wave: number;
  now: string;
  /** What released it: `creation` (wave 1), `approval`, or `pause`. */
  by: 'creation' | 'approval' | 'pause';
  /** For a release by pause: only if the previous wave was released at or before this time. */
  previousReleasedBy?: string;
}

/**
 * Release one wave: mark it released and queue its members' jobs, one batch. The mark is guarded
 * (not released yet, the campaign not cancelled, the previous wave released — early enough, for a pause), and the jobs are
 * inserted only while the wave is marked, each keyed `campaign:<id>:<response>:<action>`: a
 * release run twice, by two processes or after a crash, queues nobody twice. The first statement
 * returns the wave when this batch released it; the second, the jobs it queued.
 */
export function releaseWaveStatements(r: WaveRelease): Statement[] {
  const previous = `(SELECT released_at FROM campaign_waves p WHERE p.campaign_id = campaign_waves.campaign_id AND p.wave = campaign_waves.wave - 1)`;
  return [
    {
      sql: `UPDATE campaign_waves SET released_at = ?, released_by = ?
        WHERE campaign_id = ? AND wave = ? AND released_at IS NULL
          AND (wave = 1 OR ${previous} IS NOT NULL) AND (? IS NULL OR ${previous} <= ?)
          AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_waves.campaign_id AND c.cancelled_at IS NOT NULL)
        RETURNING wave`,
      params: [r.now, r.by, r.campaignId, r.wave, r.previousReleasedBy ?? null, r.previousReleasedBy ?? null],
    },
    {
      sql: `INSERT INTO jobs (id, key, type, response_id, recipe, action_id, action, params, status, max_attempts, run_at, created_at, updated_at, response_version, parent_job_id)
        SELECT m.job_id, m.job_key, 'action', m.response_id, 'campaign:' || c.name, 'wave-' || m.wave, c.action, m.params, 'queued', c.max_attempts, ?, ?, ?, m.response_version, NULL
        FROM campaign_members m JOIN campaigns c ON c.id = m.campaign_id JOIN campaign_waves w ON w.campaign_id = m.campaign_id AND w.wave = m.wave
        WHERE m.campaign_id = ? AND m.wave = ? AND m.skip_reason IS NULL AND m.params IS NOT NULL AND w.released_at IS NOT NULL
          AND EXISTS (SELECT 1 FROM responses x WHERE x.id = m.response_id)
        ORDER BY m.position
        ON CONFLICT DO NOTHING RETURNING id`,
      params: [r.now, r.now, r.now, r.campaignId, r.wave],
    },
  ];
}

/** A campaign's own row (what is written at creation, and read back). */
export interface CampaignRow {
  id: string;
  name: string;
  action: string;
  /** The definition as given (periods as written), shown back by status. */
  definition: unknown;
  /** Pause between waves; null: each wave after the first waits for approval. */
  pauseMs: number | null;
  maxAttempts: number;
  createdAt: string;
  /** When, by what (`cli`, `api`, `dashboard`) and why it was cancelled; null while it runs. */
  cancelled: CampaignCancellation | null;
}

/** How a campaign was cancelled. */
export interface CampaignCancellation {
  at: string;
  by: CancelledBy;
  reason: string | null;
}

/** What cancelled a campaign: the CLI, the admin API or the dashboard. */
export const CANCELLED_BY = ['cli', 'api', 'dashboard'] as const;
export type CancelledBy = (typeof CANCELLED_BY)[number];

export function campaignQuery(idOrName: string): Statement {
  return { sql: `SELECT * FROM campaigns WHERE id = ? OR name = ?`, params: [idOrName, idOrName] };
}

export function campaignListQuery(limit: number): Statement {
  return { sql: `SELECT * FROM campaigns ORDER BY created_at DESC, id DESC LIMIT ?`, params: [limit] };
}

export function campaignFromRow(row: Record<string, unknown>): CampaignRow {
  return {
    id: row.id as string,
    name: row.name as string,
    action: row.action as string,
    definition: JSON.parse(row.definition as string),
    pauseMs: (row.pause_ms as number | null) ?? null,
    maxAttempts: row.max_attempts as number,
    createdAt: row.created_at as string,
    cancelled: row.cancelled_at ? { at: row.cancelled_at as string, by: row.cancelled_by as CancelledBy, reason: (row.cancel_reason as string | null) ?? null } : null,
  };
}

/** A wave and where its members' jobs stand. */
export interface WaveProgressRow {
  wave: number;
  label: string;
  releasedAt: string | null;
  releasedBy: string | null;
  members: number;
  /** Frozen without a job: their parameters did not validate, or retention removed their data. */
  skipped: number;
  /** Waiting to run, running, or waiting for a retry. */
  queued: number;
  /** Delivered. */
  sent: number;
  /** Recorded, not sent: the connector has no credentials. */
  sandboxed: number;
  /** Dead-lettered (replay them like any job). */
  failed: number;
  /** Never sent: still queued when the campaign was cancelled. */
  cancelled: number;
}

export function waveProgressQuery(campaignId: string): Statement {
  return {
    sql: `SELECT w.wave, w.label, w.released_at, w.released_by, COUNT(m.response_id) AS members,
        COALESCE(SUM(m.skip_reason IS NOT NULL), 0) AS skipped,
        COALESCE(SUM(j.status IN ('queued', 'running')), 0) AS queued,
        COALESCE(SUM(j.status = 'succeeded'), 0) AS sent,
        COALESCE(SUM(j.status = 'sandboxed'), 0) AS sandboxed,
        COALESCE(SUM(j.status = 'dead'), 0) AS failed,
        COALESCE(SUM(j.status = 'cancelled'), 0) AS cancelled
      FROM campaign_waves w
        LEFT JOIN campaign_members m ON m.campaign_id = w.campaign_id AND m.wave = w.wave
        LEFT JOIN jobs j ON j.id = m.job_id
      WHERE w.campaign_id = ? GROUP BY w.wave ORDER BY w.wave`,
    params: [campaignId],
  };
}

export function waveProgressFromRow(row: Record<string, unknown>): WaveProgressRow {
  return {
    wave: row.wave as number,
    label: row.label as string,
    releasedAt: (row.released_at as string | null) ?? null,
    releasedBy: (row.released_by as string | null) ?? null,
    members: row.members as number,
    skipped: row.skipped as number,
    queued: row.queued as number,
    sent: row.sent as number,
    sandboxed: row.sandboxed as number,
    failed: row.failed as number,
    cancelled: row.cancelled as number,
  };
}

/** A member as listed by `campaign status --members`: who, in which wave, and where the job stands. */
export interface CampaignMemberRow {
  wave: number;
  position: number;
  responseId: string;
  respondent: string | null;
  score: number | null;
  jobKey: string;
  skipReason: string | null;
  /** The job's status; null before the wave is released (or for a skipped member). */
  status: string | null;
}

export function campaignMembersQuery(campaignId: string): Statement {
  return {
    sql: `SELECT m.wave, m.position, m.response_id, m.respondent, m.score, m.job_key, m.skip_reason, j.status
      FROM campaign_members m LEFT JOIN jobs j ON j.id = m.job_id
      WHERE m.campaign_id = ? ORDER BY m.wave, m.position`,
    params: [campaignId],
  };
}

export function campaignMemberFromRow(row: Record<string, unknown>): CampaignMemberRow {
  return {
    wave: row.wave as number,
    position: row.position as number,
    responseId: row.response_id as string,
    respondent: (row.respondent as string | null) ?? null,
    score: (row.score as number | null) ?? null,
    jobKey: row.job_key as string,
    skipReason: (row.skip_reason as string | null) ?? null,
    status: (row.status as string | null) ?? null,
  };
}

/** A wave waiting for its pause: the next unreleased wave of a paused campaign, not cancelled, whose previous wave is released. */
export interface PausedWave {
  campaignId: string;
  wave: number;
  pauseMs: number;
  previousReleasedAt: string;
}

export function pausedWavesQuery(): Statement {
  return {
    sql: `SELECT w.campaign_id, w.wave, c.pause_ms, p.released_at AS previous_released_at
      FROM campaign_waves w JOIN campaigns c ON c.id = w.campaign_id
        JOIN campaign_waves p ON p.campaign_id = w.campaign_id AND p.wave = w.wave - 1
      WHERE w.released_at IS NULL AND c.pause_ms IS NOT NULL AND c.cancelled_at IS NULL AND p.released_at IS NOT NULL`,
    params: [],
  };
}

export function pausedWaveFromRow(row: Record<string, unknown>): PausedWave {
  return { campaignId: row.campaign_id as string, wave: row.wave as number, pauseMs: row.pause_ms as number, previousReleasedAt: row.previous_released_at as string };
}

export interface CampaignCancel {
  campaignId: string;
  now: string;
  by: CancelledBy;
  reason: string | null;
}

/** What {@link cancelCampaignStatements}' batch did. */
export interface CancelOutcome {
  /** False: the campaign was cancelled already (or does not exist); this batch changed nothing. */
  cancelled: boolean;
  /** Jobs this batch moved from `queued` to `cancelled`. */
  jobsCancelled: number;
  /** Jobs a runner had claimed: their attempt finishes (given back for a retry or a rate-limit wait, they are cancelled instead). */
  stillRunning: number;
  /** Jobs already finished: delivered, sandboxed or dead. */
  alreadyDone: number;
}

const memberJobs = `SELECT job_id FROM campaign_members WHERE campaign_id = ?`;

/**
 * Cancel a campaign, one batch: the campaign marked (guarded: not cancelled yet), then its jobs
 * still `queued` (not claimed) made `cancelled`, only when this batch made the mark — a second
 * cancel cancels nothing more. A job a runner has claimed (`running`) is left to finish. The
 * release guard ({@link releaseWaveStatements}) reads the mark, so no wave is released after it.
 * The last statement counts the campaign's jobs as the batch left them.
 */
export function cancelCampaignStatements(c: CampaignCancel): Statement[] {
  return [
    {
      sql: `UPDATE campaigns SET cancelled_at = ?, cancelled_by = ?, cancel_reason = ? WHERE id = ? AND cancelled_at IS NULL RETURNING id`,
      params: [c.now, c.by, c.reason, c.campaignId],
    },
    {
      sql: `UPDATE jobs SET status = 'cancelled', lease_until = NULL, updated_at = ?
        WHERE id IN (${memberJobs}) AND status = 'queued'
          AND EXISTS (SELECT 1 FROM campaigns WHERE id = ? AND cancelled_at = ? AND cancelled_by = ?)
        RETURNING id`,
      params: [c.now, c.campaignId, c.campaignId, c.now, c.by],
    },
    {
      sql: `SELECT COALESCE(SUM(status = 'running'), 0) AS running, COALESCE(SUM(status IN ('succeeded', 'sandboxed', 'dead')), 0) AS done
        FROM jobs WHERE id IN (${memberJobs})`,
      params: [c.campaignId],
    },
  ];
}

export function cancelledFromRows(rows: readonly unknown[][]): CancelOutcome {
  const counts = (rows[2]?.[0] ?? {}) as { running?: number; done?: number };
  return { cancelled: (rows[0]?.length ?? 0) > 0, jobsCancelled: rows[1]?.length ?? 0, stillRunning: counts.running ?? 0, alreadyDone: counts.done ?? 0 };
}

/**
 * A campaign job its runner put back in the queue after the campaign was cancelled (it was
 * running then), for a retry or to wait for its rate limit, is cancelled instead: it would
 * contact someone after the cancel.
 */
export function cancelRetryOfCancelledCampaign(jobId: string, now: string): Statement {
  return {
    sql: `UPDATE jobs SET status = 'cancelled', updated_at = ?
      WHERE id = ? AND status = 'queued'
        AND EXISTS (SELECT 1 FROM campaign_members m JOIN campaigns c ON c.id = m.campaign_id
          WHERE m.response_id = jobs.response_id AND m.job_id = jobs.id AND c.cancelled_at IS NOT NULL)`,
    params: [now, jobId],
  };
}
