//! A Meridian database on disk: the encrypted file, where its key lives, and key rotation.
//!
//! Beside `chart.db` sits `chart.db.meridian.json`, which holds nothing secret: the
//! database's id (which names its key in the OS keyring), whether the key comes from the
//! keyring or from a passphrase, and the passphrase's salt. The key itself is never written to
//! a file.

use std::path::{Path, PathBuf};

use meridian_security::keys::{KeyStore, MasterKey, PASSPHRASE_SALT_BYTES, generate_passphrase_salt};
use meridian_store::{Durability, Store, StoreKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::{AppError, Result};

/// Where the database key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeySource {
    /// A random 256-bit key kept in the OS keyring (Keychain, Credential Manager, Secret Service
    /// or kernel keyutils).
    Keyring,
    /// A key derived with argon2id from a passphrase typed at start, for machines without a
    /// keyring.
    Passphrase,
}

/// The non-secret description of a database, kept beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceConfig {
    pub format: u32,
    pub db_id: String,
    pub key_source: KeySource,
    /// Hex salt for [`KeySource::Passphrase`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// The salt of a passphrase rotation in progress (see [`Workspace::rotate_key`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_salt: Option<String>,
    /// The hospital's FHIR server, when this workstation syncs with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncConfig>,
    /// Site policy that differs from the defaults (idle lock, lockout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<SitePolicy>,
    /// The hospital's PACS, when this workstation shows images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imaging: Option<ImagingConfig>,
}

/// The PACS this workstation queries and retrieves from (DICOMweb, DIMSE or both), and the
/// size of its encrypted study cache.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImagingConfig {
    /// DICOMweb base URL, e.g. `http://pacs:8042/dicom-web/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dicomweb_url: Option<String>,
    /// DIMSE peer (C-FIND, C-GET).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimse: Option<DimseConfig>,
    /// The cache's bound in MiB (least recently opened studies are evicted past it).
    #[serde(default = "default_cache_mb")]
    pub cache_max_mb: u64,
}

impl Default for ImagingConfig {
    /// No PACS, and the default cache bound (a bound of 0 would evict every other study).
    fn default() -> Self {
        Self { dicomweb_url: None, dimse: None, cache_max_mb: default_cache_mb() }
    }
}

/// A DIMSE peer: `host:port` and AE titles.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DimseConfig {
    pub address: String,
    pub called_aet: String,
    #[serde(default = "default_calling_aet")]
    pub calling_aet: String,
    /// The port this workstation's C-STORE listener takes for a C-MOVE (the PACS must know
    /// `calling_aet` at this host and port); no C-MOVE without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_port: Option<u16>,
}

fn default_cache_mb() -> u64 {
    4096
}

fn default_calling_aet() -> String {
    "MERIDIAN".into()
}

/// What a site may set in its workspace file; absent fields keep [`crate::Policy::default`].
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SitePolicy {
    /// Seconds of inactivity before a session locks (at least 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_secs: Option<u32>,
    /// Failed logins before an account locks (at least 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed_logins: Option<i64>,
}

impl SitePolicy {
    /// The default policy with this site's settings applied (within safe bounds).
    pub fn apply(&self, mut policy: crate::Policy) -> crate::Policy {
        if let Some(s) = self.idle_timeout_secs {
            policy.idle_timeout_secs = s.clamp(5, 12 * 3600);
        }
        if let Some(n) = self.max_failed_logins {
            policy.max_failed_logins = n.clamp(3, 20);
        }
        policy
    }
}

/// Where and how often to sync. Credentials never live here (they go to the keyring).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncConfig {
    pub fhir_base_url: String,
    /// Seconds between runs when nothing changes locally.
    #[serde(default = "default_interval")]
    pub interval_secs: u32,
    /// How Meridian authenticates to the server.
    #[serde(default)]
    pub auth: SyncAuth,
}

/// The server's authentication. The secret (a bearer token, or the PKCS#8 PEM of the P-384
/// key for SMART backend services) is kept in the OS keyring under `db-<id>.fhir-credential`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SyncAuth {
    #[default]
    None,
    Bearer,
    /// SMART backend services: client credentials with a signed JWT assertion (ES384).
    Smart { token_url: String, client_id: String, key_id: String, scope: String },
}

fn default_interval() -> u32 {
    30
}

/// Opens and creates databases; owns the key handling.
#[derive(Debug, Clone, Copy)]
pub struct Workspace;

