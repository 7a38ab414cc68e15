-- Generated from src/store/migrations.ts (version 16) by `npm run d1:migrations`; do not edit.
ALTER TABLE responses ADD COLUMN themes TEXT;
ALTER TABLE responses ADD COLUMN sentiment REAL;
ALTER TABLE responses ADD COLUMN themes_rules TEXT;
CREATE TABLE response_themes (
  theme TEXT NOT NULL,
  response_seq INTEGER NOT NULL,
  PRIMARY KEY (theme, response_seq)
) WITHOUT ROWID;
CREATE INDEX response_themes_by_response ON response_themes (response_seq);
CREATE TRIGGER response_themes_on_delete AFTER DELETE ON responses BEGIN
  DELETE FROM response_themes WHERE response_seq = OLD.seq;
END;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (16, 'theme tags and sentiment', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
