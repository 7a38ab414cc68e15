-- Generated from src/store/migrations.ts (version 8) by `npm run d1:migrations`; do not edit.
CREATE TABLE job_counts (
  status TEXT PRIMARY KEY,
  n INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO job_counts (status, n) SELECT status, COUNT(*) FROM jobs GROUP BY status;
CREATE TRIGGER jobs_counted_on_insert AFTER INSERT ON jobs BEGIN
  INSERT INTO job_counts (status, n) VALUES (NEW.status, 1) ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jobs_counted_on_status AFTER UPDATE OF status ON jobs WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
  INSERT INTO job_counts (status, n) VALUES (NEW.status, 1) ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jobs_counted_on_delete AFTER DELETE ON jobs BEGIN
  UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
END;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (8, 'job counts kept by the writes', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
