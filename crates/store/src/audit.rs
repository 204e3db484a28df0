//! The hash-chained audit log, its head and its anchor file.
//!
//! Three things make tampering evident:
//! - each row's MAC covers its sequence number, its predecessor's MAC and all its fields
//!   (see `meridian_domain::audit::chain_mac`), so an edited, inserted or reordered row fails;
//! - sequence numbers are dense, so a deleted row leaves a gap;
//! - the last sequence number and MAC are kept twice, in the `meta` table (same transaction)
//!   and in an anchor file beside the database (after commit), so a truncated tail shows: the
//!   head or the anchor points past the last row, or at a row whose MAC differs.

use std::io::Write;
use std::path::PathBuf;

pub(crate) use hexcode::{hex, unhex};
use meridian_domain::access::{Action, Role};
use meridian_domain::audit::{AuditEntry, GENESIS, Mac32, Outcome, chain_mac};
use meridian_domain::time::Timestamp;
use sqlx::Row;

use crate::{Result, Store, StoreError, Tx};

const HEAD_KEY: &str = "audit_head";

/// A stored audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
}

/// What `verify` found wrong, by sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditProblem {
    /// A row's MAC does not match its contents: edited, inserted or moved.
    MacMismatch { seq: i64 },
    /// A row does not chain to its predecessor.
    ChainBroken { seq: i64 },
    /// Sequence numbers skip: rows were deleted (or inserted out of order).
    Gap { after: i64, next: i64 },
    /// A field holds a value Meridian never writes.
    Unreadable { seq: i64 },
    /// The head kept in the database points past the last row or disagrees with it.
    HeadMismatch { head_seq: i64, last_seq: i64 },
    /// The anchor file beside the database points past the last row or disagrees with it.
    AnchorMismatch { anchor_seq: i64, last_seq: i64 },
    /// The anchor file beside the database is gone or unreadable.
    AnchorMissing,
}

impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditProblem::MacMismatch { seq } => write!(f, "record {seq}: contents do not match its MAC (edited, inserted or moved)"),
            AuditProblem::ChainBroken { seq } => write!(f, "record {seq}: does not chain to the record before it"),
            AuditProblem::Gap { after, next } => write!(f, "records {}..{} are missing (deleted)", after + 1, next - 1),
            AuditProblem::Unreadable { seq } => write!(f, "record {seq}: holds a value Meridian never writes"),
            AuditProblem::HeadMismatch { head_seq, last_seq } => write!(f, "the head says record {head_seq} is last, the log ends at {last_seq} (truncated or rolled back)"),
            AuditProblem::AnchorMismatch { anchor_seq, last_seq } => write!(f, "the anchor file says record {anchor_seq} exists, the log ends at {last_seq} (truncated or rolled back)"),
            AuditProblem::AnchorMissing => write!(f, "the anchor file beside the database is missing or unreadable"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub records: i64,
    pub problems: Vec<AuditProblem>,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Hex without another dependency.
mod hexcode {
    pub(crate) fn hex(b: &[u8]) -> String {
        const D: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(b.len() * 2);
        for &x in b {
            s.push(char::from(D[usize::from(x >> 4)]));
            s.push(char::from(D[usize::from(x & 15)]));
        }
        s
    }

    pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
        if s.len() % 2 != 0 {
            return None;
        }
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect()
    }
}

fn anchor_path(store: &Store) -> PathBuf {
    let mut p = store.path.clone().into_os_string();
    p.push(".audit-anchor");
    PathBuf::from(p)
}

/// The anchor of a new database: no records yet.
pub(crate) fn write_genesis_anchor(store: &Store) -> std::io::Result<()> {
    write_anchor_file(store, 0, &GENESIS)
}

