import { LOOPS_MIGRATION } from './loops.js';
import { CAMPAIGN_CANCEL_MIGRATION, CAMPAIGNS_MIGRATION } from './campaigns.js';
import { SLACK_ACTIONS_MIGRATION } from './slack-actions.js';
/**
 * Numbered schema migrations, plain SQLite SQL so that better-sqlite3 (Node) and D1 (Workers)
 * run the same statements. Append only: a shipped migration is never edited.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'responses and jobs',
    sql: `
CREATE TABLE responses (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  source_response_id TEXT NOT NULL,
  survey_id TEXT,
  metric TEXT NOT NULL,
  score INTEGER,
  category TEXT,
  comment TEXT,
  respondent_email TEXT,
  answered_at TEXT,
  received_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  data TEXT NOT NULL,
  raw_body TEXT NOT NULL,
  content_type TEXT NOT NULL,
  UNIQUE (source, source_response_id)
);

CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  key TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  response_id TEXT NOT NULL,
  recipe TEXT,
  action_id TEXT,
  action TEXT,
  params TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at TEXT NOT NULL,
  lease_until TEXT,
  last_error TEXT,
  result TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_response ON jobs (response_id);

CREATE TABLE job_attempts (
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT,
  remote_status INTEGER,
  PRIMARY KEY (job_id, attempt)
);

CREATE TABLE recipe_runs (
  recipe TEXT NOT NULL,
  respondent_key TEXT NOT NULL,
  response_id TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (recipe, respondent_key, response_id)
);
`,
  },
  {
    version: 2,
    name: 'enrichment cache',
    // CRM lookups by key (`hubspot:email:<email>`, `hubspot:account:<id>`, `hubspot:owner:<id>`),
    // JSON value, kept until expires_at (CLOSELOOP_ENRICHMENT_TTL after fetched_at).
    sql: `
CREATE TABLE enrichment_cache (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  fetched_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX enrichment_cache_expiry ON enrichment_cache (expires_at);
`,
  },
  {
    version: 3,
    name: 'response versions and follow-up jobs',
    // Updates (a late comment resent by the survey tool): `fingerprint` = SHA-256 of the normalized
    // response as received, so an identical resend is a duplicate and a changed one a new version;
    // `response_versions` keeps each version's normalized content. Jobs remember the version they
    // were planned from and, for follow-ups (a comment on the ticket, a thread reply), their parent.
    sql: `
ALTER TABLE responses ADD COLUMN fingerprint TEXT;
ALTER TABLE responses ADD COLUMN updated_at TEXT;
CREATE TABLE response_versions (
  response_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  data TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (response_id, version)
);
ALTER TABLE jobs ADD COLUMN response_version INTEGER;
ALTER TABLE jobs ADD COLUMN parent_job_id TEXT;
CREATE INDEX jobs_parent ON jobs (parent_job_id);
`,
  },
  {
    version: 4,
    name: 'attempt history across replays',
    // A replay resets `attempts` (the job gets its full budget again) but must not overwrite the
    // history: an attempt is recorded as number `attempt_offset + attempts`, and a replay adds the
    // attempts made so far to `attempt_offset`.
    sql: `
ALTER TABLE jobs ADD COLUMN attempt_offset INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_dead ON jobs (status, updated_at);
`,
  },
  {
    version: 5,
    name: 'replay time of jobs',
    // A job's max age (its connector's retry policy) counts from when it was queued, or from its
    // last replay: a replayed job gets a fresh time budget as it gets a fresh attempt budget.
    sql: `
ALTER TABLE jobs ADD COLUMN replayed_at TEXT;
`,
  },
  {
    version: 6,
    name: 'leaner job indexes',
    // Every index on jobs is written by each insert and most by each status change (claim,
    // result), so keep only the ones a query uses: nothing looks jobs up by parent (a follow-up
    // reads its parent by id), and dead jobs are found through jobs_due (status, run_at).
    // Databases created by an early build of migration 1 also have two response indexes no query
    // uses (by email, by received time); they go too, so every database ends with one schema.
    sql: `
DROP INDEX jobs_parent;
DROP INDEX jobs_dead;
DROP INDEX IF EXISTS responses_email;
DROP INDEX IF EXISTS responses_received;
`,
  },
  {
    version: 7,
    name: 'plan jobs queued off the request path',
    // Ingest stores the response row alone; the plan job of every response past
    // `planned_through` (responses.seq, in arrival order) is written when the runner next claims
    // work. Every response stored before this migration already has its plan job.
    sql: `
CREATE TABLE plan_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  planned_through INTEGER NOT NULL
);
INSERT INTO plan_cursor (id, planned_through) SELECT 1, COALESCE(MAX(seq), 0) FROM responses;
`,
  },
  {
    version: 8,
    name: 'job counts kept by the writes',
    // /healthz and /readyz report jobs by status. Counting them read the whole jobs_due index: 70–95
    // ms at a million jobs, with the event loop (and every webhook) waiting, on each health probe.
    // The counts are kept here instead, by triggers, inside the transaction of the write that
    // changes them, so they cannot drift from the rows (docs/architecture.md "Health counts").
    sql: `
CREATE TABLE job_counts (
  status TEXT PRIMARY KEY,
  n INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO job_counts (status, n) SELECT status, COUNT(*) FROM jobs GROUP BY status;
CREATE TRIGGER jobs_counted_on_insert AFTER INSERT ON jobs BEGIN
  INSERT INTO job_counts (status, n) VALUES (NEW.status, 1) ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jobs_counted_on_status AFTER UPDATE OF status ON jobs WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
  INSERT INTO job_counts (status, n) VALUES (NEW.status, 1) ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jobs_counted_on_delete AFTER DELETE ON jobs BEGIN
  UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
END;
`,
  },
  {
    version: 9,
    name: 'indexes for the admin lists and the backlog age',
    // Without them, on a database a year old (a million jobs) each of these held the event loop,
    // and every webhook with it: jobs of one status newest first sorted the whole status (1.3 s for
    // the succeeded ones, 0.3 s for a backlog of 300,000 queued), the oldest undelivered job's age
    // (/healthz) read the whole backlog (0.14 s), jobs of an action no job has scanned the table
    // (0.15 s), and responses of one source newest first sorted the whole source (0.17 s at
    // 500,000). Each is now a walk of an index from one end. The action and source indexes are
    // only appended to, in arrival order, so writes pay little for them (docs/architecture.md "Reads on a big database").
    sql: `
CREATE INDEX jobs_by_status ON jobs (status, created_at);
CREATE INDEX jobs_by_action ON jobs (action, seq);
CREATE INDEX responses_by_source ON responses (source, seq);
`,
  },
  {
    version: 10,
    name: 'NPS figures from an index',
    // GET /api/nps and `closeloop nps` count scored NPS responses by category over a period, a
    // source, a survey. Covering: the count reads this index only, never the rows with their raw
    // bodies; appended to in arrival order (received_at), so ingest pays little for it.
    sql: `
CREATE INDEX responses_nps ON responses (metric, received_at, category, source, survey_id);
`,
  },
  {
    version: 11,
    name: 'unplanned responses counted by the writes',
    // /healthz reports how many responses wait for their plan job. Counting the rows past the
    // cursor read every one of them: 46–63 ms with 500,000 waiting, on the event loop, during the
    // very flood that made them wait. \`MAX(seq) - planned_through\` is no count: a resend that is
    // ignored as a duplicate still uses up an AUTOINCREMENT number. So the count is kept beside
    // the cursor, by triggers, in the transaction of the write that changes it (1–2 µs an
    // ingest), as migration 8 keeps the job counts. The runner only moves the cursor forward; a
    // move back by hand (to plan responses again) counts them back in.
    sql: `
ALTER TABLE plan_cursor ADD COLUMN unplanned INTEGER NOT NULL DEFAULT 0;
UPDATE plan_cursor SET unplanned = (SELECT COUNT(*) FROM responses WHERE seq > plan_cursor.planned_through);
CREATE TRIGGER responses_unplanned_on_insert AFTER INSERT ON responses BEGIN
  UPDATE plan_cursor SET unplanned = unplanned + 1 WHERE id = 1 AND NEW.seq > planned_through;
END;
CREATE TRIGGER responses_unplanned_on_delete AFTER DELETE ON responses BEGIN
  UPDATE plan_cursor SET unplanned = unplanned - 1 WHERE id = 1 AND OLD.seq > planned_through;
END;
CREATE TRIGGER responses_planned AFTER UPDATE OF planned_through ON plan_cursor BEGIN
  UPDATE plan_cursor SET unplanned = unplanned
    - (SELECT COUNT(*) FROM responses WHERE seq > OLD.planned_through AND seq <= NEW.planned_through)
    + (SELECT COUNT(*) FROM responses WHERE seq > NEW.planned_through AND seq <= OLD.planned_through)
  WHERE id = 1;
END;
`,
  },
  {
    version: 12,
    name: 'webhook replay guard',
    // A signed webhook replayed later, or an older event delivered after a newer one, must not
    // roll a response back (src/store/replay-guard.ts). Each version keeps the SHA-256 of the body
    // it came in (the history's too, to recognise an earlier version's body sent again), and the
    // response the tool's own update time or counter, where the tool sends one.
    sql: `
ALTER TABLE responses ADD COLUMN delivery_digest TEXT;
ALTER TABLE responses ADD COLUMN source_revision REAL;
ALTER TABLE response_versions ADD COLUMN delivery_digest TEXT;
`,
  },
  {
    version: 13,
    name: 'erasure and retention',
    // Personal data (docs/privacy.md). `privacy_settings` holds the erasure salt, made here at
    // first start by SQLite itself (so D1 makes one too) and never printed. `erased_responses`
    // keeps a salted SHA-256 of each erased response's (source, response id): a late resend is
    // refused, not recreated. `erasures` keeps, per salted email hash, the remote objects the hub
    // had created for that person, so a later `forget --downstream` still finds them.
    // `scrubbed_at` marks a response whose personal data retention removed (a resend is ignored).
    sql: `
CREATE TABLE privacy_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO privacy_settings (key, value) VALUES ('erasure_salt', lower(hex(randomblob(32))));
INSERT INTO privacy_settings (key, value) VALUES ('retention_scrubbed_through', '0');
CREATE TABLE erased_responses (
  key TEXT PRIMARY KEY,
  erased_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE erasures (
  email_key TEXT PRIMARY KEY,
  erased_at TEXT NOT NULL,
  downstream TEXT NOT NULL
) WITHOUT ROWID;
ALTER TABLE responses ADD COLUMN scrubbed_at TEXT;
`,
  },
  {
    version: 14,
    name: 'recipe verdicts',
    // What planning decided about each recipe for each version of a response (matched, not matched
    // and why, throttled, disabled), written in the plan's own transaction: `closeloop show` and
    // GET /api/responses/{id} answer "what happened to this response?". Responses by email, newest
    // first, for `closeloop show <email>`.
    sql: `
CREATE TABLE recipe_verdicts (
  response_id TEXT NOT NULL,
  response_version INTEGER NOT NULL,
  recipe TEXT NOT NULL,
  position INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  reason TEXT NOT NULL,
  skipped_actions TEXT,
  planned_at TEXT NOT NULL,
  PRIMARY KEY (response_id, response_version, recipe)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS responses_by_email ON responses (respondent_email, seq);
`,
  },
  {
    version: 15,
    name: 'account snapshot per response, and rollups for the figures',
    // What a response's recipes saw when it was planned (the account's plan, tier, ARR band,
    // region, owner, lifecycle; the source's survey and touchpoint), kept with it so that figures
    // by segment stay what they were. \`insight_rollups\` counts them per hour (UTC) × dimension ×
    // value × category, with score sums for CES means, kept by triggers in the plan's own
    // transaction: a figure over a year by plan reads hours × plans, not the responses. Dimension
    // '' is the whole; an unknown value has no row (it is the whole less the known values, so a
    // plan writes 1 + its known values, not 11 rows). Responses stored before are counted with an
    // unknown account until a new version plans them again; an erased response leaves the counts.
    sql: `
CREATE TABLE response_segments (
  response_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  metric TEXT NOT NULL,
  category TEXT,
  score INTEGER,
  source TEXT NOT NULL,
  survey TEXT,
  touchpoint TEXT,
  plan TEXT,
  tier TEXT,
  arr TEXT,
  region TEXT,
  owner TEXT,
  lifecycle TEXT,
  crm TEXT,
  account TEXT NOT NULL,
  planned_at TEXT NOT NULL
);
CREATE INDEX response_segments_by_time ON response_segments (metric, received_at);
CREATE TABLE insight_rollups (
  metric TEXT NOT NULL,
  dimension TEXT NOT NULL,
  hour TEXT NOT NULL,
  value TEXT NOT NULL,
  category TEXT NOT NULL,
  n INTEGER NOT NULL,
  score_sum INTEGER NOT NULL,
  score_squares INTEGER NOT NULL,
  PRIMARY KEY (metric, dimension, hour, value, category)
) WITHOUT ROWID;
CREATE TRIGGER response_segments_rolled_up AFTER INSERT ON response_segments WHEN NEW.category IS NOT NULL BEGIN
  INSERT INTO insight_rollups (metric, dimension, hour, value, category, n, score_sum, score_squares)
    SELECT NEW.metric, d.column1, substr(NEW.received_at, 1, 13), d.column2, NEW.category, 1, COALESCE(NEW.score, 0), COALESCE(NEW.score * NEW.score, 0)
    FROM (VALUES ('', ''), ('source', NEW.source), ('survey', NEW.survey), ('touchpoint', NEW.touchpoint), ('plan', NEW.plan), ('tier', NEW.tier), ('arr', NEW.arr), ('region', NEW.region), ('owner', NEW.owner), ('lifecycle', NEW.lifecycle), ('crm', NEW.crm)) AS d WHERE d.column2 IS NOT NULL
    ON CONFLICT (metric, dimension, hour, value, category) DO UPDATE SET
      n = n + 1, score_sum = score_sum + excluded.score_sum, score_squares = score_squares + excluded.score_squares;
END;
CREATE TRIGGER response_segments_unrolled AFTER DELETE ON response_segments WHEN OLD.category IS NOT NULL BEGIN
  UPDATE insight_rollups SET n = n - 1, score_sum = score_sum - COALESCE(OLD.score, 0), score_squares = score_squares - COALESCE(OLD.score * OLD.score, 0)
  WHERE metric = OLD.metric AND hour = substr(OLD.received_at, 1, 13) AND category = OLD.category
    AND (dimension, value) IN (VALUES ('', ''), ('source', OLD.source), ('survey', OLD.survey), ('touchpoint', OLD.touchpoint), ('plan', OLD.plan), ('tier', OLD.tier), ('arr', OLD.arr), ('region', OLD.region), ('owner', OLD.owner), ('lifecycle', OLD.lifecycle), ('crm', OLD.crm));
END;
CREATE TRIGGER responses_leave_segments AFTER DELETE ON responses BEGIN
  DELETE FROM response_segments WHERE response_id = OLD.id;
END;
INSERT INTO response_segments (response_id, version, received_at, metric, category, score, source, survey, touchpoint, account, planned_at)
  SELECT id, version, received_at, metric, category, score, source, survey_id, json_extract(data, '$.touchpoint'), '{}', received_at FROM responses;
`,
  },
  {
    version: 16,
    name: 'theme tags and sentiment',
    // Each response's comment is tagged when it is planned (src/themes): its themes (JSON, the
    // rules' order), its AFINN sentiment and the fingerprint of the rules that tagged it (re-tagging
    // skips responses already tagged by the current rules). response_themes is the index that
    // counts and lists by theme, keyed by theme then arrival; a deleted response takes its rows along.
    sql: `
ALTER TABLE responses ADD COLUMN themes TEXT;
ALTER TABLE responses ADD COLUMN sentiment REAL;
ALTER TABLE responses ADD COLUMN themes_rules TEXT;
CREATE TABLE response_themes (
  theme TEXT NOT NULL,
  response_seq INTEGER NOT NULL,
  PRIMARY KEY (theme, response_seq)
) WITHOUT ROWID;
CREATE INDEX response_themes_by_response ON response_themes (response_seq);
CREATE TRIGGER response_themes_on_delete AFTER DELETE ON responses BEGIN
  DELETE FROM response_themes WHERE response_seq = OLD.seq;
END;
`,
  },
  {
    version: 17,
    name: 'loop state: who answered each response, and when',
    sql: LOOPS_MIGRATION,
  },
  {
    version: 18,
    name: 'campaigns: advocacy waves over stored responses',
    // A campaign's members are frozen at creation (wave, job id and key, rendered parameters), so a
    // release run again after a crash queues exactly the same people, once (src/store/campaigns.ts).
    sql: CAMPAIGNS_MIGRATION,
  },
  {
    version: 19,
    name: 'slack app: who clicked what on a message, who follows each response up',
    sql: SLACK_ACTIONS_MIGRATION,
  },
  {
    version: 20,
    name: 'campaigns can be cancelled: when, by whom, why',
    // A cancelled campaign releases no further wave and its unclaimed jobs end `cancelled`
    // (src/store/campaigns.ts cancelCampaignStatements).
    sql: CAMPAIGN_CANCEL_MIGRATION,
  },
];
