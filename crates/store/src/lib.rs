//! Meridian's local store: an encrypted SQLite database (SQLCipher through sqlx) that is the
//! working copy of every patient record on this machine.
//!
//! What it keeps: FHIR resources with their full version history (every write appends a
//! version; deletes are tombstones), the search indexes the screens need, the outbox that sync
//! drains, users and care relationships, and the hash-chained audit trail.
//!
//! What it refuses to know: who may do what (the `app` crate decides and then calls in here),
//! FHIR's JSON shape (callers hand over bodies as bytes and the index entries they derived), and
//! where the key comes from (the caller passes a [`StoreKey`]).
//!
//! ```no_run
//! # async fn f(key: meridian_store::StoreKey) -> Result<(), meridian_store::StoreError> {
//! use meridian_domain::time::Timestamp;
//! let store = meridian_store::Store::open("chart.db".as_ref(), &key).await?;
//! let mut tx = store.write(Timestamp(0)).await?;
//! let current = tx.read("Patient", "pat-000001").await?;
//! tx.commit().await?;
//! # Ok(()) }
//! ```

mod audit;
mod imaging;
mod resources;
mod search;
mod sync;
mod users;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use meridian_domain::time::Timestamp;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Sqlite};

pub use audit::{AuditProblem, AuditRecord, AuditReport};
pub use imaging::{CachedInstance, CachedSeries, CachedStudy};
pub use resources::{Head, Index, NewVersion, ObservationIndex, Origin, OutboxEntry, PatientIndex, Stored};
pub use search::PatientQuery;
pub use sync::{ConflictRow, Hl7Direction, Hl7Row, SyncState};
pub use users::{BreakGlassRow, LoginState, UserRow};

/// The database's 256-bit encryption key, held in SQLCipher's raw-key pragma form.
pub struct StoreKey {
    /// `"x'<64 hex digits>'"`, quoted as `PRAGMA key = ...` needs it; `None`: no encryption.
    sqlcipher: Option<String>,
}

impl StoreKey {
    /// A raw 256-bit key: SQLCipher uses it directly, without its own key derivation.
    pub fn from_raw(key: &[u8; 32]) -> StoreKey {
        StoreKey { sqlcipher: Some(format!("\"x'{}'\"", audit::hex(key))) }
    }
}

impl StoreKey {
    /// No encryption at all: for measuring what SQLCipher costs, never for patient data.
    pub fn unencrypted_for_benchmarks() -> StoreKey {
        StoreKey { sqlcipher: None }
    }

    /// From 64 hex digits (as key stores keep it); `None` if it is not exactly that.
    pub fn from_hex(hex: &str) -> Option<StoreKey> {
        let bytes = audit::unhex(hex).filter(|b| b.len() == 32)?;
        let mut raw = [0u8; 32];
        raw.copy_from_slice(&bytes);
        let key = StoreKey::from_raw(&raw);
        raw.fill(0);
        Some(key)
    }
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        // Best effort: overwrite the hex digits before the allocation is freed.
        if let Some(k) = &mut self.sqlcipher {
            let zeros = "0".repeat(k.len());
            k.replace_range(.., &zeros);
        }
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("no database at the given path; run `meridian init` to create one")]
    NotFound,
    #[error("a database already exists at the given path; refusing to overwrite it")]
    AlreadyExists,
    #[error("the key does not open this database (wrong key, or the file is not a Meridian database); nothing was changed")]
    WrongKey,
    #[error("the database was written by a newer Meridian (schema {found}, this build knows {known})")]
    NewerSchema { found: i64, known: i64 },
    #[error("version conflict on {rtype}/{id}: expected version {expected}, current is {current}")]
    VersionConflict { rtype: String, id: String, expected: i64, current: i64 },
    #[error("{rtype}/{id} does not exist")]
    Missing { rtype: String, id: String },
    #[error("{rtype}/{id} was deleted")]
    Gone { rtype: String, id: String },
    #[error("username is taken")]
    UsernameTaken,
    #[error("the database lacks its audit key; it was damaged or not made by Meridian")]
    AuditKeyMissing,
    #[error("could not write the audit anchor file: {0}")]
    Anchor(std::io::Error),
    #[error("database error: {0}")]
    Sql(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        // SQLITE_NOTADB (26): what SQLCipher answers when the key is wrong.
        if let sqlx::Error::Database(db) = &e {
            if db.code().as_deref() == Some("26") {
                return StoreError::WrongKey;
            }
        }
        StoreError::Sql(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_merged_index.sql")),
    (3, include_str!("../migrations/0003_sync.sql")),
    (4, include_str!("../migrations/0004_imaging.sql")),
    (5, include_str!("../migrations/0005_imaging_meta.sql")),
];

/// How strictly commits reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync on every commit: an acknowledged write survives a power cut.
    Full,
    /// fsync at checkpoints: an acknowledged write survives a process crash, not a power cut.
    /// For benchmarks and bulk loads.
    Normal,
}

