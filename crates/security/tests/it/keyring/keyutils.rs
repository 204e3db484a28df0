//! The Linux kernel keyutils store, through [`OsKeyring`]: round trips, the no-login-session
//! case (services, CI), other threads and other processes. If keyutils cannot be used on
//! the machine these tests fail and say why, rather than passing.

use std::process::Command;

use meridian_security::keys::{KeyStore, KeyStoreError, MasterKey, OsKeyring, SERVICE};
use rand::rngs::OsRng;

/// Set by [`key_stored_by_another_process_is_loaded`] for the child process it starts.
const CHILD_ACCOUNT_VAR: &str = "MERIDIAN_SECURITY_KEYRING_CHILD_ACCOUNT";
const CHILD_KEY_VAR: &str = "MERIDIAN_SECURITY_KEYRING_CHILD_KEY";

/// Deletes the test's entry even when an assertion fails, so runs do not leave keys behind.
struct Cleanup<'a> {
    keyring: &'a OsKeyring,
    account: String,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.keyring.delete(&self.account);
    }
}

fn unique_account() -> String {
    let unique = MasterKey::generate(&mut OsRng).to_hex();
    format!("it-{}", &unique[..16])
}

fn open() -> OsKeyring {
    match OsKeyring::new() {
        Ok(keyring) => keyring,
        Err(e) => panic!(
            "the OS keyring could not be opened on this machine: {e}. On Linux the keyutils store \
             needs the keyctl/add_key syscalls, which some container seccomp profiles block."
        ),
    }
}

#[test]
fn linux_uses_keyutils_which_does_not_survive_reboot() {
    let keyring = open();
    assert_eq!(keyring.backend(), "linux-keyutils");
    assert!(!keyring.survives_reboot());
    assert_eq!(SERVICE, "org.meridian.workstation");
}

#[test]
fn os_keyring_round_trip() {
    let keyring = open();
    // Unique per run so that parallel or leftover runs cannot interfere.
    let account = unique_account();
    let _cleanup = Cleanup {
        keyring: &keyring,
        account: account.clone(),
    };

    match keyring.load(&account) {
        Ok(None) => {}
        Err(e) => panic!(
            "the OS keyring ({}) cannot be used on this machine: {e}. On Linux the keyutils \
             store needs the keyctl/add_key syscalls (blocked by some container seccomp \
             profiles) and a session or user-session keyring.",
            keyring.backend()
        ),
        Ok(Some(_)) => panic!("a fresh account must be empty"),
    }

    let first = MasterKey::generate(&mut OsRng);
    assert_eq!(keyring.store(&account, &first), Ok(()));
    assert_eq!(
        keyring.load(&account),
        Ok(Some(
            MasterKey::from_hex(&first.to_hex()).unwrap_or_else(|e| panic!("{e}"))
        ))
    );

    let second = MasterKey::generate(&mut OsRng);
    assert_eq!(
        keyring.store(&account, &second),
        Ok(()),
        "storing again replaces the key"
    );
    assert_eq!(
        keyring.load(&account).ok().flatten().as_ref(),
        Some(&second)
    );

    // A second handle (as after an application restart) sees the same key.
    assert_eq!(open().load(&account).ok().flatten().as_ref(), Some(&second));

    assert_eq!(keyring.delete(&account), Ok(()));
    assert_eq!(keyring.load(&account), Ok(None), "deleted keys are gone");
    assert_eq!(
        keyring.delete(&account),
        Ok(()),
        "deleting a missing key succeeds"
    );
}

