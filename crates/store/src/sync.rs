//! Sync bookkeeping: what the server holds of each resource, the outbox's progress, conflicts
//! kept for a person, and the HL7 v2 interface log with its store-and-forward queue.

use sqlx::Row;

use crate::{Result, Tx, parse_ts};
use meridian_domain::time::Timestamp;

/// The last version of a resource that the local store and the server agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    pub rtype: String,
    pub id: String,
    /// The local version whose content the server holds.
    pub local_version: i64,
    /// The server's `versionId` for that content.
    pub server_version: String,
    pub synced_at: Timestamp,
}

/// A resource both sides changed since they last agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictRow {
    pub conflict_id: i64,
    pub rtype: String,
    pub id: String,
    pub patient_id: Option<String>,
    pub local_version: i64,
    pub base_version: Option<i64>,
    pub server_version: String,
    /// `None` when the server deleted the record.
    pub server_body: Option<Vec<u8>>,
    pub detected_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hl7Direction {
    In,
    Out,
}

impl Hl7Direction {
    fn as_str(self) -> &'static str {
        match self {
            Hl7Direction::In => "in",
            Hl7Direction::Out => "out",
        }
    }
}

/// One HL7 v2 message in the interface log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hl7Row {
    pub seq: i64,
    pub direction: Hl7Direction,
    pub peer: String,
    pub control_id: String,
    pub message_type: String,
    /// Left empty by listings that do not ask for bodies.
    pub body: Vec<u8>,
    pub created_at: Timestamp,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub ack_code: Option<String>,
    pub acked_at: Option<Timestamp>,
}

fn conflict(row: &sqlx::sqlite::SqliteRow) -> Result<ConflictRow> {
    Ok(ConflictRow {
        conflict_id: row.try_get("conflict_id")?,
        rtype: row.try_get("rtype")?,
        id: row.try_get("id")?,
        patient_id: row.try_get("patient_id")?,
        local_version: row.try_get("local_version")?,
        base_version: row.try_get("base_version")?,
        server_version: row.try_get("server_version")?,
        server_body: row.try_get("server_body")?,
        detected_at: parse_ts(row.try_get::<&str, _>("detected_at")?),
        resolved_at: row.try_get::<Option<&str>, _>("resolved_at")?.map(parse_ts),
        resolution: row.try_get("resolution")?,
        resolved_by: row.try_get("resolved_by")?,
    })
}

fn hl7_row(row: &sqlx::sqlite::SqliteRow, with_body: bool) -> Result<Hl7Row> {
    Ok(Hl7Row {
        seq: row.try_get("seq")?,
        direction: if row.try_get::<&str, _>("direction")? == "in" { Hl7Direction::In } else { Hl7Direction::Out },
        peer: row.try_get("peer")?,
        control_id: row.try_get("control_id")?,
        message_type: row.try_get("message_type")?,
        body: if with_body { row.try_get("body")? } else { Vec::new() },
        created_at: parse_ts(row.try_get::<&str, _>("created_at")?),
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        ack_code: row.try_get("ack_code")?,
        acked_at: row.try_get::<Option<&str>, _>("acked_at")?.map(parse_ts),
    })
}

macro_rules! conflict_columns {
    () => {
        "conflict_id, rtype, id, patient_id, local_version, base_version, server_version, \
         server_body, detected_at, resolved_at, resolution, resolved_by"
    };
}

macro_rules! hl7_columns {
    () => {
        "seq, direction, peer, control_id, message_type, created_at, attempts, last_error, ack_code, acked_at"
    };
}

impl Tx {
    pub async fn sync_state(&mut self, rtype: &str, id: &str) -> Result<Option<SyncState>> {
        let row = sqlx::query("SELECT local_version, server_version, synced_at FROM sync_state WHERE rtype = ? AND id = ?")
            .bind(rtype)
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(|r| {
            Ok(SyncState {
                rtype: rtype.to_owned(),
                id: id.to_owned(),
                local_version: r.try_get("local_version")?,
                server_version: r.try_get("server_version")?,
                synced_at: parse_ts(r.try_get::<&str, _>("synced_at")?),
            })
        })
        .transpose()
    }

