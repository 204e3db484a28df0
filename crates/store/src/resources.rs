//! Versioned resources, their index entries and the outbox.

use sqlx::Row;

use crate::{Result, StoreError, Tx, parse_ts};
use meridian_domain::time::Timestamp;

/// Where a version came from. Remote versions (pulled from a hospital server) leave no outbox
/// row, so sync never echoes them back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Local,
    Remote,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Local => "local",
            Origin::Remote => "remote",
        }
    }
}

/// Search entries for a Patient resource. Names arrive normalised by the caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatientIndex {
    pub family: String,
    pub given: String,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub active: bool,
    pub merged_into: Option<String>,
    /// Prefix-searchable name tokens.
    pub tokens: Vec<String>,
    /// Normalised identifier values with their systems.
    pub identifiers: Vec<(String, String)>,
    /// Master patient index blocking keys.
    pub blocking_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObservationIndex {
    pub category: String,
    pub code: String,
    /// RFC 3339 UTC text (sorts in time order).
    pub effective: String,
}

/// The index entries a new version contributes.
#[derive(Debug, Clone, PartialEq)]
pub enum Index {
    None,
    Patient(Box<PatientIndex>),
    Observation(ObservationIndex),
}

/// One version to write.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub rtype: &'a str,
    pub id: &'a str,
    /// Must be the current version plus one (1 for a new resource): optimistic concurrency.
    pub version: i64,
    pub body: &'a [u8],
    pub patient_id: Option<&'a str>,
    pub author: &'a str,
    pub origin: Origin,
    pub index: Index,
}

/// A resource's current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub version: i64,
    pub deleted: bool,
    pub patient_id: Option<String>,
}

/// A stored version with its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub rtype: String,
    pub id: String,
    pub version: i64,
    pub recorded_at: Timestamp,
    pub deleted: bool,
    pub body: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub seq: i64,
    pub rtype: String,
    pub id: String,
    pub version: i64,
    pub op: String,
    pub attempts: i64,
}

fn stored(row: &sqlx::sqlite::SqliteRow) -> Result<Stored> {
    Ok(Stored {
        rtype: row.try_get("rtype")?,
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        recorded_at: parse_ts(row.try_get::<&str, _>("recorded_at")?),
        deleted: row.try_get::<i64, _>("deleted")? != 0,
        body: row.try_get("body")?,
    })
}

const SELECT_OBSERVATIONS: &str = "SELECT v.rtype, v.id, v.version, v.recorded_at, v.deleted, v.body \
     FROM observation_index o CROSS JOIN resource_head h CROSS JOIN resource_version v \
     ON h.rtype = 'Observation' AND h.id = o.id AND v.vid = h.vid";

const SELECT_HEAD_BODY: &str = "SELECT v.rtype, v.id, v.version, v.recorded_at, v.deleted, v.body \
     FROM resource_head h JOIN resource_version v ON v.vid = h.vid";

impl Tx {
    pub async fn head(&mut self, rtype: &str, id: &str) -> Result<Option<Head>> {
        let row = sqlx::query("SELECT version, deleted, patient_id FROM resource_head WHERE rtype = ? AND id = ?")
            .bind(rtype)
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(|r| {
            Ok(Head {
                version: r.try_get("version")?,
                deleted: r.try_get::<i64, _>("deleted")? != 0,
                patient_id: r.try_get("patient_id")?,
            })
        })
        .transpose()
    }

    /// Appends a version, moves the head, replaces the resource's index entries and, for a local
    /// change, queues it in the outbox: all in this transaction.
    pub async fn put(&mut self, v: NewVersion<'_>) -> Result<()> {
        let current = self.head(v.rtype, v.id).await?.map_or(0, |h| h.version);
        if v.version != current + 1 {
            return Err(StoreError::VersionConflict {
                rtype: v.rtype.to_owned(),
                id: v.id.to_owned(),
                expected: v.version - 1,
                current,
            });
        }
        if current > 0 {
            // Before the head moves: the observation index is keyed by the old head's patient.
            self.clear_index(v.rtype, v.id).await?;
        }
        let now = self.now.to_rfc3339();
        let vid: i64 = sqlx::query_scalar(
            "INSERT INTO resource_version (rtype, id, version, recorded_at, deleted, origin, author, body) \
             VALUES (?, ?, ?, ?, 0, ?, ?, ?) RETURNING vid",
        )
        .bind(v.rtype)
        .bind(v.id)
        .bind(v.version)
        .bind(&now)
        .bind(v.origin.as_str())
        .bind(v.author)
        .bind(v.body)
        .fetch_one(&mut *self.tx)
        .await?;
        sqlx::query(
            "INSERT INTO resource_head (rtype, id, version, vid, deleted, patient_id) VALUES (?, ?, ?, ?, 0, ?) \
             ON CONFLICT (rtype, id) DO UPDATE SET version = excluded.version, vid = excluded.vid, \
             deleted = 0, patient_id = excluded.patient_id",
        )
        .bind(v.rtype)
        .bind(v.id)
        .bind(v.version)
        .bind(vid)
        .bind(v.patient_id)
        .execute(&mut *self.tx)
        .await?;
        self.write_index(v.rtype, v.id, v.patient_id, &v.index).await?;
        if v.origin == Origin::Local {
            self.enqueue(v.rtype, v.id, v.version, "upsert", &now).await?;
        }
        Ok(())
    }