/// The store. Cheap to clone; clones share the connection pool.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    audit_key: [u8; 32],
    /// Serialises anchor-file writes and remembers the last sequence number written.
    anchor: Arc<Mutex<i64>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Creates a new encrypted database at `path`. Fails if anything is there already.
    /// `audit_key` (random) keys the audit chain's MACs; it is kept inside the encrypted
    /// database, so that rotating the database key leaves the chain verifiable.
    pub async fn create(path: &Path, key: &StoreKey, audit_key: [u8; 32]) -> Result<Store> {
        if path.exists() {
            return Err(StoreError::AlreadyExists);
        }
        let mut store = Self::connect(path, key, true, Durability::Full).await?;
        let mut tx = store.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO meta (key, value) VALUES ('audit_key', ?)")
            .bind(audit::hex(&audit_key))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        store.audit_key = audit_key;
        // The anchor exists from the start, so a deleted anchor file is itself evidence.
        audit::write_genesis_anchor(&store).map_err(StoreError::Anchor)?;
        Ok(store)
    }

    /// Opens an existing database. A wrong key fails with [`StoreError::WrongKey`] before
    /// anything is written.
    pub async fn open(path: &Path, key: &StoreKey) -> Result<Store> {
        Self::open_with(path, key, Durability::Full).await
    }

    pub async fn open_with(path: &Path, key: &StoreKey, durability: Durability) -> Result<Store> {
        if !path.is_file() {
            return Err(StoreError::NotFound);
        }
        Self::connect(path, key, false, durability).await
    }

    async fn connect(path: &Path, key: &StoreKey, create: bool, durability: Durability) -> Result<Store> {
        // Prove the key on a single connection before anything sets WAL mode or migrates, so a
        // wrong key leaves the file exactly as it was.
        if !create {
            // Statement logging is off everywhere: `PRAGMA key` must never reach a log.
            let mut probe = SqliteConnectOptions::new().filename(path).create_if_missing(false).disable_statement_logging();
            if let Some(k) = &key.sqlcipher {
                probe = probe.pragma("key", k.clone());
            }
            let mut conn = sqlx::SqliteConnection::connect_with(&probe).await?;
            sqlx::query("SELECT count(*) FROM sqlite_master").execute(&mut conn).await?;
            conn.close().await?;
        }
        let mut options = SqliteConnectOptions::new().filename(path).create_if_missing(create).disable_statement_logging();
        if let Some(k) = &key.sqlcipher {
            options = options.pragma("key", k.clone());
        }
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match durability {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-32000")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .connect_with(options)
            .await?;
        let mut store = Store {
            pool,
            path: path.to_owned(),
            audit_key: [0; 32],
            anchor: Arc::new(Mutex::new(0)),
        };
        store.migrate().await?;
        if !create {
            // Without its MAC key the audit trail cannot be verified or extended: refuse to open
            // rather than chain new records under a wrong key.
            let hex = store.meta("audit_key").await?.ok_or(StoreError::AuditKeyMissing)?;
            let bytes = audit::unhex(&hex).filter(|b| b.len() == 32).ok_or(StoreError::AuditKeyMissing)?;
            store.audit_key.copy_from_slice(&bytes);
        }
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
            .execute(&mut *tx)
            .await?;
        let current: i64 = sqlx::query_scalar("SELECT coalesce(max(version), 0) FROM schema_migrations")
            .fetch_one(&mut *tx)
            .await?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > known {
            return Err(StoreError::NewerSchema { found: current, known });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            sqlx::raw_sql(*sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, datetime('now'))")
                .bind(version)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a write transaction (SQLite `BEGIN IMMEDIATE`: writers queue here, never deadlock).
    pub async fn write(&self, now: Timestamp) -> Result<Tx> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Tx { tx, now, audit_appended: None, store: self.clone() })
    }

    /// Re-encrypts the database under `new_key` in place (SQLCipher `PRAGMA rekey`, itself a
    /// transaction) and returns the store reopened with it.
    pub async fn rekey(self, new_key: &StoreKey) -> Result<Store> {
        let path = self.path.clone();
        let Some(new) = &new_key.sqlcipher else { return Err(StoreError::WrongKey) };
        let mut conn = self.pool.acquire().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA rekey = {new}")))
            .execute(&mut *conn)
            .await?;
        drop(conn);
        self.pool.close().await;
        Store::open(&path, new_key).await
    }

    /// Checkpoints the WAL into the main file and closes every connection.
    pub async fn close(self) {
        if let Ok(mut conn) = self.pool.acquire().await {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await;
        }
        self.pool.close().await;
    }

    /// Reads a value from the `meta` table.
    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Counts rows in one of the store's tables, for reports and tests.
    pub async fn count(&self, table: Table) -> Result<i64> {
        let sql = format!("SELECT count(*) FROM {}", table.name());
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&self.pool).await?)
    }

    /// The body of one cached DICOM instance of a given study and series, read outside any
    /// transaction (a viewer reading the frame it is about to show).
    pub async fn dicom_body(&self, study_uid: &str, series_uid: &str, sop_uid: &str) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT body FROM dicom_instance WHERE sop_uid = ? AND study_uid = ? AND series_uid = ?")
            .bind(sop_uid)
            .bind(study_uid)
            .bind(series_uid)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Tables whose size a report may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    ResourceVersions,
    Resources,
    Outbox,
    Audit,
    Users,
    Patients,
    SyncConflicts,
    Hl7Messages,
    DicomInstances,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::ResourceVersions => "resource_version",
            Table::Resources => "resource_head",
            Table::Outbox => "outbox",
            Table::Audit => "audit_log",
            Table::Users => "app_user",
            Table::Patients => "patient_index",
            Table::SyncConflicts => "sync_conflict",
            Table::DicomInstances => "dicom_instance",
            Table::Hl7Messages => "hl7_message",
        }
    }
}

