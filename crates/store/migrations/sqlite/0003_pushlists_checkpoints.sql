-- Push lists (大数据推送核查) and checkpoints (卡口).
-- Kept in step with migrations/postgres/0003_pushlists_checkpoints.sql.
-- Timestamps are RFC 3339 UTC text; arrived_at is the local time upstream sent, without zone.

-- One uploaded file. Row counts are written when the import commits.
CREATE TABLE push_batches (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    due_hours      INTEGER NOT NULL CHECK (due_hours > 0),
    rows_total     INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    items_created  INTEGER NOT NULL DEFAULT 0,
    rows_merged    INTEGER NOT NULL DEFAULT 0,
    unassigned     INTEGER NOT NULL DEFAULT 0,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

-- One person to trace. node_id NULL is the unassigned queue (待分配).
CREATE TABLE push_items (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES push_batches (id),
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    node_id      INTEGER REFERENCES grid_nodes (id),
    row_no       INTEGER NOT NULL,
    origin       TEXT NOT NULL,
    arrived_at   TEXT,
    address      TEXT NOT NULL,
    note         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'reached', 'measures_in_place',
                     'left_district', 'not_found')),
    measures     TEXT,
    arrival_id   INTEGER,
    destination  TEXT,
    reason       TEXT,
    due_at       TEXT NOT NULL,
    verified_at  TEXT,
    updated_at   TEXT NOT NULL
);
-- A person has at most one open item: a second push merges into it.
CREATE UNIQUE INDEX push_items_one_open ON push_items (person_id)
    WHERE state IN ('pending', 'reached');
CREATE INDEX push_items_node ON push_items (node_id, id);
CREATE INDEX push_items_batch ON push_items (batch_id, id);
-- Overdue counts read only the open items past their deadline.
CREATE INDEX push_items_overdue ON push_items (due_at) WHERE state IN ('pending', 'reached');

-- A row of a later batch (or a repeated row of the same batch) that merged into an open item.
CREATE TABLE push_merges (
    id        INTEGER PRIMARY KEY,
    batch_id  INTEGER NOT NULL REFERENCES push_batches (id),
    item_id   INTEGER NOT NULL REFERENCES push_items (id),
    row_no    INTEGER NOT NULL
);
CREATE INDEX push_merges_batch ON push_merges (batch_id, item_id);
CREATE INDEX push_merges_item ON push_merges (item_id);

-- The error report of a batch: refused rows, one line per field.
CREATE TABLE push_row_errors (
    id        INTEGER PRIMARY KEY,
    batch_id  INTEGER NOT NULL REFERENCES push_batches (id),
    row_no    INTEGER NOT NULL,
    field     TEXT NOT NULL,
    message   TEXT NOT NULL
);
CREATE INDEX push_row_errors_batch ON push_row_errors (batch_id, row_no);

-- 见底清零 counters: items per batch, node (0 = unassigned) and state, changed in the same
-- transaction as the items, so the dashboard reads a few hundred rows, not every item.
CREATE TABLE push_counts (
    batch_id  INTEGER NOT NULL REFERENCES push_batches (id),
    node_key  INTEGER NOT NULL,
    state     TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (batch_id, node_key, state)
);

-- Configurable address → grid table: an address containing the keyword belongs to the node.
CREATE TABLE address_rules (
    id          INTEGER PRIMARY KEY,
    keyword     TEXT NOT NULL UNIQUE,
    node_id     INTEGER NOT NULL REFERENCES grid_nodes (id),
    created_at  TEXT NOT NULL
);

CREATE TABLE checkpoints (
    id          INTEGER PRIMARY KEY,
    node_id     INTEGER NOT NULL REFERENCES grid_nodes (id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('highway', 'estate', 'factory', 'supermarket',
                    'station', 'other')),
    location    TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TEXT NOT NULL,
    UNIQUE (node_id, name)
);
CREATE INDEX checkpoints_node ON checkpoints (node_id);

CREATE TABLE checkpoint_scans (
    id             INTEGER PRIMARY KEY,
    checkpoint_id  INTEGER NOT NULL REFERENCES checkpoints (id),
    id_number      TEXT,
    plate          TEXT,
    temperature    REAL,
    direction      TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    code_colour    TEXT CHECK (code_colour IN ('green', 'yellow', 'red')),
    scanned_at     TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    CHECK (id_number IS NOT NULL OR plate IS NOT NULL)
);
-- appends stay at the end of each checkpoint's range; recent scans read it backwards
CREATE INDEX checkpoint_scans_cp ON checkpoint_scans (checkpoint_id, id);

-- Per-checkpoint, per-hour counters, bumped in the transaction that stores the scans.
CREATE TABLE checkpoint_hourly (
    checkpoint_id  INTEGER NOT NULL REFERENCES checkpoints (id),
    hour           TEXT NOT NULL,
    scans          INTEGER NOT NULL,
    alerts         INTEGER NOT NULL,
    PRIMARY KEY (checkpoint_id, hour)
);

-- A scan that needs someone's attention: fever, red/yellow code, or a person on an open push
-- list. Visible to the checkpoint's node and, for a push-list person, to the tracing node.
CREATE TABLE checkpoint_alerts (
    id             INTEGER PRIMARY KEY,
    checkpoint_id  INTEGER NOT NULL REFERENCES checkpoints (id),
    scan_id        INTEGER NOT NULL REFERENCES checkpoint_scans (id),
    node_id        INTEGER NOT NULL REFERENCES grid_nodes (id),
    push_item_id   INTEGER REFERENCES push_items (id),
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
CREATE INDEX checkpoint_alerts_node ON checkpoint_alerts (node_id, id);
CREATE INDEX checkpoint_alerts_item_node ON checkpoint_alerts (item_node_id, id);
CREATE INDEX checkpoint_alerts_cp ON checkpoint_alerts (checkpoint_id, id);
