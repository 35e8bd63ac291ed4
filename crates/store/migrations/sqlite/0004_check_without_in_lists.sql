-- CHECK constraints of the two hot tables (push_items, checkpoint_scans) as OR'd equalities
-- instead of IN lists. Kept in step with migrations/postgres/0004_check_without_in_lists.sql
-- (a no-op there: PostgreSQL evaluates IN lists directly).
--
-- SQLite evaluates `col IN (a, b, c, …)` of more than two constants by building a temporary
-- B-tree of the constants, and in a CHECK constraint it does so for every row written: for the
-- push-list import that was about a third of the time of inserting an item. `col = a OR …`
-- accepts and refuses exactly the same values (NULL included) with plain comparisons.
--
-- A CHECK cannot be altered in SQLite, so the tables are rebuilt. sqlx runs this in a
-- transaction with foreign keys on, where renaming a table rewrites the references to it; so
-- the tables that reference the rebuilt ones (push_merges, checkpoint_alerts) are rebuilt too:
-- all four are created under a _new name referencing each other's _new names, filled, the old
-- ones dropped children first, and the renames turn every _new reference into the real name.
-- The indexes are created again, except push_items (batch_id, id) (see below).

CREATE TABLE push_items_new (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES push_batches (id),
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    node_id      INTEGER REFERENCES grid_nodes (id),
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
    due_at       TEXT NOT NULL,
    verified_at  TEXT,
    updated_at   TEXT NOT NULL
);

CREATE TABLE push_merges_new (
    id        INTEGER PRIMARY KEY,
    batch_id  INTEGER NOT NULL REFERENCES push_batches (id),
    item_id   INTEGER NOT NULL REFERENCES push_items_new (id),
    row_no    INTEGER NOT NULL
);

CREATE TABLE checkpoint_scans_new (
    id             INTEGER PRIMARY KEY,
    checkpoint_id  INTEGER NOT NULL REFERENCES checkpoints (id),
    id_number      TEXT,
    plate          TEXT,
    temperature    REAL,
    direction      TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    code_colour    TEXT CHECK (code_colour = 'green' OR code_colour = 'yellow'
                       OR code_colour = 'red'),
    scanned_at     TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    CHECK (id_number IS NOT NULL OR plate IS NOT NULL)
);

CREATE TABLE checkpoint_alerts_new (
    id             INTEGER PRIMARY KEY,
    checkpoint_id  INTEGER NOT NULL REFERENCES checkpoints (id),
    scan_id        INTEGER NOT NULL REFERENCES checkpoint_scans_new (id),
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

INSERT INTO push_items_new SELECT * FROM push_items;
INSERT INTO push_merges_new SELECT * FROM push_merges;
INSERT INTO checkpoint_scans_new SELECT * FROM checkpoint_scans;
INSERT INTO checkpoint_alerts_new SELECT * FROM checkpoint_alerts;

DROP TABLE push_merges;
DROP TABLE checkpoint_alerts;
DROP TABLE push_items;
DROP TABLE checkpoint_scans;

ALTER TABLE push_items_new RENAME TO push_items;
ALTER TABLE push_merges_new RENAME TO push_merges;
ALTER TABLE checkpoint_scans_new RENAME TO checkpoint_scans;
ALTER TABLE checkpoint_alerts_new RENAME TO checkpoint_alerts;

-- A person has at most one open item: a second push merges into it.
CREATE UNIQUE INDEX push_items_one_open ON push_items (person_id)
    WHERE state IN ('pending', 'reached');
CREATE INDEX push_items_node ON push_items (node_id, id);
-- (batch_id, id) is not recreated: no SQLite plan used it (item lists filter a batch inside a
-- rowid-ordered scan, `$n IS NULL OR batch_id = $n`), and every imported row paid for it.
-- Overdue counts read only the open items past their deadline.
CREATE INDEX push_items_overdue ON push_items (due_at) WHERE state IN ('pending', 'reached');
CREATE INDEX push_merges_batch ON push_merges (batch_id, item_id);
CREATE INDEX push_merges_item ON push_merges (item_id);
-- appends stay at the end of each checkpoint's range; recent scans read it backwards
CREATE INDEX checkpoint_scans_cp ON checkpoint_scans (checkpoint_id, id);
CREATE INDEX checkpoint_alerts_node ON checkpoint_alerts (node_id, id);
CREATE INDEX checkpoint_alerts_item_node ON checkpoint_alerts (item_node_id, id);
CREATE INDEX checkpoint_alerts_cp ON checkpoint_alerts (checkpoint_id, id);
