-- Generated from src/store/migrations.ts (version 9) by `npm run d1:migrations`; do not edit.
CREATE INDEX jobs_by_status ON jobs (status, created_at);
CREATE INDEX jobs_by_action ON jobs (action, seq);
CREATE INDEX responses_by_source ON responses (source, seq);
INSERT INTO schema_migrations (version, name, applied_at) VALUES (9, 'indexes for the admin lists and the backlog age', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
