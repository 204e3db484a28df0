//! Key stores for tests of callers (behind the `test-support` feature).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use zeroize::Zeroizing;

use super::{KeyStore, KeyStoreError, MasterKey, check_account};

/// A [`KeyStore`] in process memory, with the same account rules as [`super::OsKeyring`].
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    keys: Mutex<HashMap<String, MasterKey>>,
    secrets: Mutex<HashMap<String, Zeroizing<String>>>,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl KeyStore for MemoryKeyStore {
    fn load(&self, account: &str) -> Result<Option<MasterKey>, KeyStoreError> {
        check_account(account)?;
        // A panic elsewhere while holding the lock leaves the map itself intact.
        let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(keys.get(account).map(MasterKey::duplicate))
    }

    fn store(&self, account: &str, key: &MasterKey) -> Result<(), KeyStoreError> {
        check_account(account)?;
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        keys.insert(account.to_owned(), key.duplicate());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), KeyStoreError> {
        check_account(account)?;
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        keys.remove(account);
        self.secrets.lock().unwrap_or_else(PoisonError::into_inner).remove(account);
        Ok(())
    }

    fn load_secret(&self, account: &str) -> Result<Option<Zeroizing<String>>, KeyStoreError> {
        check_account(account)?;
        let secrets = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(secrets.get(account).cloned())
    }

    fn store_secret(&self, account: &str, secret: &str) -> Result<(), KeyStoreError> {
        check_account(account)?;
        let mut secrets = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        secrets.insert(account.to_owned(), Zeroizing::new(secret.to_owned()));
        Ok(())
    }
}

/// A [`KeyStore`] that fails every call with [`KeyStoreError::Unavailable`], as on a machine
/// with no usable credential store.
#[derive(Debug, Default, Clone, Copy)]
pub struct FailingKeyStore;

impl FailingKeyStore {
    fn error() -> KeyStoreError {
        KeyStoreError::Unavailable {
            reason: "no credential store on this machine (test fake)".to_owned(),
        }
    }
}

impl KeyStore for FailingKeyStore {
    fn load(&self, _account: &str) -> Result<Option<MasterKey>, KeyStoreError> {
        Err(Self::error())
    }

    fn store(&self, _account: &str, _key: &MasterKey) -> Result<(), KeyStoreError> {
        Err(Self::error())
    }

    fn delete(&self, _account: &str) -> Result<(), KeyStoreError> {
        Err(Self::error())
    }

    fn load_secret(&self, _account: &str) -> Result<Option<Zeroizing<String>>, KeyStoreError> {
        Err(Self::error())
    }

    fn store_secret(&self, _account: &str, _secret: &str) -> Result<(), KeyStoreError> {
        Err(Self::error())
    }
}
