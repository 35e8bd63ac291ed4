-- 全员核酸 (issue 15): a campaign (one round), its sampling points, the tubes opened at them and
-- the people sampled into each. Kept in step with migrations/postgres/0011_mass_testing.sql.
--
-- One person, one tube a campaign: UNIQUE (campaign_id, person_id) on test_samples, so two
-- collectors scanning the same person at once cannot both succeed. A tube's `members` counts
-- its samples and is raised by one guarded UPDATE (members < pool_size AND state = 'open'), so
-- a tube never takes more than its size, on either backend. CHECKs are OR'd equalities (0004).

CREATE TABLE test_campaigns (
    id          INTEGER PRIMARY KEY,
    node_id     INTEGER NOT NULL REFERENCES grid_nodes (id),
    name        TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    pool_size   INTEGER NOT NULL CHECK (pool_size = 1 OR pool_size = 5 OR pool_size = 10 OR pool_size = 20),
    created_at  TEXT NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX test_campaigns_node ON test_campaigns (node_id);

CREATE TABLE test_points (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES test_campaigns (id),
    node_id      INTEGER NOT NULL REFERENCES grid_nodes (id),
    name         TEXT NOT NULL,
    hours        TEXT NOT NULL,
    staff        TEXT NOT NULL,
    -- NULL: the campaign's
    pool_size    INTEGER CHECK (pool_size = 1 OR pool_size = 5 OR pool_size = 10 OR pool_size = 20),
    created_at   TEXT NOT NULL,
    UNIQUE (campaign_id, name)
);

CREATE TABLE test_tubes (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES test_campaigns (id),
    point_id     INTEGER NOT NULL REFERENCES test_points (id),
    barcode      TEXT NOT NULL UNIQUE,
    pool_size    INTEGER NOT NULL,
    members      INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL CHECK (state = 'open' OR state = 'sealed'),
    result       TEXT CHECK (result = 'negative' OR result = 'positive' OR result = 'inconclusive'),
    opened_at    TEXT NOT NULL,
    sealed_at    TEXT,
    result_at    TEXT,
    CHECK (members <= pool_size)
);
CREATE INDEX test_tubes_point ON test_tubes (point_id);

CREATE TABLE test_samples (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES test_campaigns (id),
    tube_id      INTEGER NOT NULL REFERENCES test_tubes (id),
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    -- as the collector typed them (a person not in the register has no other record)
    name         TEXT NOT NULL,
    phone        TEXT,
    -- in the resident register of the campaign's area when sampled; otherwise 流动人口
    in_register  BOOLEAN NOT NULL,
    sampled_at   TEXT NOT NULL,
    UNIQUE (campaign_id, person_id)
);
CREATE INDEX test_samples_tube ON test_samples (tube_id);
