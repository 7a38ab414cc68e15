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
CREATE INDEX responses_email ON responses (respondent_email);
CREATE INDEX responses_received ON responses (received_at);

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
];
