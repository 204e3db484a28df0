use meridian_security::keys::{
    FailingKeyStore, KeyError, KeyStore, KeyStoreError, MasterKey, MemoryKeyStore,
    generate_passphrase_salt,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const SEQUENTIAL_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn sequential_key() -> MasterKey {
    let Ok(key) = MasterKey::from_hex(SEQUENTIAL_HEX) else {
        panic!("valid hex");
    };
    key
}

#[test]
fn generated_keys_differ_and_follow_the_rng() {
    let a = MasterKey::generate(&mut ChaCha20Rng::seed_from_u64(1));
    let b = MasterKey::generate(&mut ChaCha20Rng::seed_from_u64(2));
    let a_again = MasterKey::generate(&mut ChaCha20Rng::seed_from_u64(1));
    assert_ne!(a, b);
    assert_eq!(a, a_again);
}

#[test]
fn debug_is_redacted() {
    let key = sequential_key();
    assert_eq!(format!("{key:?}"), "MasterKey(..)");
    assert_eq!(format!("{:?}", Some(&key)), "Some(MasterKey(..))");
}

#[test]
fn sqlcipher_pragma_value_is_raw_key_syntax() {
    let key = sequential_key();
    assert_eq!(
        key.sqlcipher_pragma_value().as_str(),
        format!("x'{SEQUENTIAL_HEX}'")
    );
    let random = MasterKey::generate(&mut ChaCha20Rng::seed_from_u64(3));
    let pragma = random.sqlcipher_pragma_value();
    assert_eq!(pragma.len(), 2 + 64 + 1);
    assert!(pragma.starts_with("x'") && pragma.ends_with('\''));
    assert!(
        pragma[2..66]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
}

#[test]
fn hex_round_trip_and_bad_input() {
    let key = MasterKey::generate(&mut ChaCha20Rng::seed_from_u64(4));
    let Ok(back) = MasterKey::from_hex(&key.to_hex()) else {
        panic!("own encoding must decode");
    };
    assert_eq!(back, key);
    let upper = SEQUENTIAL_HEX.to_uppercase();
    assert_eq!(MasterKey::from_hex(&upper).ok(), Some(sequential_key()));
    for bad in [
        "",
        &SEQUENTIAL_HEX[..62],
        &format!("{SEQUENTIAL_HEX}00"),
        &SEQUENTIAL_HEX.replace('f', "g"),
    ] {
        assert_eq!(
            MasterKey::from_hex(bad).err(),
            Some(KeyError::MalformedEncoding),
            "{bad}"
        );
    }
}

#[test]
fn subkey_known_answer() {
    // Computed independently with Python: hmac.new(bytes(range(32)),
    // b"org.meridian.security/subkey/v1/audit-chain-mac\x01", hashlib.sha256).hexdigest()
    let subkey = sequential_key().derive_subkey("audit-chain-mac");
    let hex: String = subkey.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "4c0b444f3af0aac5dd73faf588a43ee332ea05a708901a310f3c7c5c9c917709"
    );
}

#[test]
fn subkeys_differ_by_label_and_by_master_key() {
    let key = sequential_key();
    let audit = key.derive_subkey("audit-chain-mac");
    let other = key.derive_subkey("export-signing");
    let empty = key.derive_subkey("");
    assert_ne!(*audit, *other);
    assert_ne!(*audit, *empty);
    assert_eq!(*audit, *key.derive_subkey("audit-chain-mac"));
    let another_master = MasterKey::generate(&mut ChaCha20Rng::seed_from_u64(5));
    assert_ne!(*audit, *another_master.derive_subkey("audit-chain-mac"));
    // The subkey is not the master key itself.
    assert_ne!(&audit[..], &[0u8, 1, 2, 3][..]);
}

#[test]
fn passphrase_key_known_answer() {
    // Computed independently with argon2-cffi: hash_secret_raw(b"correct horse battery staple",
    // bytes(range(16)), time_cost=3, memory_cost=65536, parallelism=1, hash_len=32,
    // type=Type.ID, version=19). If this changes, existing databases become unreadable.
    let salt: [u8; 16] = std::array::from_fn(|i| i as u8);
    let Ok(key) = MasterKey::from_passphrase("correct horse battery staple", &salt) else {
        panic!("derivation must succeed");
    };
    assert_eq!(
        key.to_hex().as_str(),
        "0d1a3c6523c8f06e4e0af9c515aa5b5448cfebd6838f2d52c3d8b6ef8ddc3c2e"
    );
}

#[test]
fn passphrase_key_is_deterministic_per_salt() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let salt = generate_passphrase_salt(&mut rng);
    let other_salt = generate_passphrase_salt(&mut rng);
    assert_ne!(salt, other_salt);
    let derive = |pass: &str, salt: &[u8; 16]| match MasterKey::from_passphrase(pass, salt) {
        Ok(key) => key,
        Err(e) => panic!("derivation failed: {e}"),
    };
    let a = derive("tide pool lantern", &salt);
    assert_eq!(a, derive("tide pool lantern", &salt));
    assert_ne!(a, derive("tide pool lantern", &other_salt));
    assert_ne!(a, derive("tide pool lanterns", &salt));
}

