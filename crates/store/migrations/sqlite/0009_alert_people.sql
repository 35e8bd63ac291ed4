-- Alerts tied to people (issue 14). Kept in step with migrations/postgres/0009_alert_people.sql.
--
-- An alert names the scanned person (person_id: the one person record of the ID number, when
-- there is one) and reaches every node listed for it in checkpoint_alert_nodes: the
-- checkpoint's node and, when the alert is raised, the grid of each of the person's current
-- records (arrivals under way, push items not closed). Who sees an alert is read from that
-- table alone; item_node_id is still written (the node of the push item that raised a
-- push-list alert) but no longer read for reach. What a viewer learns about the person (name,
-- links to the records) is decided per viewer from the records themselves, never stored here.
--
-- 处置 records an outcome from a fixed list (contacted, transferred, isolated, false_alarm,
-- other; checked by the store) and an optional note.
--
-- A checkpoint's scans are listed newest first by scan time: the index by (checkpoint, time,
-- id) replaces the one by (checkpoint, id), so a scan still pays for one index.

ALTER TABLE checkpoint_alerts ADD COLUMN person_id INTEGER REFERENCES persons (id);
ALTER TABLE checkpoint_alerts ADD COLUMN outcome TEXT;
ALTER TABLE checkpoint_alerts ADD COLUMN note TEXT;

UPDATE checkpoint_alerts SET person_id =
    (SELECT p.id FROM persons p WHERE p.id_number = checkpoint_alerts.id_number)
    WHERE id_number IS NOT NULL;

CREATE TABLE checkpoint_alert_nodes (
    alert_id  INTEGER NOT NULL REFERENCES checkpoint_alerts (id),
    node_id   INTEGER NOT NULL REFERENCES grid_nodes (id),
    PRIMARY KEY (alert_id, node_id)
);
CREATE INDEX checkpoint_alert_nodes_node ON checkpoint_alert_nodes (node_id, alert_id);

-- the alerts so far reached the checkpoint's node and the node tracing a pushed person
INSERT INTO checkpoint_alert_nodes (alert_id, node_id) SELECT id, node_id FROM checkpoint_alerts;
INSERT INTO checkpoint_alert_nodes (alert_id, node_id)
    SELECT id, item_node_id FROM checkpoint_alerts
    WHERE item_node_id IS NOT NULL AND item_node_id <> node_id;

DROP INDEX checkpoint_scans_cp;
CREATE INDEX checkpoint_scans_time ON checkpoint_scans (checkpoint_id, scanned_at, id);
