//! Integration tests for the encrypted store: real SQLCipher files in temporary folders.

mod audit;
mod exit;
mod open;
mod resources;

use meridian_domain::time::Timestamp;
use meridian_store::{Store, StoreKey};

pub(crate) fn key(byte: u8) -> StoreKey {
    StoreKey::from_raw(&[byte; 32])
}

pub(crate) const T0: Timestamp = Timestamp(1_700_000_000_000);

pub(crate) async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(&dir.path().join("m.db"), &key(1), [9; 32]).await.expect("create");
    (dir, store)
}

/// A raw connection to the database file, as an attacker holding the key would have.
pub(crate) async fn raw(store: &Store) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(store.path())
        .pragma("key", format!("\"x'{}'\"", "01".repeat(32)));
    sqlx::SqliteConnection::connect_with(&opts).await.expect("raw connect")
}
