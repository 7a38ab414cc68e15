-- Generated from src/store/migrations.ts (version 13) by `npm run d1:migrations`; do not edit.
CREATE TABLE privacy_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO privacy_settings (key, value) VALUES ('erasure_salt', lower(hex(randomblob(32))));
INSERT INTO privacy_settings (key, value) VALUES ('retention_scrubbed_through', '0');
CREATE TABLE erased_responses (
  key TEXT PRIMARY KEY,
  erased_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE erasures (
  email_key TEXT PRIMARY KEY,
  erased_at TEXT NOT NULL,
  downstream TEXT NOT NULL
) WITHOUT ROWID;
ALTER TABLE responses ADD COLUMN scrubbed_at TEXT;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (13, 'erasure and retention', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
