-- Meridian local store, schema 1.
-- Resource bodies are FHIR R4 JSON. Every write appends a row to resource_version; rows there
-- are never updated or deleted. resource_head points at each resource's current version and
-- carries the columns that indexes need.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE resource_version (
    vid         INTEGER PRIMARY KEY,
    rtype       TEXT NOT NULL,
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    origin      TEXT NOT NULL,            -- 'local' or 'remote' (pulled by sync)
    author      TEXT,                     -- user id that wrote it
    body        BLOB,                     -- NULL for a tombstone
    UNIQUE (rtype, id, version)
);

CREATE TABLE resource_head (
    rtype      TEXT NOT NULL,
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    vid        INTEGER NOT NULL REFERENCES resource_version(vid),
    deleted    INTEGER NOT NULL DEFAULT 0,
    patient_id TEXT,
    PRIMARY KEY (rtype, id)
) WITHOUT ROWID;
CREATE INDEX resource_head_patient ON resource_head (patient_id, rtype) WHERE patient_id IS NOT NULL;

-- Every local change leaves exactly one outbox row in the same transaction.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    rtype      TEXT NOT NULL,
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    op         TEXT NOT NULL,             -- 'upsert' or 'delete'
    created_at TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at    TEXT
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL;

-- Patient search.
CREATE TABLE patient_index (
    patient_id  TEXT PRIMARY KEY NOT NULL,
    family      TEXT NOT NULL,            -- normalised
    given       TEXT NOT NULL,            -- normalised, space separated
    birth_date  TEXT,
    sex         TEXT,
    active      INTEGER NOT NULL DEFAULT 1,
    merged_into TEXT
) WITHOUT ROWID;
CREATE INDEX patient_index_birth ON patient_index (birth_date);

CREATE TABLE name_token (
    token      TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    PRIMARY KEY (token, patient_id)
) WITHOUT ROWID;

CREATE TABLE identifier_index (
    value      TEXT NOT NULL,             -- normalised (upper case, no hyphens or spaces)
    system     TEXT NOT NULL,
    rtype      TEXT NOT NULL,
    id         TEXT NOT NULL,
    PRIMARY KEY (value, system, rtype, id)
) WITHOUT ROWID;

CREATE TABLE mpi_block (
    key        TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    PRIMARY KEY (key, patient_id)
) WITHOUT ROWID;

-- Observations by patient, category and time (flowsheets, latest vitals, last labs).
CREATE TABLE observation_index (
    patient_id TEXT NOT NULL,
    category   TEXT NOT NULL,
    effective  TEXT NOT NULL,             -- RFC 3339 UTC, sorts in time order
    id         TEXT NOT NULL,
    code       TEXT NOT NULL,
    PRIMARY KEY (patient_id, category, effective, id)
) WITHOUT ROWID;
CREATE INDEX observation_by_code ON observation_index (patient_id, code, effective);

-- Users, care relationships and break-the-glass declarations.
CREATE TABLE app_user (
    id               TEXT PRIMARY KEY NOT NULL,
    username         TEXT NOT NULL UNIQUE,
    display_name     TEXT NOT NULL,
    role             TEXT NOT NULL,
    practitioner_id  TEXT,
    password_hash    TEXT,
    totp_secret      TEXT,
    totp_last_step   INTEGER,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE care_relationship (
    user_id    TEXT NOT NULL REFERENCES app_user(id),
    patient_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    since      TEXT NOT NULL,
    PRIMARY KEY (user_id, patient_id)
) WITHOUT ROWID;
CREATE INDEX care_relationship_patient ON care_relationship (patient_id);

CREATE TABLE break_glass (
    id          INTEGER PRIMARY KEY,
    user_id     TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    at          TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_at TEXT
);
CREATE INDEX break_glass_active ON break_glass (user_id, patient_id, expires_at);

-- The audit trail: append-only, hash-chained. seq is assigned as previous + 1, so a deleted
-- row leaves a gap; audit_head (in meta) records the last seq and MAC so truncation shows.
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    user_id       TEXT NOT NULL,
    role          TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_type TEXT,
    resource_id   TEXT,
    patient_id    TEXT,
    outcome       TEXT NOT NULL,
    flagged       INTEGER NOT NULL,
    detail        TEXT,
    prev_mac      BLOB NOT NULL,
    mac           BLOB NOT NULL
);
CREATE INDEX audit_by_patient ON audit_log (patient_id, seq) WHERE patient_id IS NOT NULL;
