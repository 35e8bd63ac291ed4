-- Arrivals (来返报备): stored policy versions, the risk-area register, arrival reports with the
-- plan computed for each, the plan's dated events that the daily list reads, daily check-ins.
-- Kept in step with migrations/postgres/0002_arrivals.sql.

-- Policy files as loaded: a version is immutable once stored, so every plan can be re-derived.
CREATE TABLE policies (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    effective_from   TEXT NOT NULL,
    effective_until  TEXT,
    source           TEXT NOT NULL,
    loaded_at        TEXT NOT NULL
);

-- 风险地区名单: a county (code) or one street in it, with the period its level applies.
CREATE TABLE risk_areas (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL,
    street       TEXT,
    name         TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('low', 'medium', 'high')),
    valid_from   TEXT NOT NULL,
    valid_until  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX risk_areas_code ON risk_areas (code);

-- One report per person and arrival date; the person is the shared record of persons.
CREATE TABLE arrivals (
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
    -- last day of the last measure, NULL when the plan orders none
    plan_end         TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (person_id, arrival_date)
);
CREATE INDEX arrivals_node ON arrivals (node_id);
CREATE INDEX arrivals_date ON arrivals (arrival_date);
CREATE INDEX arrivals_status_end ON arrivals (status, plan_end);

-- The dated events of each plan (a measure starts or ends, a test is due), rewritten whenever
-- the plan is, so the daily list is an index lookup by day instead of a scan of every plan.
CREATE TABLE arrival_events (
    arrival_id  INTEGER NOT NULL REFERENCES arrivals (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('starts', 'ends', 'test')),
    measure     TEXT
);
CREATE INDEX arrival_events_day ON arrival_events (day, arrival_id);
CREATE INDEX arrival_events_arrival ON arrival_events (arrival_id);

-- 每日健康打卡 while under measures; a missing day shows on the next day's list.
CREATE TABLE arrival_check_ins (
    id           INTEGER PRIMARY KEY,
    arrival_id   INTEGER NOT NULL REFERENCES arrivals (id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    temperature  REAL,
    note         TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (arrival_id, day)
);
