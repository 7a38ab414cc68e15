-- Generated from src/store/migrations.ts (version 4) by `npm run d1:migrations`; do not edit.
ALTER TABLE jobs ADD COLUMN attempt_offset INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_dead ON jobs (status, updated_at);
INSERT INTO schema_migrations (version, name, applied_at) VALUES (4, 'attempt history across replays', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
