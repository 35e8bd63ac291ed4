-- The deadline moves from every push item to its batch, and the references of push_items are
-- checked at commit. Kept in step with migrations/postgres/0005_batch_deadline_deferred_refs.sql.
--
-- Deadline: every item of a batch had the same due_at (import time + the batch's hours; the
-- demo's backdating shifts a whole batch), written a million times for a million-row file and
-- indexed again for the overdue counts. A batch now carries it once; overdue counts come from
-- the 见底清零 counters of the batches past their deadline instead of scanning items.
--
-- References DEFERRABLE INITIALLY DEFERRED: SQLite gives a multi-row INSERT into a table with
-- immediate foreign keys a statement journal (a copy of every page it touches, to undo the
-- statement alone), which was about a fifth of the push-list import. Deferred, a broken
-- reference still fails the transaction, at COMMIT instead of at the statement.
--
-- The table is rebuilt as in migration 4 (and for the same reason the tables referencing it,
-- push_merges and checkpoint_alerts): created under _new names referencing each other,
-- filled, the old ones dropped children first, and renamed.

ALTER TABLE push_batches ADD COLUMN due_at TEXT NOT NULL DEFAULT '';
-- the items carry the exact deadline; a batch without items gets import time + its hours
UPDATE push_batches SET due_at = COALESCE(
    (SELECT MIN(i.due_at) FROM push_items i WHERE i.batch_id = push_batches.id),
    strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+' || due_hours || ' hours'));

CREATE TABLE push_items_new (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES push_batches (id) DEFERRABLE INITIALLY DEFERRED,
    person_id    INTEGER NOT NULL REFERENCES persons (id) DEFERRABLE INITIALLY DEFERRED,
    node_id      INTEGER REFERENCES grid_nodes (id) DEFERRABLE INITIALLY DEFERRED,
    row_no       INTEGER NOT NULL,
    origin       TEXT NOT NULL,
    arrived_at   TEXT,
    address      TEXT NOT NULL,
    note         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state = 'pending' OR state = 'reached'
                     OR state = 'measures_in_place' OR state = 'left_district'
                     OR state = 'not_found'),
    measures     TEXT,
    arrival_id   INTEGER,
    destination  TEXT,
    reason       TEXT,
    verified_at  TEXT,
    updated_at   TEXT NOT NULL
);

CREATE TABLE push_merges_new (
    id        INTEGER PRIMARY KEY,
    batch_id  INTEGER NOT NULL REFERENCES push_batches (id),
    item_id   INTEGER NOT NULL REFERENCES push_items_new (id),
    row_no    INTEGER NOT NULL
);

CREATE TABLE checkpoint_alerts_new (
    id             INTEGER PRIMARY KEY,
    checkpoint_id  INTEGER NOT NULL REFERENCES checkpoints (id),
    scan_id        INTEGER NOT NULL REFERENCES checkpoint_scans (id),
    node_id        INTEGER NOT NULL REFERENCES grid_nodes (id),
    push_item_id   INTEGER REFERENCES push_items_new (id),
    item_node_id   INTEGER REFERENCES grid_nodes (id),
    reasons        TEXT NOT NULL,
    id_number      TEXT,
    plate          TEXT,
    temperature    REAL,
    code_colour    TEXT,
    created_at     TEXT NOT NULL,
    handled_at     TEXT,
    handled_by     TEXT
);

INSERT INTO push_items_new (id, batch_id, person_id, node_id, row_no, origin, arrived_at,
        address, note, state, measures, arrival_id, destination, reason, verified_at,
        updated_at)
    SELECT id, batch_id, person_id, node_id, row_no, origin, arrived_at, address, note, state,
        measures, arrival_id, destination, reason, verified_at, updated_at
    FROM push_items;
INSERT INTO push_merges_new SELECT * FROM push_merges;
INSERT INTO checkpoint_alerts_new SELECT * FROM checkpoint_alerts;

DROP TABLE push_merges;
DROP TABLE checkpoint_alerts;
DROP TABLE push_items;

ALTER TABLE push_items_new RENAME TO push_items;
ALTER TABLE push_merges_new RENAME TO push_merges;
ALTER TABLE checkpoint_alerts_new RENAME TO checkpoint_alerts;

-- A person has at most one open item: a second push merges into it.
CREATE UNIQUE INDEX push_items_one_open ON push_items (person_id)
    WHERE state IN ('pending', 'reached');
CREATE INDEX push_items_node ON push_items (node_id, id);
CREATE INDEX push_merges_batch ON push_merges (batch_id, item_id);
CREATE INDEX push_merges_item ON push_merges (item_id);
CREATE INDEX checkpoint_alerts_node ON checkpoint_alerts (node_id, id);
CREATE INDEX checkpoint_alerts_item_node ON checkpoint_alerts (item_node_id, id);
CREATE INDEX checkpoint_alerts_cp ON checkpoint_alerts (checkpoint_id, id);