fn config_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".meridian.json");
    PathBuf::from(p)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn salt_from_hex(s: &str) -> Option<[u8; PASSPHRASE_SALT_BYTES]> {
    if s.len() != PASSPHRASE_SALT_BYTES * 2 {
        return None;
    }
    let mut out = [0u8; PASSPHRASE_SALT_BYTES];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

fn store_key(key: &MasterKey) -> Result<StoreKey> {
    StoreKey::from_hex(&key.to_hex()).ok_or_else(|| AppError::Internal("master key has the wrong length".into()))
}

fn key_error(e: impl std::fmt::Display) -> AppError {
    AppError::KeyUnavailable(e.to_string())
}

impl WorkspaceConfig {
    fn account(&self) -> String {
        format!("db-{}", self.db_id)
    }

    fn next_account(&self) -> String {
        format!("db-{}.next", self.db_id)
    }

    pub fn read(db: &Path) -> Result<WorkspaceConfig> {
        let text = std::fs::read_to_string(config_path(db)).map_err(|_| {
            AppError::KeyUnavailable(format!(
                "{} is missing; it says where this database's key is kept",
                config_path(db).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            ))
        })?;
        serde_json::from_str(&text).map_err(|e| AppError::KeyUnavailable(format!("the workspace file is damaged: {e}")))
    }

    /// Sets (or with `None` clears) the FHIR server this workspace syncs with, without
    /// authentication.
    pub fn set_sync_server(db: &Path, server: Option<&str>) -> Result<()> {
        let mut config = Self::read(db)?;
        config.sync = server.map(|s| SyncConfig { fhir_base_url: s.to_owned(), interval_secs: default_interval(), auth: SyncAuth::None });
        config.write(db)
    }

    /// Sets (or with `None` clears) the PACS this workspace shows images from.
    pub fn set_imaging(db: &Path, imaging: Option<ImagingConfig>) -> Result<()> {
        let mut config = Self::read(db)?;
        config.imaging = imaging;
        config.write(db)
    }

    /// The keyring account of this workspace's FHIR credential.
    pub fn credential_account(&self) -> String {
        format!("db-{}.fhir-credential", self.db_id)
    }

    /// Sets the FHIR server with its authentication; `secret` (token or key PEM) goes to the
    /// keyring, never to the workspace file.
    pub fn set_sync(db: &Path, keys: &dyn KeyStore, sync: SyncConfig, secret: Option<&str>) -> Result<()> {
        let mut config = Self::read(db)?;
        let account = config.credential_account();
        match (&sync.auth, secret) {
            (SyncAuth::None, _) => keys.delete(&account).map_err(|e| AppError::KeyUnavailable(e.to_string()))?,
            (_, Some(secret)) => keys.store_secret(&account, secret).map_err(|e| AppError::KeyUnavailable(e.to_string()))?,
            (_, None) => return Err(AppError::Validation("this authentication needs a credential (a token, or the client's private key)".into())),
        }
        config.sync = Some(sync);
        config.write(db)
    }

    /// The FHIR endpoint of this workspace with its credential from the keyring, if sync is
    /// configured.
    pub fn sync_endpoint(db: &Path, keys: &dyn KeyStore) -> Result<Option<(SyncConfig, meridian_fhirclient::Endpoint)>> {
        let config = Self::read(db)?;
        let Some(sync) = config.sync.clone() else { return Ok(None) };
        let secret = || -> Result<zeroize::Zeroizing<String>> {
            keys.load_secret(&config.credential_account())
                .map_err(|e| AppError::KeyUnavailable(e.to_string()))?
                .ok_or_else(|| AppError::KeyUnavailable("the FHIR server's credential is not in the keyring; configure sync again".into()))
        };
        let auth = match &sync.auth {
            SyncAuth::None => meridian_fhirclient::Auth::None,
            SyncAuth::Bearer => meridian_fhirclient::Auth::Bearer(meridian_fhirclient::Secret::new(secret()?.as_str())),
            SyncAuth::Smart { token_url, client_id, key_id, scope } => {
                let key = meridian_fhirclient::SigningKey::from_pkcs8_pem(&secret()?).map_err(|e| AppError::Validation(e.to_string()))?;
                meridian_fhirclient::Auth::SmartBackend(meridian_fhirclient::SmartBackend {
                    token_url: token_url.clone(),
                    client_id: client_id.clone(),
                    key,
                    scope: scope.clone(),
                    key_id: key_id.clone(),
                })
            }
        };
        let endpoint = meridian_fhirclient::Endpoint::new(sync.fhir_base_url.clone()).with_auth(auth);
        Ok(Some((sync, endpoint)))
    }

    fn write(&self, db: &Path) -> Result<()> {
        let path = config_path(db);
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(self).map_err(|e| AppError::Internal(e.to_string()))?;
        std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, &path)).map_err(|e| AppError::Storage(meridian_store::StoreError::Anchor(e)))
    }
}

