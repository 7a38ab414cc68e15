-- Generated from src/store/migrations.ts (version 5) by `npm run d1:migrations`; do not edit.
ALTER TABLE jobs ADD COLUMN replayed_at TEXT;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (5, 'replay time of jobs', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
