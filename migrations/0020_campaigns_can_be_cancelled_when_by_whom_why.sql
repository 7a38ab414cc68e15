-- Generated from src/store/migrations.ts (version 20) by `npm run d1:migrations`; do not edit.
ALTER TABLE campaigns ADD COLUMN cancelled_at TEXT;
ALTER TABLE campaigns ADD COLUMN cancelled_by TEXT;
ALTER TABLE campaigns ADD COLUMN cancel_reason TEXT;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (20, 'campaigns can be cancelled: when, by whom, why', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