    /// Records that the server holds `local_version` of the resource as `server_version`.
    pub async fn set_sync_state(&mut self, rtype: &str, id: &str, local_version: i64, server_version: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO sync_state (rtype, id, local_version, server_version, synced_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (rtype, id) DO UPDATE SET local_version = excluded.local_version, \
             server_version = excluded.server_version, synced_at = excluded.synced_at",
        )
        .bind(rtype)
        .bind(id)
        .bind(local_version)
        .bind(server_version)
        .bind(self.now.to_rfc3339())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Marks every pending outbox row of the resource up to `version` as sent; returns how many.
    pub async fn mark_outbox_sent(&mut self, rtype: &str, id: &str, version: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET sent_at = ?, last_error = NULL WHERE rtype = ? AND id = ? AND version <= ? AND sent_at IS NULL",
        )
        .bind(self.now.to_rfc3339())
        .bind(rtype)
        .bind(id)
        .bind(version)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected())
    }

    /// Counts a failed attempt on the resource's pending outbox rows. `error` must carry no
    /// patient data (it is shown in the interface log).
    pub async fn record_outbox_failure(&mut self, rtype: &str, id: &str, error: &str) -> Result<()> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE rtype = ? AND id = ? AND sent_at IS NULL")
            .bind(error)
            .bind(rtype)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Pending outbox rows after `after_seq`, oldest first: a cursor, so rows left pending (a
    /// conflict, a refusal) do not hold up the ones behind them.
    pub async fn pending_outbox_after(&mut self, after_seq: i64, limit: i64) -> Result<Vec<crate::OutboxEntry>> {
        // Sequence numbers start at 1, so 0 means from the beginning.
        let rows = sqlx::query(
            "SELECT seq, rtype, id, version, op, attempts FROM outbox WHERE sent_at IS NULL AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(crate::OutboxEntry {
                    seq: r.try_get("seq")?,
                    rtype: r.try_get("rtype")?,
                    id: r.try_get("id")?,
                    version: r.try_get("version")?,
                    op: r.try_get("op")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect()
    }

    pub async fn pending_outbox_count(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetch_one(&mut *self.tx).await?)
    }

    /// The most recent failure recorded on a pending outbox row, if any.
    pub async fn last_outbox_error(&mut self) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT last_error FROM outbox WHERE sent_at IS NULL AND last_error IS NOT NULL ORDER BY seq LIMIT 1",
        )
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    pub async fn open_conflict(&mut self, rtype: &str, id: &str) -> Result<Option<ConflictRow>> {
        let sql = concat!("SELECT ", conflict_columns!(), " FROM sync_conflict WHERE rtype = ? AND id = ? AND resolved_at IS NULL");
        let row = sqlx::query(sql).bind(rtype).bind(id).fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(conflict).transpose()
    }

    /// Keeps a conflict for a person to decide; replaces the server side of an open one for
    /// the same resource (the server moved on again).
    pub async fn record_conflict(&mut self, c: &ConflictRow) -> Result<i64> {
        if let Some(open) = self.open_conflict(&c.rtype, &c.id).await? {
            sqlx::query("UPDATE sync_conflict SET local_version = ?, server_version = ?, server_body = ? WHERE conflict_id = ?")
                .bind(c.local_version)
                .bind(&c.server_version)
                .bind(&c.server_body)
                .bind(open.conflict_id)
                .execute(&mut *self.tx)
                .await?;
            return Ok(open.conflict_id);
        }
        Ok(sqlx::query_scalar(
            "INSERT INTO sync_conflict (rtype, id, patient_id, local_version, base_version, server_version, server_body, detected_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING conflict_id",
        )
        .bind(&c.rtype)
        .bind(&c.id)
        .bind(&c.patient_id)
        .bind(c.local_version)
        .bind(c.base_version)
        .bind(&c.server_version)
        .bind(&c.server_body)
        .bind(self.now.to_rfc3339())
        .fetch_one(&mut *self.tx)
        .await?)
    }

    pub async fn open_conflict_count(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL").fetch_one(&mut *self.tx).await?)
    }

    /// Outbound HL7 messages not yet acknowledged (uses the queue's partial index).
    pub async fn pending_hl7_out_count(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM hl7_message WHERE direction = 'out' AND acked_at IS NULL")
            .fetch_one(&mut *self.tx)
            .await?)
    }

    pub async fn conflict(&mut self, conflict_id: i64) -> Result<Option<ConflictRow>> {
        let sql = concat!("SELECT ", conflict_columns!(), " FROM sync_conflict WHERE conflict_id = ?");
        let row = sqlx::query(sql).bind(conflict_id).fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(conflict).transpose()
    }

    /// Open conflicts, oldest first.
    pub async fn open_conflicts(&mut self, limit: i64) -> Result<Vec<ConflictRow>> {
        let sql = concat!("SELECT ", conflict_columns!(), " FROM sync_conflict WHERE resolved_at IS NULL ORDER BY conflict_id LIMIT ?");
        let rows = sqlx::query(sql).bind(limit).fetch_all(&mut *self.tx).await?;
        rows.iter().map(conflict).collect()
    }

    pub async fn resolve_conflict(&mut self, conflict_id: i64, resolution: &str, by: &str) -> Result<()> {
        sqlx::query("UPDATE sync_conflict SET resolved_at = ?, resolution = ?, resolved_by = ? WHERE conflict_id = ? AND resolved_at IS NULL")
            .bind(self.now.to_rfc3339())
            .bind(resolution)
            .bind(by)
            .bind(conflict_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Adds a message to the interface log (and, outbound, to the send queue).
    pub async fn insert_hl7(&mut self, direction: Hl7Direction, peer: &str, control_id: &str, message_type: &str, body: &[u8]) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO hl7_message (direction, peer, control_id, message_type, body, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
        )
        .bind(direction.as_str())
        .bind(peer)
        .bind(control_id)
        .bind(message_type)
        .bind(body)
        .bind(self.now.to_rfc3339())
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// The ACK already sent for an inbound message with this sender and control id, if it was
    /// processed before (the sender lost our ACK and resent).
    pub async fn hl7_inbound_ack(&mut self, peer: &str, control_id: &str) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar(
            "SELECT ack_body FROM hl7_message WHERE direction = 'in' AND peer = ? AND control_id = ? AND ack_body IS NOT NULL",
        )
        .bind(peer)
        .bind(control_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    pub async fn set_hl7_ack(&mut self, seq: i64, ack_code: &str, ack_body: Option<&[u8]>) -> Result<()> {
        sqlx::query("UPDATE hl7_message SET ack_code = ?, ack_body = ?, acked_at = ?, last_error = NULL WHERE seq = ?")
            .bind(ack_code)
            .bind(ack_body)
            .bind(self.now.to_rfc3339())
            .bind(seq)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn record_hl7_failure(&mut self, seq: i64, error: &str) -> Result<()> {
        sqlx::query("UPDATE hl7_message SET attempts = attempts + 1, last_error = ? WHERE seq = ?")
            .bind(error)
            .bind(seq)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Outbound messages not yet acknowledged, oldest first, with bodies.
    pub async fn pending_hl7_out(&mut self, peer: &str, limit: i64) -> Result<Vec<Hl7Row>> {
        let sql = concat!("SELECT ", hl7_columns!(), ", body FROM hl7_message WHERE direction = 'out' AND peer = ? AND acked_at IS NULL ORDER BY seq LIMIT ?");
        let rows = sqlx::query(sql).bind(peer).bind(limit).fetch_all(&mut *self.tx).await?;
        rows.iter().map(|r| hl7_row(r, true)).collect()
    }

    /// The interface log, newest first, without bodies.
    pub async fn hl7_log(&mut self, direction: Option<Hl7Direction>, limit: i64) -> Result<Vec<Hl7Row>> {
        let sql = concat!("SELECT ", hl7_columns!(), " FROM hl7_message WHERE (?1 IS NULL OR direction = ?1) ORDER BY seq DESC LIMIT ?2");
        let rows = sqlx::query(sql)
            .bind(direction.map(Hl7Direction::as_str))
            .bind(limit)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(|r| hl7_row(r, false)).collect()
    }

    pub async fn hl7_message(&mut self, seq: i64) -> Result<Option<Hl7Row>> {
        let sql = concat!("SELECT ", hl7_columns!(), ", body FROM hl7_message WHERE seq = ?");
        let row = sqlx::query(sql).bind(seq).fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(|r| hl7_row(r, true)).transpose()
    }
}