    /// Writes a tombstone version: the resource disappears from reads and indexes, its history
    /// stays.
    pub async fn delete(&mut self, rtype: &str, id: &str, author: &str, origin: Origin) -> Result<i64> {
        let head = self.head(rtype, id).await?.ok_or_else(|| StoreError::Missing {
            rtype: rtype.to_owned(),
            id: id.to_owned(),
        })?;
        if head.deleted {
            return Err(StoreError::Gone { rtype: rtype.to_owned(), id: id.to_owned() });
        }
        let version = head.version + 1;
        self.clear_index(rtype, id).await?;
        let now = self.now.to_rfc3339();
        let vid: i64 = sqlx::query_scalar(
            "INSERT INTO resource_version (rtype, id, version, recorded_at, deleted, origin, author, body) \
             VALUES (?, ?, ?, ?, 1, ?, ?, NULL) RETURNING vid",
        )
        .bind(rtype)
        .bind(id)
        .bind(version)
        .bind(&now)
        .bind(origin.as_str())
        .bind(author)
        .fetch_one(&mut *self.tx)
        .await?;
        sqlx::query("UPDATE resource_head SET version = ?, vid = ?, deleted = 1 WHERE rtype = ? AND id = ?")
            .bind(version)
            .bind(vid)
            .bind(rtype)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        if origin == Origin::Local {
            self.enqueue(rtype, id, version, "delete", &now).await?;
        }
        Ok(version)
    }