#[test]
fn empty_passphrase_is_refused() {
    assert_eq!(
        MasterKey::from_passphrase("", &[0; 16]).err(),
        Some(KeyError::EmptyPassphrase)
    );
}

#[test]
fn memory_store_round_trip_overwrite_and_delete() {
    let store = MemoryKeyStore::new();
    let first = MasterKey::generate(&mut ChaCha20Rng::seed_from_u64(7));
    let second = MasterKey::generate(&mut ChaCha20Rng::seed_from_u64(8));
    assert_eq!(store.load("database"), Ok(None));
    assert_eq!(store.store("database", &first), Ok(()));
    assert_eq!(
        store.load("database"),
        Ok(Some(MasterKey::generate(&mut ChaCha20Rng::seed_from_u64(
            7
        ))))
    );
    assert_eq!(store.load("other"), Ok(None));
    assert_eq!(store.store("database", &second), Ok(()));
    assert_eq!(
        store.load("database").ok().flatten().as_ref(),
        Some(&second)
    );
    assert_eq!(store.delete("database"), Ok(()));
    assert_eq!(store.load("database"), Ok(None));
    assert_eq!(
        store.delete("database"),
        Ok(()),
        "deleting a missing key succeeds"
    );
}

#[test]
fn memory_store_applies_the_account_rule() {
    let store = MemoryKeyStore::new();
    let key = sequential_key();
    assert_eq!(
        store.store("bad account", &key),
        Err(KeyStoreError::InvalidAccount)
    );
    assert_eq!(store.load(""), Err(KeyStoreError::InvalidAccount));
}

/// What a caller does at startup: use the keyring if it can, else fall back to the passphrase.
fn open_key(store: &dyn KeyStore, passphrase: &str, salt: &[u8; 16]) -> (MasterKey, &'static str) {
    match store.load("database") {
        Ok(Some(key)) => (key, "keyring"),
        Ok(None) | Err(KeyStoreError::Unavailable { .. }) => {
            match MasterKey::from_passphrase(passphrase, salt) {
                Ok(key) => {
                    // Caching may fail when there is no keyring; the passphrase stays the source.
                    let _ = store.store("database", &key);
                    (key, "passphrase")
                }
                Err(e) => panic!("derivation failed: {e}"),
            }
        }
        Err(e) => panic!("unexpected key store error: {e}"),
    }
}

#[test]
fn no_keyring_available_falls_back_to_the_passphrase() {
    let failing = FailingKeyStore;
    let err = failing.load("database").err();
    let Some(err @ KeyStoreError::Unavailable { .. }) = err else {
        panic!("the failing store must report unavailability, got {err:?}");
    };
    assert!(err.to_string().contains("passphrase"), "{err}");
    assert!(matches!(
        failing.store("database", &sequential_key()),
        Err(KeyStoreError::Unavailable { .. })
    ));
    assert!(matches!(
        failing.delete("database"),
        Err(KeyStoreError::Unavailable { .. })
    ));

    let salt = [9u8; 16];
    let (key, source) = open_key(&failing, "tide pool lantern", &salt);
    assert_eq!(source, "passphrase");
    // With a working store the second start comes from the keyring, with the same key.
    let memory = MemoryKeyStore::new();
    let (first, first_source) = open_key(&memory, "tide pool lantern", &salt);
    let (second, second_source) = open_key(&memory, "ignored", &salt);
    assert_eq!((first_source, second_source), ("passphrase", "keyring"));
    assert_eq!(first, key);
    assert_eq!(second, key);
}

#[test]
fn key_store_errors_never_contain_key_material() {
    let key = sequential_key();
    let hex = key.to_hex();
    let errors = [
        KeyStoreError::Corrupt {
            account: "database".to_owned(),
        },
        KeyStoreError::InvalidAccount,
        KeyStoreError::Unavailable {
            reason: "x".to_owned(),
        },
    ];
    for err in errors {
        let text = format!("{err} {err:?}");
        assert!(!text.contains(&hex[..16]), "{text}");
    }
    assert!(!KeyError::MalformedEncoding.to_string().contains(&hex[..16]));
}