/// A write transaction. Dropping it without [`Tx::commit`] rolls everything back.
pub struct Tx {
    tx: sqlx::Transaction<'static, Sqlite>,
    now: Timestamp,
    audit_appended: Option<(i64, [u8; 32])>,
    store: Store,
}

impl fmt::Debug for Tx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx").field("now", &self.now).finish_non_exhaustive()
    }
}

impl Tx {
    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub async fn commit(self) -> Result<()> {
        let Tx { tx, audit_appended, store, .. } = self;
        tx.commit().await?;
        if let Some((seq, mac)) = audit_appended {
            // The commit stands whatever happens here: an anchor that lags behind is tolerated
            // by `verify_audit` and caught up by the next write, so a failure is not an error of
            // this transaction (reporting one would invite a duplicate retry).
            let _ = audit::write_anchor(&store, seq, &mac);
        }
        Ok(())
    }

    pub async fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn meta(&mut self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await?)
    }
}

pub(crate) fn parse_ts(s: &str) -> Timestamp {
    // The store writes only its own RFC 3339 text, so this parses; a damaged value reads as 0.
    Timestamp::parse_rfc3339(s).unwrap_or(Timestamp(0))
}

#[cfg(test)]
fn _assert_send() {
    fn is_send<T: Send>() {}
    is_send::<Tx>();
    is_send::<Store>();
}
