-- Generated from src/store/migrations.ts (version 14) by `npm run d1:migrations`; do not edit.
CREATE TABLE recipe_verdicts (
  response_id TEXT NOT NULL,
  response_version INTEGER NOT NULL,
  recipe TEXT NOT NULL,
  position INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  reason TEXT NOT NULL,
  skipped_actions TEXT,
  planned_at TEXT NOT NULL,
  PRIMARY KEY (response_id, response_version, recipe)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS responses_by_email ON responses (respondent_email, seq);
INSERT INTO schema_migrations (version, name, applied_at) VALUES (14, 'recipe verdicts', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
