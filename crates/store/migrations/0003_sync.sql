-- What the hospital's FHIR server holds of each local resource: the last version both sides
-- agreed on. A resource changed locally since `local_version` and on the server since
-- `server_version` is a conflict.
CREATE TABLE sync_state (
    rtype          TEXT NOT NULL,
    id             TEXT NOT NULL,
    local_version  INTEGER NOT NULL,
    server_version TEXT NOT NULL,
    synced_at      TEXT NOT NULL,
    PRIMARY KEY (rtype, id)
) WITHOUT ROWID;

-- Records both sides changed, kept for a person to decide. At most one open per resource.
CREATE TABLE sync_conflict (
    conflict_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    rtype          TEXT NOT NULL,
    id             TEXT NOT NULL,
    patient_id     TEXT,
    local_version  INTEGER NOT NULL,
    base_version   INTEGER,
    server_version TEXT NOT NULL,
    server_body    BLOB,                -- NULL when the server deleted the record
    detected_at    TEXT NOT NULL,
    resolved_at    TEXT,
    resolution     TEXT,                -- 'keep-local' | 'take-server'
    resolved_by    TEXT
);
CREATE UNIQUE INDEX sync_conflict_open ON sync_conflict (rtype, id) WHERE resolved_at IS NULL;

-- HL7 v2 messages in and out: the interface log, the store-and-forward queue for outbound
-- messages, and duplicate detection for inbound ones (a sender that lost our ACK resends).
CREATE TABLE hl7_message (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    direction    TEXT NOT NULL,         -- 'in' | 'out'
    peer         TEXT NOT NULL,         -- route name (outbound) or sending application (inbound)
    control_id   TEXT NOT NULL,
    message_type TEXT NOT NULL,         -- e.g. 'ORU^R01'
    body         BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    ack_code     TEXT,
    ack_body     BLOB,
    acked_at     TEXT
);
CREATE INDEX hl7_out_pending ON hl7_message (seq) WHERE direction = 'out' AND acked_at IS NULL;
CREATE UNIQUE INDEX hl7_in_seen ON hl7_message (peer, control_id) WHERE direction = 'in';

-- Marking a resource's pending rows sent (or failed) must not scan the whole outbox.
CREATE INDEX outbox_pending_resource ON outbox (rtype, id) WHERE sent_at IS NULL;
