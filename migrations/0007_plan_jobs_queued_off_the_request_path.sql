-- Generated from src/store/migrations.ts (version 7) by `npm run d1:migrations`; do not edit.
CREATE TABLE plan_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  planned_through INTEGER NOT NULL
);
INSERT INTO plan_cursor (id, planned_through) SELECT 1, COALESCE(MAX(seq), 0) FROM responses;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (7, 'plan jobs queued off the request path', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
