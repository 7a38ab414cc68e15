-- Generated from src/store/migrations.ts (version 6) by `npm run d1:migrations`; do not edit.
DROP INDEX jobs_parent;
DROP INDEX jobs_dead;
DROP INDEX IF EXISTS responses_email;
DROP INDEX IF EXISTS responses_received;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (6, 'leaner job indexes', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