    async fn enqueue(&mut self, rtype: &str, id: &str, version: i64, op: &str, now: &str) -> Result<()> {
        sqlx::query("INSERT INTO outbox (rtype, id, version, op, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(rtype)
            .bind(id)
            .bind(version)
            .bind(op)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn clear_index(&mut self, rtype: &str, id: &str) -> Result<()> {
        match rtype {
            "Patient" => {
                for sql in [
                    "DELETE FROM patient_index WHERE patient_id = ?",
                    "DELETE FROM name_token WHERE patient_id = ?",
                    "DELETE FROM mpi_block WHERE patient_id = ?",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *self.tx).await?;
                }
                sqlx::query("DELETE FROM identifier_index WHERE rtype = 'Patient' AND id = ?")
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await?;
            }
            "Observation" => {
                sqlx::query("DELETE FROM observation_index WHERE id = ? AND patient_id = (SELECT patient_id FROM resource_head WHERE rtype = 'Observation' AND id = ?)")
                    .bind(id)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn write_index(&mut self, rtype: &str, id: &str, patient_id: Option<&str>, index: &Index) -> Result<()> {
        match index {
            Index::None => {}
            Index::Patient(p) => {
                sqlx::query(
                    "INSERT INTO patient_index (patient_id, family, given, birth_date, sex, active, merged_into) \
                     VALUES (?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(id)
                .bind(&p.family)
                .bind(&p.given)
                .bind(&p.birth_date)
                .bind(&p.sex)
                .bind(p.active)
                .bind(&p.merged_into)
                .execute(&mut *self.tx)
                .await?;
                for t in &p.tokens {
                    sqlx::query("INSERT OR IGNORE INTO name_token (token, patient_id) VALUES (?, ?)")
                        .bind(t)
                        .bind(id)
                        .execute(&mut *self.tx)
                        .await?;
                }
                for (system, value) in &p.identifiers {
                    sqlx::query("INSERT OR IGNORE INTO identifier_index (value, system, rtype, id) VALUES (?, ?, ?, ?)")
                        .bind(value)
                        .bind(system)
                        .bind(rtype)
                        .bind(id)
                        .execute(&mut *self.tx)
                        .await?;
                }
                for k in &p.blocking_keys {
                    sqlx::query("INSERT OR IGNORE INTO mpi_block (key, patient_id) VALUES (?, ?)")
                        .bind(k)
                        .bind(id)
                        .execute(&mut *self.tx)
                        .await?;
                }
            }
            Index::Observation(o) => {
                if let Some(patient) = patient_id {
                    sqlx::query(
                        "INSERT OR REPLACE INTO observation_index (patient_id, category, effective, id, code) VALUES (?, ?, ?, ?, ?)",
                    )
                    .bind(patient)
                    .bind(&o.category)
                    .bind(&o.effective)
                    .bind(id)
                    .bind(&o.code)
                    .execute(&mut *self.tx)
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// The current version, or `None` if the resource never existed. A deleted resource returns
    /// its tombstone (`deleted: true`, no body).
    pub async fn read(&mut self, rtype: &str, id: &str) -> Result<Option<Stored>> {
        let sql = format!("{SELECT_HEAD_BODY} WHERE h.rtype = ? AND h.id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(rtype)
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(stored).transpose()
    }

    pub async fn read_version(&mut self, rtype: &str, id: &str, version: i64) -> Result<Option<Stored>> {
        let row = sqlx::query(
            "SELECT rtype, id, version, recorded_at, deleted, body FROM resource_version WHERE rtype = ? AND id = ? AND version = ?",
        )
        .bind(rtype)
        .bind(id)
        .bind(version)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(stored).transpose()
    }

    /// Every version, oldest first.
    pub async fn history(&mut self, rtype: &str, id: &str) -> Result<Vec<Stored>> {
        let rows = sqlx::query(
            "SELECT rtype, id, version, recorded_at, deleted, body FROM resource_version WHERE rtype = ? AND id = ? ORDER BY version",
        )
        .bind(rtype)
        .bind(id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(stored).collect()
    }

    /// A patient's live resources of one type, in write order.
    pub async fn patient_resources(&mut self, patient_id: &str, rtype: &str) -> Result<Vec<Stored>> {
        // Without the hint SQLite walks every head of the type (the primary key starts with rtype):
        // 12 ms per type at 11 million resources instead of a fraction of one.
        let sql = "SELECT v.rtype, v.id, v.version, v.recorded_at, v.deleted, v.body \
             FROM resource_head h INDEXED BY resource_head_patient JOIN resource_version v ON v.vid = h.vid \
             WHERE h.patient_id = ? AND h.rtype = ? AND h.deleted = 0 ORDER BY h.vid";
        let rows = sqlx::query(sql).bind(patient_id).bind(rtype).fetch_all(&mut *self.tx).await?;
        rows.iter().map(stored).collect()
    }

    /// A patient's observations of one category, newest first.
    pub async fn observations(&mut self, patient_id: &str, category: &str, limit: i64) -> Result<Vec<Stored>> {
        // CROSS JOIN fixes the join order in SQLite: walk the patient's slice of the observation
        // index newest first, then fetch just those heads and bodies.
        let sql = format!(
            "{SELECT_OBSERVATIONS} WHERE o.patient_id = ? AND o.category = ? ORDER BY o.effective DESC, o.id DESC LIMIT ?"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(patient_id)
            .bind(category)
            .bind(limit)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(stored).collect()
    }

    /// A patient's observations with one code, newest first (a flowsheet row, a trend plot).
    pub async fn observations_by_code(&mut self, patient_id: &str, code: &str, limit: i64) -> Result<Vec<Stored>> {
        let sql = format!(
            "{SELECT_OBSERVATIONS} WHERE o.patient_id = ? AND o.code = ? ORDER BY o.effective DESC, o.id DESC LIMIT ?"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(patient_id)
            .bind(code)
            .bind(limit)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(stored).collect()
    }

    /// The oldest outbox entries not yet sent.
    pub async fn pending_outbox(&mut self, limit: i64) -> Result<Vec<OutboxEntry>> {
        self.pending_outbox_after(0, limit).await
    }

    /// Checks the invariant between versions and outbox: every local version has exactly one
    /// outbox row with the same type, id and version, and no outbox row lacks its version.
    /// Returns the number of disagreements.
    pub async fn outbox_disagreements(&mut self) -> Result<i64> {
        let missing: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM resource_version v WHERE v.origin = 'local' AND \
             (SELECT count(*) FROM outbox o WHERE o.rtype = v.rtype AND o.id = v.id AND o.version = v.version) != 1",
        )
        .fetch_one(&mut *self.tx)
        .await?;
        let orphans: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM outbox o WHERE NOT EXISTS \
             (SELECT 1 FROM resource_version v WHERE v.rtype = o.rtype AND v.id = o.id AND v.version = o.version)",
        )
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(missing + orphans)
    }
}