impl Workspace {
    /// Creates an encrypted database with a fresh key: in `keys` for [`KeySource::Keyring`],
    /// derived from `passphrase` otherwise.
    pub async fn create(db: &Path, source: KeySource, keys: &dyn KeyStore, passphrase: Option<&str>) -> Result<Store> {
        if db.exists() {
            return Err(AppError::Validation("a database already exists there; refusing to overwrite it".into()));
        }
        let mut id = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let mut config = WorkspaceConfig { format: 1, db_id: hex(&id), key_source: source, salt: None, next_salt: None, sync: None, policy: None, imaging: None };
        let key = match source {
            KeySource::Keyring => {
                let key = MasterKey::generate(&mut rand::rngs::OsRng);
                keys.store(&config.account(), &key).map_err(key_error)?;
                key
            }
            KeySource::Passphrase => {
                let passphrase = passphrase.ok_or_else(|| AppError::KeyUnavailable("a passphrase is required".into()))?;
                meridian_security::password::check_password_policy(passphrase).map_err(crate::error::invalid)?;
                let salt = generate_passphrase_salt(&mut rand::rngs::OsRng);
                config.salt = Some(hex(&salt));
                MasterKey::from_passphrase(passphrase, &salt).map_err(key_error)?
            }
        };
        config.write(db)?;
        let mut audit_key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut audit_key);
        Ok(Store::create(db, &store_key(&key)?, audit_key).await?)
    }

    /// Opens a database with the key its workspace file points at. A wrong or missing key
    /// fails before anything is written.
    pub async fn open(db: &Path, keys: &dyn KeyStore, passphrase: Option<&str>) -> Result<Store> {
        Self::open_with(db, keys, passphrase, Durability::Full).await
    }

    pub async fn open_with(db: &Path, keys: &dyn KeyStore, passphrase: Option<&str>, durability: Durability) -> Result<Store> {
        if !db.is_file() {
            return Err(AppError::NotFound("database"));
        }
        let config = WorkspaceConfig::read(db)?;
        match config.key_source {
            KeySource::Passphrase => {
                let key = passphrase_key(config.salt.as_deref(), passphrase)?;
                match Store::open_with(db, &store_key(&key)?, durability).await {
                    Err(meridian_store::StoreError::WrongKey) if config.next_salt.is_some() => {
                        // A passphrase rotation died after the rekey: the new passphrase opens it.
                        let key = passphrase_key(config.next_salt.as_deref(), passphrase)?;
                        let store = Store::open_with(db, &store_key(&key)?, durability).await?;
                        let mut config = config;
                        config.salt = config.next_salt.take();
                        config.write(db)?;
                        Ok(store)
                    }
                    other => Ok(other?),
                }
            }
            KeySource::Keyring => {
                let current = keys.load(&config.account()).map_err(key_error)?;
                let next = keys.load(&config.next_account()).map_err(key_error)?;
                if current.is_none() && next.is_none() {
                    return Err(AppError::KeyUnavailable(
                        "this database's key is not in this machine's keyring (created by another user or machine, or the keyring was reset); nothing was changed".into(),
                    ));
                }
                if let Some(key) = &current {
                    match Store::open_with(db, &store_key(key)?, durability).await {
                        Ok(store) => {
                            if next.is_some() {
                                // A rotation died before the database was rekeyed: forget it.
                                keys.delete(&config.next_account()).map_err(key_error)?;
                            }
                            return Ok(store);
                        }
                        Err(meridian_store::StoreError::WrongKey) if next.is_some() => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                // A rotation died after the rekey but before the keyring was updated.
                let Some(next) = next else { return Err(AppError::WrongKey) };
                let store = Store::open_with(db, &store_key(&next)?, durability).await?;
                keys.store(&config.account(), &next).map_err(key_error)?;
                keys.delete(&config.next_account()).map_err(key_error)?;
                Ok(store)
            }
        }
    }

    /// Re-encrypts the database under a new key (SQLCipher `PRAGMA rekey`). Crash-safe: the new
    /// key is saved as pending before the rekey and promoted after it, and [`Workspace::open`]
    /// tries both, so a crash at any point leaves a database that opens.
    pub async fn rotate_key(store: Store, keys: &dyn KeyStore, new_passphrase: Option<&str>) -> Result<Store> {
        let db = store.path().to_owned();
        let mut config = WorkspaceConfig::read(&db)?;
        match config.key_source {
            KeySource::Keyring => {
                let key = MasterKey::generate(&mut rand::rngs::OsRng);
                keys.store(&config.next_account(), &key).map_err(key_error)?;
                let store = store.rekey(&store_key(&key)?).await?;
                keys.store(&config.account(), &key).map_err(key_error)?;
                keys.delete(&config.next_account()).map_err(key_error)?;
                Ok(store)
            }
            KeySource::Passphrase => {
                let passphrase = new_passphrase.ok_or_else(|| AppError::KeyUnavailable("a new passphrase is required".into()))?;
                meridian_security::password::check_password_policy(passphrase).map_err(crate::error::invalid)?;
                let salt = generate_passphrase_salt(&mut rand::rngs::OsRng);
                let key = MasterKey::from_passphrase(passphrase, &salt).map_err(key_error)?;
                config.next_salt = Some(hex(&salt));
                config.write(&db)?;
                let store = store.rekey(&store_key(&key)?).await?;
                config.salt = config.next_salt.take();
                config.write(&db)?;
                Ok(store)
            }
        }
    }
}

fn passphrase_key(salt: Option<&str>, passphrase: Option<&str>) -> Result<MasterKey> {
    let passphrase = passphrase.ok_or_else(|| AppError::KeyUnavailable("this database is opened with its passphrase; none was given".into()))?;
    let salt = salt
        .and_then(salt_from_hex)
        .ok_or_else(|| AppError::KeyUnavailable("the workspace file lacks the passphrase salt".into()))?;
    MasterKey::from_passphrase(passphrase, &salt).map_err(key_error)
}
