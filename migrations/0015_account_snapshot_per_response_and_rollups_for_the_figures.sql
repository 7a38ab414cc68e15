-- Generated from src/store/migrations.ts (version 15) by `npm run d1:migrations`; do not edit.
CREATE TABLE response_segments (
  response_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  metric TEXT NOT NULL,
  category TEXT,
  score INTEGER,
  source TEXT NOT NULL,
  survey TEXT,
  touchpoint TEXT,
  plan TEXT,
  tier TEXT,
  arr TEXT,
  region TEXT,
  owner TEXT,
  lifecycle TEXT,
  crm TEXT,
  account TEXT NOT NULL,
  planned_at TEXT NOT NULL
);
CREATE INDEX response_segments_by_time ON response_segments (metric, received_at);
CREATE TABLE insight_rollups (
  metric TEXT NOT NULL,
  dimension TEXT NOT NULL,
  hour TEXT NOT NULL,
  value TEXT NOT NULL,
  category TEXT NOT NULL,
  n INTEGER NOT NULL,
  score_sum INTEGER NOT NULL,
  score_squares INTEGER NOT NULL,
  PRIMARY KEY (metric, dimension, hour, value, category)
) WITHOUT ROWID;
CREATE TRIGGER response_segments_rolled_up AFTER INSERT ON response_segments WHEN NEW.category IS NOT NULL BEGIN
  INSERT INTO insight_rollups (metric, dimension, hour, value, category, n, score_sum, score_squares)
    SELECT NEW.metric, d.column1, substr(NEW.received_at, 1, 13), d.column2, NEW.category, 1, COALESCE(NEW.score, 0), COALESCE(NEW.score * NEW.score, 0)
    FROM (VALUES ('', ''), ('source', NEW.source), ('survey', NEW.survey), ('touchpoint', NEW.touchpoint), ('plan', NEW.plan), ('tier', NEW.tier), ('arr', NEW.arr), ('region', NEW.region), ('owner', NEW.owner), ('lifecycle', NEW.lifecycle), ('crm', NEW.crm)) AS d WHERE d.column2 IS NOT NULL
    ON CONFLICT (metric, dimension, hour, value, category) DO UPDATE SET
      n = n + 1, score_sum = score_sum + excluded.score_sum, score_squares = score_squares + excluded.score_squares;
END;
CREATE TRIGGER response_segments_unrolled AFTER DELETE ON response_segments WHEN OLD.category IS NOT NULL BEGIN
  UPDATE insight_rollups SET n = n - 1, score_sum = score_sum - COALESCE(OLD.score, 0), score_squares = score_squares - COALESCE(OLD.score * OLD.score, 0)
  WHERE metric = OLD.metric AND hour = substr(OLD.received_at, 1, 13) AND category = OLD.category
    AND (dimension, value) IN (VALUES ('', ''), ('source', OLD.source), ('survey', OLD.survey), ('touchpoint', OLD.touchpoint), ('plan', OLD.plan), ('tier', OLD.tier), ('arr', OLD.arr), ('region', OLD.region), ('owner', OLD.owner), ('lifecycle', OLD.lifecycle), ('crm', OLD.crm));
END;
CREATE TRIGGER responses_leave_segments AFTER DELETE ON responses BEGIN
  DELETE FROM response_segments WHERE response_id = OLD.id;
END;
INSERT INTO response_segments (response_id, version, received_at, metric, category, score, source, survey, touchpoint, account, planned_at)
  SELECT id, version, received_at, metric, category, score, source, survey_id, json_extract(data, '$.touchpoint'), '{}', received_at FROM responses;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (15, 'account snapshot per response, and rollups for the figures', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
