-- Generated from src/store/migrations.ts (version 18) by `npm run d1:migrations`; do not edit.
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  action TEXT NOT NULL,
  definition TEXT NOT NULL,
  pause_ms INTEGER,
  max_attempts INTEGER NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE campaign_waves (
  campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  wave INTEGER NOT NULL,
  label TEXT NOT NULL,
  released_at TEXT,
  released_by TEXT,
  PRIMARY KEY (campaign_id, wave)
) WITHOUT ROWID;
CREATE INDEX campaign_waves_unreleased ON campaign_waves (released_at, campaign_id, wave);
CREATE TABLE campaign_members (
  campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  response_id TEXT NOT NULL,
  wave INTEGER NOT NULL,
  position INTEGER NOT NULL,
  response_version INTEGER NOT NULL,
  respondent TEXT,
  score INTEGER,
  job_id TEXT NOT NULL,
  job_key TEXT NOT NULL,
  params TEXT,
  skip_reason TEXT,
  PRIMARY KEY (campaign_id, response_id)
) WITHOUT ROWID;
CREATE INDEX campaign_members_by_wave ON campaign_members (campaign_id, wave, position);
CREATE INDEX campaign_members_by_response ON campaign_members (response_id);
CREATE TRIGGER campaign_members_erased AFTER DELETE ON responses BEGIN
  DELETE FROM campaign_members WHERE response_id = OLD.id;
END;
CREATE TRIGGER campaign_members_scrubbed AFTER UPDATE OF scrubbed_at ON responses WHEN NEW.scrubbed_at IS NOT NULL BEGIN
  UPDATE campaign_members SET params = NULL, respondent = NULL, skip_reason = COALESCE(skip_reason, 'personal data removed by retention')
  WHERE response_id = NEW.id;
END;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (18, 'campaigns: advocacy waves over stored responses', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
