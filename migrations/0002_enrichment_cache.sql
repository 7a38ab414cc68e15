-- Generated from src/store/migrations.ts (version 2) by `npm run d1:migrations`; do not edit.
CREATE TABLE enrichment_cache (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  fetched_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX enrichment_cache_expiry ON enrichment_cache (expires_at);
INSERT INTO schema_migrations (version, name, applied_at) VALUES (2, 'enrichment cache', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
