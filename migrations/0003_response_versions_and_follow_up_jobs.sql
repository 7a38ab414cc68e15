-- Generated from src/store/migrations.ts (version 3) by `npm run d1:migrations`; do not edit.
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
INSERT INTO schema_migrations (version, name, applied_at) VALUES (3, 'response versions and follow-up jobs', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
