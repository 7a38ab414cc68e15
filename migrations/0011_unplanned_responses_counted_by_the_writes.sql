-- Generated from src/store/migrations.ts (version 11) by `npm run d1:migrations`; do not edit.
ALTER TABLE plan_cursor ADD COLUMN unplanned INTEGER NOT NULL DEFAULT 0;
UPDATE plan_cursor SET unplanned = (SELECT COUNT(*) FROM responses WHERE seq > plan_cursor.planned_through);
CREATE TRIGGER responses_unplanned_on_insert AFTER INSERT ON responses BEGIN
  UPDATE plan_cursor SET unplanned = unplanned + 1 WHERE id = 1 AND NEW.seq > planned_through;
END;
CREATE TRIGGER responses_unplanned_on_delete AFTER DELETE ON responses BEGIN
  UPDATE plan_cursor SET unplanned = unplanned - 1 WHERE id = 1 AND OLD.seq > planned_through;
END;
CREATE TRIGGER responses_planned AFTER UPDATE OF planned_through ON plan_cursor BEGIN
  UPDATE plan_cursor SET unplanned = unplanned
    - (SELECT COUNT(*) FROM responses WHERE seq > OLD.planned_through AND seq <= NEW.planned_through)
    + (SELECT COUNT(*) FROM responses WHERE seq > NEW.planned_through AND seq <= OLD.planned_through)
  WHERE id = 1;
END;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (11, 'unplanned responses counted by the writes', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
