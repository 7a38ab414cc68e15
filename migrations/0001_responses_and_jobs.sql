-- Generated from src/store/migrations.ts (version 1) by `npm run d1:migrations`; do not edit.
CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
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
INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'responses and jobs', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
