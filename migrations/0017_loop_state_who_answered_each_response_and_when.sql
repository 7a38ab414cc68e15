-- Generated from src/store/migrations.ts (version 17) by `npm run d1:migrations`; do not edit.
CREATE TABLE loops (
  response_id TEXT PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
  acknowledged_at TEXT,
  acknowledged_by TEXT,
  acknowledged_via TEXT,
  closed_at TEXT,
  closed_by TEXT,
  closed_via TEXT
) WITHOUT ROWID;
CREATE TABLE loop_events (
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  step TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT,
  received_at TEXT NOT NULL,
  PRIMARY KEY (source, event_id)
) WITHOUT ROWID;
CREATE INDEX loop_events_response ON loop_events (response_id);
INSERT INTO schema_migrations (version, name, applied_at) VALUES (17, 'loop state: who answered each response, and when', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