/// Writes the anchor atomically (temp file, fsync, rename), never moving it backwards: another
/// process (the CLI beside the desktop app) may have written a later one.
pub(crate) fn write_anchor(store: &Store, seq: i64, mac: &Mac32) -> std::io::Result<()> {
    // A poisoned lock only means another writer panicked; the number inside is still sound.
    let mut last = store.anchor.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if seq <= *last || read_anchor(store).is_some_and(|(on_disk, _)| on_disk >= seq) {
        return Ok(());
    }
    *last = seq;
    write_anchor_file(store, seq, mac)
}

fn write_anchor_file(store: &Store, seq: i64, mac: &Mac32) -> std::io::Result<()> {
    let path = anchor_path(store);
    let tmp = path.with_extension("audit-anchor.tmp");
    let mut f = std::fs::File::create(&tmp)?;
    writeln!(f, "{seq} {}", hex(mac))?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)
}

fn read_anchor(store: &Store) -> Option<(i64, Vec<u8>)> {
    let text = std::fs::read_to_string(anchor_path(store)).ok()?;
    let mut parts = text.split_whitespace();
    let seq = parts.next()?.parse().ok()?;
    let mac = unhex(parts.next()?)?;
    Some((seq, mac))
}

fn parse_head(s: &str) -> Option<(i64, Vec<u8>)> {
    let (seq, mac) = s.split_once(' ')?;
    Some((seq.parse().ok()?, unhex(mac)?))
}

fn entry_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Option<AuditEntry>> {
    let role: String = r.try_get("role")?;
    let action: String = r.try_get("action")?;
    let outcome: String = r.try_get("outcome")?;
    let (Ok(role), Ok(action), Some(outcome)) = (role.parse::<Role>(), action.parse::<Action>(), Outcome::parse(&outcome))
    else {
        return Ok(None);
    };
    Ok(Some(AuditEntry {
        at: Timestamp(r.try_get("at_ms")?),
        user_id: r.try_get("user_id")?,
        role,
        action,
        resource_type: r.try_get("resource_type")?,
        resource_id: r.try_get("resource_id")?,
        patient_id: r.try_get("patient_id")?,
        outcome,
        flagged: r.try_get::<i64, _>("flagged")? != 0,
        detail: r.try_get("detail")?,
    }))
}

impl Tx {
    /// Appends one record to the chain.
    pub async fn append_audit(&mut self, e: &AuditEntry) -> Result<i64> {
        let head = self.meta(HEAD_KEY).await?;
        let (prev_seq, prev_mac) = match head.as_deref().and_then(parse_head) {
            Some((seq, mac)) => {
                let mut m = [0u8; 32];
                if mac.len() == 32 {
                    m.copy_from_slice(&mac);
                }
                (seq, m)
            }
            None => (0, GENESIS),
        };
        let seq = prev_seq + 1;
        let mac = chain_mac(&self.store.audit_key, seq, &prev_mac, e);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, at_ms, user_id, role, action, resource_type, resource_id, patient_id, \
             outcome, flagged, detail, prev_mac, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(seq)
        .bind(e.at.to_rfc3339())
        .bind(e.at.0)
        .bind(&e.user_id)
        .bind(e.role.as_str())
        .bind(e.action.as_str())
        .bind(&e.resource_type)
        .bind(&e.resource_id)
        .bind(&e.patient_id)
        .bind(e.outcome.as_str())
        .bind(e.flagged)
        .bind(&e.detail)
        .bind(&prev_mac[..])
        .bind(&mac[..])
        .execute(&mut *self.tx)
        .await?;
        self.set_meta(HEAD_KEY, &format!("{seq} {}", hex(&mac))).await?;
        self.audit_appended = Some((seq, mac));
        Ok(seq)
    }

    /// Who touched this patient's record, newest first.
    pub async fn audit_for_patient(&mut self, patient_id: &str, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query("SELECT * FROM audit_log WHERE patient_id = ? ORDER BY seq DESC LIMIT ?")
            .bind(patient_id)
            .bind(limit)
            .fetch_all(&mut *self.tx)
            .await?;
        records(&rows)
    }

