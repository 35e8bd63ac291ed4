-- Foundation: grid tree, users, sessions, API tokens, persons, residents, audit log.
-- Timestamps are RFC 3339 UTC text (sqlx's DateTime<Utc>), dates are YYYY-MM-DD text.

CREATE TABLE grid_nodes (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('district', 'township', 'community', 'grid')),
    parent_id   INTEGER REFERENCES grid_nodes (id),
    path        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);
CREATE INDEX grid_nodes_parent ON grid_nodes (parent_id);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('district_admin', 'township_officer', 'grid_worker',
                       'department_handler', 'enterprise_contact', 'checkpoint_operator', 'lab_operator')),
    node_id        INTEGER NOT NULL REFERENCES grid_nodes (id),
    password_hash  TEXT NOT NULL,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX users_node ON users (node_id);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
);

-- One person per ID number across every module; modules link here.
CREATE TABLE persons (
    id          INTEGER PRIMARY KEY,
    id_number   TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    phone       TEXT,
    birth_date  TEXT NOT NULL,
    sex         TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- 常住人口登记: the resident register, one row per person, placed in a grid.
CREATE TABLE residents (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL UNIQUE REFERENCES persons (id),
    node_id     INTEGER NOT NULL REFERENCES grid_nodes (id),
    address     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX residents_node ON residents (node_id);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    user_id      INTEGER,
    username     TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    node_path    TEXT,
    before_json  TEXT,
    after_json   TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- The audit log is append-only, whoever holds the database file.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
