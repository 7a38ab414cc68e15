-- Generated from src/store/migrations.ts (version 12) by `npm run d1:migrations`; do not edit.
ALTER TABLE responses ADD COLUMN delivery_digest TEXT;
ALTER TABLE responses ADD COLUMN source_revision REAL;
ALTER TABLE response_versions ADD COLUMN delivery_digest TEXT;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (12, 'webhook replay guard', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
