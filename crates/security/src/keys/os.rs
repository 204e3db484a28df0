//! [`OsKeyring`]: the operating system's credential store, through `keyring-core`.

use std::sync::Arc;

use keyring_core::{CredentialPersistence, CredentialStore, Entry};
use zeroize::{Zeroize, Zeroizing};

use super::{KeyStore, KeyStoreError, MasterKey, check_account};

/// The service name under which every Meridian key is stored.
pub const SERVICE: &str = "org.meridian.workstation";

/// The OS credential store (see the [module docs](super) for which store on which OS, and
/// why on Linux it is only a cache).
///
/// Each `OsKeyring` holds its own store handle and builds entries in it directly, so it
/// neither reads nor changes `keyring-core`'s process-wide default store.
pub struct OsKeyring {
    store: Arc<CredentialStore>,
    backend: &'static str,
}

impl std::fmt::Debug for OsKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OsKeyring")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl OsKeyring {
    /// Opens the platform's store. Fails with [`KeyStoreError::Unavailable`] on platforms
    /// without one (anything but Linux, macOS and Windows) or when it cannot be opened.
    pub fn new() -> Result<Self, KeyStoreError> {
        let (store, backend) = platform_store()?;
        Ok(Self { store, backend })
    }

    /// A short name of the store in use: `"linux-keyutils"`, `"macos-keychain"` or
    /// `"windows-credential-manager"`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Whether keys kept here survive a reboot. `false` for Linux keyutils: there, keep a
    /// passphrase as the durable secret.
    pub fn survives_reboot(&self) -> bool {
        matches!(self.store.persistence(), CredentialPersistence::UntilDelete)
    }

    fn entry(&self, account: &str) -> Result<Entry, KeyStoreError> {
        check_account(account)?;
        // Linux keyutils: building an entry first reads the calling thread's session keyring
        // id and then links the user's persistent keyring into "the session keyring". When
        // the thread has no session keyring of its own (no PAM login session: services, CI,
        // SSH without pam_keyinit) that second step makes the kernel give the thread a new
        // one, so the id read first is stale. An entry built on it cannot link a new key into
        // the persistent keyring (EACCES) and does not see keys stored by other threads or
        // processes (a false "no key"). Building once to settle the thread's keyrings and
        // then again gives an entry on the right keyring. Other platforms build once.
        #[cfg(target_os = "linux")]
        Entry::new_in_store(&self.store, SERVICE, account).map_err(map_error)?;
        Entry::new_in_store(&self.store, SERVICE, account).map_err(map_error)
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<(Arc<CredentialStore>, &'static str), KeyStoreError> {
    let store: Arc<CredentialStore> =
        linux_keyutils_keyring_store::Store::new().map_err(unavailable)?;
    // Opening the store makes no system call; building an entry does. Doing it once here
    // turns "keyutils is blocked" (for example by a container's seccomp profile) into an
    // error from `new` rather than from the first load.
    Entry::new_in_store(&store, SERVICE, "probe").map_err(unavailable)?;
    Ok((store, "linux-keyutils"))
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<(Arc<CredentialStore>, &'static str), KeyStoreError> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(unavailable)?;
    Ok((store, "macos-keychain"))
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<(Arc<CredentialStore>, &'static str), KeyStoreError> {
    let store = windows_native_keyring_store::Store::new().map_err(unavailable)?;
    Ok((store, "windows-credential-manager"))
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> Result<(Arc<CredentialStore>, &'static str), KeyStoreError> {
    Err(KeyStoreError::Unavailable {
        reason: "no credential store is supported on this operating system".to_owned(),
    })
}

fn unavailable(err: keyring_core::Error) -> KeyStoreError {
    match map_error(err) {
        KeyStoreError::Platform { reason } => KeyStoreError::Unavailable { reason },
        other => other,
    }
}

/// Converts a `keyring-core` error without carrying over any secret it may hold: the
/// byte payloads of the encoding errors are wiped and dropped, never formatted.
fn map_error(err: keyring_core::Error) -> KeyStoreError {
    use keyring_core::Error as E;
    match err {
        E::NoStorageAccess(e) => KeyStoreError::Unavailable {
            reason: e.to_string(),
        },
        E::NoDefaultStore => KeyStoreError::Unavailable {
            reason: "no credential store was opened".to_owned(),
        },
        E::NotSupportedByStore(what) => KeyStoreError::Unavailable {
            reason: format!("not supported by the store: {what}"),
        },
        E::PlatformFailure(e) => KeyStoreError::Platform {
            reason: e.to_string(),
        },
        E::BadEncoding(mut bytes) => {
            bytes.zeroize();
            KeyStoreError::Platform {
                reason: "stored value is not utf-8".to_owned(),
            }
        }
        E::BadDataFormat(mut bytes, _) => {
            bytes.zeroize();
            KeyStoreError::Platform {
                reason: "stored value is malformed".to_owned(),
            }
        }
        E::Ambiguous(entries) => KeyStoreError::Platform {
            reason: format!("{} credentials match the entry", entries.len()),
        },
        // The remaining variants (invalid parameters, attribute limits, store format) carry
        // only names and reasons written by the store, never secret data.
        other => KeyStoreError::Platform {
            reason: other.to_string(),
        },
    }
}

impl KeyStore for OsKeyring {
    fn load(&self, account: &str) -> Result<Option<MasterKey>, KeyStoreError> {
        let Some(text) = self.load_secret(account)? else {
            return Ok(None);
        };
        MasterKey::from_hex(&text)
            .map(Some)
            .map_err(|_| KeyStoreError::Corrupt {
                account: account.to_owned(),
            })
    }

    fn store(&self, account: &str, key: &MasterKey) -> Result<(), KeyStoreError> {
        let entry = self.entry(account)?;
        entry.set_password(&key.to_hex()).map_err(map_error)
    }

    fn load_secret(&self, account: &str) -> Result<Option<Zeroizing<String>>, KeyStoreError> {
        let entry = self.entry(account)?;
        match entry.get_password() {
            Ok(text) => Ok(Some(Zeroizing::new(text))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(keyring_core::Error::BadEncoding(mut bytes)) => {
                bytes.zeroize();
                Err(KeyStoreError::Corrupt {
                    account: account.to_owned(),
                })
            }
            Err(e) => Err(map_error(e)),
        }
    }

    fn store_secret(&self, account: &str, secret: &str) -> Result<(), KeyStoreError> {
        let entry = self.entry(account)?;
        entry.set_password(secret).map_err(map_error)
    }

    fn delete(&self, account: &str) -> Result<(), KeyStoreError> {
        let entry = self.entry(account)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }
}