    /// Records with `seq > after`, oldest first (export in pages).
    pub async fn audit_page(&mut self, after: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *self.tx)
            .await?;
        records(&rows)
    }
}

fn records(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<AuditRecord>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(entry) = entry_from_row(r)? {
            out.push(AuditRecord { seq: r.try_get("seq")?, entry });
        }
    }
    Ok(out)
}

impl Store {
    /// Walks the whole chain and reports every problem found.
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        let mut conn = self.pool().acquire().await?;
        let mut problems = Vec::new();
        let mut prev_seq = 0i64;
        let mut prev_mac: Vec<u8> = GENESIS.to_vec();
        let mut macs_by_seq_last: Option<(i64, Vec<u8>)> = None;
        let mut records = 0i64;
        let mut after = 0i64;
        let mut anchor_mac_seen: Option<Vec<u8>> = None;
        let anchor = read_anchor(self);
        loop {
            let rows = sqlx::query("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 5000")
                .bind(after)
                .fetch_all(&mut *conn)
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                records += 1;
                let seq: i64 = r.try_get("seq")?;
                after = seq;
                let stored_prev: Vec<u8> = r.try_get("prev_mac")?;
                let stored_mac: Vec<u8> = r.try_get("mac")?;
                if seq != prev_seq + 1 {
                    problems.push(AuditProblem::Gap { after: prev_seq, next: seq });
                }
                if stored_prev != prev_mac {
                    problems.push(AuditProblem::ChainBroken { seq });
                }
                match entry_from_row(r)? {
                    None => problems.push(AuditProblem::Unreadable { seq }),
                    Some(entry) => {
                        let mut p = [0u8; 32];
                        if stored_prev.len() == 32 {
                            p.copy_from_slice(&stored_prev);
                        }
                        let expect = chain_mac(&self.audit_key, seq, &p, &entry);
                        if expect[..] != stored_mac[..] {
                            problems.push(AuditProblem::MacMismatch { seq });
                        }
                    }
                }
                if anchor.as_ref().is_some_and(|a| a.0 == seq) {
                    anchor_mac_seen = Some(stored_mac.clone());
                }
                prev_seq = seq;
                prev_mac = stored_mac.clone();
                macs_by_seq_last = Some((seq, stored_mac));
            }
        }
        let last_seq = macs_by_seq_last.as_ref().map_or(0, |l| l.0);
        let head: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(HEAD_KEY)
            .fetch_optional(&mut *conn)
            .await?;
        match head.as_deref().map(parse_head) {
            None if last_seq == 0 => {}
            Some(Some((head_seq, head_mac)))
                if head_seq == last_seq && macs_by_seq_last.as_ref().is_some_and(|l| l.1 == head_mac) => {}
            Some(Some((head_seq, _))) => problems.push(AuditProblem::HeadMismatch { head_seq, last_seq }),
            _ => problems.push(AuditProblem::HeadMismatch { head_seq: -1, last_seq }),
        }
        match anchor {
            Some((0, _)) => {}
            Some((anchor_seq, anchor_mac)) => {
                if anchor_seq > last_seq || anchor_mac_seen.as_ref() != Some(&anchor_mac) {
                    problems.push(AuditProblem::AnchorMismatch { anchor_seq, last_seq });
                }
            }
            None => problems.push(AuditProblem::AnchorMissing),
        }
        Ok(AuditReport { records, problems })
    }

    /// Rewrites the anchor file from the current head (after a restore from backup, once an
    /// administrator has verified the chain).
    pub async fn reanchor(&self) -> Result<()> {
        let head = self.meta(HEAD_KEY).await?;
        if let Some((seq, mac)) = head.as_deref().and_then(parse_head) {
            let mut m = [0u8; 32];
            if mac.len() == 32 {
                m.copy_from_slice(&mac);
            }
            write_anchor_file(self, seq, &m).map_err(StoreError::Anchor)?;
        }
        Ok(())
    }
}
