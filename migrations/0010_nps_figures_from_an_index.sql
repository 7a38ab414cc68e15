-- Generated from src/store/migrations.ts (version 10) by `npm run d1:migrations`; do not edit.
CREATE INDEX responses_nps ON responses (metric, received_at, category, source, survey_id);
INSERT INTO schema_migrations (version, name, applied_at) VALUES (10, 'NPS figures from an index', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
