-- The person record is identity only. Kept in step with migrations/postgres/0008_person_records.sql.
--
-- persons keeps the ID number and what it encodes (birth date, sex); the name and phone move
-- to each module's own record (residents, arrivals, push_items), so what a module shows about a
-- person is what someone in scope recorded there, never what another grid or the public typed.
-- Records of one ID number that disagree are listed for staff who see both (data quality).
--
-- Arrivals lose UNIQUE (person_id, arrival_date): a repeat report is stored and shown to
-- those who can see both as a possible duplicate, instead of a refusal that tells the caller
-- someone else reported that person. A table constraint cannot be dropped in SQLite, so
-- arrivals is rebuilt with its two children (see 0004 for why the children are rebuilt too:
-- renaming arrivals_new rewrites their references to the real name).
--
-- resident_moves: registering a resident of another grid is a request (迁入申请) that the
-- current grid or a common superior confirms.

ALTER TABLE residents ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN phone TEXT;
UPDATE residents SET
    name = (SELECT p.name FROM persons p WHERE p.id = residents.person_id),
    phone = (SELECT p.phone FROM persons p WHERE p.id = residents.person_id);

ALTER TABLE push_items ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE push_items ADD COLUMN phone TEXT;
UPDATE push_items SET
    name = (SELECT p.name FROM persons p WHERE p.id = push_items.person_id),
    phone = (SELECT p.phone FROM persons p WHERE p.id = push_items.person_id);

CREATE TABLE arrivals_new (
    id               INTEGER PRIMARY KEY,
    person_id        INTEGER NOT NULL REFERENCES persons (id),
    node_id          INTEGER NOT NULL REFERENCES grid_nodes (id),
    destination      TEXT NOT NULL,
    origin_json      TEXT NOT NULL,
    travel_json      TEXT NOT NULL,
    occupation       TEXT NOT NULL,
    key_industry     BOOLEAN NOT NULL,
    arrival_date     TEXT NOT NULL,
    employer         TEXT NOT NULL,
    phone            TEXT NOT NULL,
    late             BOOLEAN NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('public', 'staff')),
    status           TEXT NOT NULL CHECK (status IN ('reported', 'arrived', 'under_measures',
                         'released', 'no_show')),
    origin_risk      TEXT NOT NULL CHECK (origin_risk IN ('none', 'low', 'medium', 'high')),
    risk_city_stay   BOOLEAN NOT NULL,
    other_province   BOOLEAN NOT NULL,
    policy_id        TEXT NOT NULL REFERENCES policies (id),
    rule_id          TEXT NOT NULL,
    category         TEXT NOT NULL,
    plan_json        TEXT NOT NULL,
    plan_end         TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT ''
);

CREATE TABLE arrival_events_new (
    arrival_id  INTEGER NOT NULL REFERENCES arrivals_new (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('starts', 'ends', 'test')),
    measure     TEXT
);

CREATE TABLE arrival_check_ins_new (
    id           INTEGER PRIMARY KEY,
    arrival_id   INTEGER NOT NULL REFERENCES arrivals_new (id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    temperature  REAL,
    note         TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (arrival_id, day)
);

INSERT INTO arrivals_new (id, person_id, node_id, destination, origin_json, travel_json,
    occupation, key_industry, arrival_date, employer, phone, late, channel, status, origin_risk,
    risk_city_stay, other_province, policy_id, rule_id, category, plan_json, plan_end,
    created_at, updated_at, name)
SELECT a.id, a.person_id, a.node_id, a.destination, a.origin_json, a.travel_json,
    a.occupation, a.key_industry, a.arrival_date, a.employer, a.phone, a.late, a.channel,
    a.status, a.origin_risk, a.risk_city_stay, a.other_province, a.policy_id, a.rule_id,
    a.category, a.plan_json, a.plan_end, a.created_at, a.updated_at, p.name
FROM arrivals a JOIN persons p ON p.id = a.person_id;
INSERT INTO arrival_events_new (arrival_id, day, kind, measure)
    SELECT arrival_id, day, kind, measure FROM arrival_events;
INSERT INTO arrival_check_ins_new (id, arrival_id, day, temperature, note, recorded_by, created_at)
    SELECT id, arrival_id, day, temperature, note, recorded_by, created_at FROM arrival_check_ins;

DROP TABLE arrival_events;
DROP TABLE arrival_check_ins;
DROP TABLE arrivals;
ALTER TABLE arrivals_new RENAME TO arrivals;
ALTER TABLE arrival_events_new RENAME TO arrival_events;
ALTER TABLE arrival_check_ins_new RENAME TO arrival_check_ins;

CREATE INDEX arrivals_node ON arrivals (node_id);
CREATE INDEX arrivals_date ON arrivals (arrival_date);
CREATE INDEX arrivals_status_end ON arrivals (status, plan_end);
CREATE INDEX arrivals_person_date ON arrivals (person_id, arrival_date);
CREATE INDEX arrival_events_day ON arrival_events (day, arrival_id);
CREATE INDEX arrival_events_arrival ON arrival_events (arrival_id);

ALTER TABLE persons DROP COLUMN name;
ALTER TABLE persons DROP COLUMN phone;


CREATE TABLE resident_moves (
    id            INTEGER PRIMARY KEY,
    resident_id   INTEGER NOT NULL REFERENCES residents (id),
    to_node_id    INTEGER NOT NULL REFERENCES grid_nodes (id),
    name          TEXT NOT NULL,
    phone         TEXT,
    address       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'rejected')),
    requested_by  TEXT NOT NULL,
    requested_at  TEXT NOT NULL,
    decided_by    TEXT,
    decided_at    TEXT
);
CREATE UNIQUE INDEX resident_moves_one_pending ON resident_moves (resident_id, to_node_id)
    WHERE state = 'pending';
CREATE INDEX resident_moves_to ON resident_moves (to_node_id, id);
