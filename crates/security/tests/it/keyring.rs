//! The real OS credential store. On Linux it is the kernel keyutils store, which works
//! headless, so the Linux tests in [`keyutils`] run everywhere CI runs.

use meridian_security::keys::{KeyStore, KeyStoreError, MasterKey, OsKeyring};
use rand::rngs::OsRng;

#[cfg(target_os = "linux")]
mod keyutils;

#[test]
fn os_keyring_refuses_bad_account_names_before_touching_the_store() {
    let Ok(keyring) = OsKeyring::new() else {
        // Where no store exists the account check is unreachable; on Linux the tests in
        // `keyutils` fail loudly in that case.
        return;
    };
    let key = MasterKey::generate(&mut OsRng);
    assert_eq!(
        keyring.store("has space", &key),
        Err(KeyStoreError::InvalidAccount)
    );
    assert_eq!(keyring.load("a@b"), Err(KeyStoreError::InvalidAccount));
    assert_eq!(keyring.delete(""), Err(KeyStoreError::InvalidAccount));
}