#[test]
fn a_foreign_value_under_our_account_is_reported_as_corrupt_without_echo() {
    let keyring = open();
    let account = unique_account();
    let _cleanup = Cleanup {
        keyring: &keyring,
        account: account.clone(),
    };
    // Write a value that is not a key, as another program could, straight through the store.
    let store = match linux_keyutils_keyring_store::Store::new() {
        Ok(store) => store,
        Err(e) => panic!("keyutils store: {e}"),
    };
    let foreign: std::sync::Arc<keyring_core::CredentialStore> = store;
    // Built twice for the reason given in `OsKeyring::entry`: the first build on a thread
    // without a session keyring of its own is on a stale keyring.
    let written = keyring_core::Entry::new_in_store(&foreign, SERVICE, &account)
        .and_then(|_| keyring_core::Entry::new_in_store(&foreign, SERVICE, &account))
        .and_then(|entry| entry.set_password("not-a-key-SENTINEL"));
    assert!(written.is_ok(), "{written:?}");

    let err = keyring.load(&account);
    assert_eq!(
        err,
        Err(KeyStoreError::Corrupt {
            account: account.clone()
        })
    );
    if let Err(e) = err {
        let text = format!("{e} {e:?}");
        assert!(!text.contains("SENTINEL"), "{text}");
    }
}

/// Services and CI have no login session keyring; each thread then gets its own on its
/// first keyring call. Threads started before the keyring was opened (an async runtime's
/// workers) must still be able to store, and to find what another thread stored.
#[test]
fn threads_started_before_opening_share_keys() {
    use std::sync::{Arc, mpsc};

    let account = unique_account();
    let key = MasterKey::generate(&mut OsRng);
    let spawn_worker = |op: fn(&OsKeyring, &str, &MasterKey) -> Result<bool, KeyStoreError>| {
        let (send, receive) = mpsc::channel::<Arc<OsKeyring>>();
        let account = account.clone();
        let key = MasterKey::from_hex(&key.to_hex()).unwrap_or_else(|e| panic!("{e}"));
        let handle = std::thread::spawn(move || match receive.recv() {
            Ok(keyring) => op(&keyring, &account, &key),
            Err(e) => panic!("no keyring sent: {e}"),
        });
        (send, handle)
    };
    let (to_storer, storer) = spawn_worker(|k, a, key| k.store(a, key).map(|()| true));
    let (to_loader, loader) =
        spawn_worker(|k, a, key| k.load(a).map(|found| found.as_ref() == Some(key)));

    let keyring = Arc::new(open());
    let _cleanup = Cleanup {
        keyring: &keyring,
        account: account.clone(),
    };
    assert!(to_storer.send(Arc::clone(&keyring)).is_ok());
    let stored = storer.join();
    assert!(
        matches!(stored, Ok(Ok(true))),
        "store on an older thread: {stored:?}"
    );
    assert!(to_loader.send(Arc::clone(&keyring)).is_ok());
    let loaded = loader.join();
    assert!(
        matches!(loaded, Ok(Ok(true))),
        "load on another older thread: {loaded:?}"
    );
}

/// An application restart: a new process stores the key (its first keyring call), this
/// process loads it.
#[test]
fn key_stored_by_another_process_is_loaded() {
    let keyring = open();
    let account = unique_account();
    let _cleanup = Cleanup {
        keyring: &keyring,
        account: account.clone(),
    };
    let key = MasterKey::generate(&mut OsRng);
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("own test binary: {e}"));
    let output = Command::new(exe)
        .args([
            "--exact",
            "keyring::keyutils::child_process_stores_key",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ACCOUNT_VAR, &account)
        .env(CHILD_KEY_VAR, key.to_hex().as_str())
        .output()
        .unwrap_or_else(|e| panic!("starting the child process: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("child stored the key"),
        "child process failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(keyring.load(&account).ok().flatten().as_ref(), Some(&key));
}

/// The child half of [`key_stored_by_another_process_is_loaded`]; does nothing unless that
/// test started this process.
#[test]
fn child_process_stores_key() {
    let (Ok(account), Ok(hex)) = (
        std::env::var(CHILD_ACCOUNT_VAR),
        std::env::var(CHILD_KEY_VAR),
    ) else {
        return;
    };
    let key = MasterKey::from_hex(&hex).unwrap_or_else(|e| panic!("key from parent: {e}"));
    let keyring = open();
    assert_eq!(keyring.store(&account, &key), Ok(()));
    println!("child stored the key");
}
