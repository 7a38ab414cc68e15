-- Generated from src/store/migrations.ts (version 19) by `npm run d1:migrations`; do not edit.
CREATE TABLE slack_actions (
  event_id TEXT PRIMARY KEY,
  response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  slack_user_id TEXT NOT NULL,
  slack_user_name TEXT,
  value TEXT,
  at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX slack_actions_by_response ON slack_actions (response_id, at);
CREATE TABLE response_assignments (
  response_id TEXT PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
  slack_user_id TEXT NOT NULL,
  slack_user_name TEXT,
  assigned_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX response_assignments_by_user ON response_assignments (slack_user_id, assigned_at);
INSERT INTO schema_migrations (version, name, applied_at) VALUES (19, 'slack app: who clicked what on a message, who follows each response up', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
