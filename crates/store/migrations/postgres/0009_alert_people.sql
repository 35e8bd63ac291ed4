-- Alerts tied to people (issue 14). Kept in step with migrations/sqlite/0009_alert_people.sql,
-- which says why.

ALTER TABLE checkpoint_alerts ADD COLUMN person_id BIGINT REFERENCES persons (id),
    ADD COLUMN outcome TEXT, ADD COLUMN note TEXT;

UPDATE checkpoint_alerts a SET person_id = p.id FROM persons p WHERE p.id_number = a.id_number;

CREATE TABLE checkpoint_alert_nodes (
    alert_id  BIGINT NOT NULL REFERENCES checkpoint_alerts (id),
    node_id   BIGINT NOT NULL REFERENCES grid_nodes (id),
    PRIMARY KEY (alert_id, node_id)
);
CREATE INDEX checkpoint_alert_nodes_node ON checkpoint_alert_nodes (node_id, alert_id);

INSERT INTO checkpoint_alert_nodes (alert_id, node_id) SELECT id, node_id FROM checkpoint_alerts;
INSERT INTO checkpoint_alert_nodes (alert_id, node_id)
    SELECT id, item_node_id FROM checkpoint_alerts
    WHERE item_node_id IS NOT NULL AND item_node_id <> node_id;

DROP INDEX checkpoint_scans_cp;
CREATE INDEX checkpoint_scans_time ON checkpoint_scans (checkpoint_id, scanned_at, id);
