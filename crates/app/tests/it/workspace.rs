use meridian_app::{AppError, KeySource, Workspace, WorkspaceConfig};
use meridian_security::keys::{FailingKeyStore, KeyStore, MemoryKeyStore};

#[tokio::test]
async fn wrong_or_missing_key_is_clear_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let keys = MemoryKeyStore::new();
    Workspace::create(&db, KeySource::Keyring, &keys, None).await.unwrap().close().await;
    let before = std::fs::read(&db).unwrap();

    // A keyring without the key: a specific message, nothing changed.
    let empty = MemoryKeyStore::new();
    let e = Workspace::open(&db, &empty, None).await.unwrap_err();
    assert!(matches!(&e, AppError::KeyUnavailable(m) if m.contains("not in this machine's keyring")), "{e:?}");
    // No keyring at all.
    let e = Workspace::open(&db, &FailingKeyStore, None).await.unwrap_err();
    assert!(matches!(e, AppError::KeyUnavailable(_)), "{e:?}");
    // A wrong key in the keyring.
    let config = WorkspaceConfig::read(&db).unwrap();
    let other = MemoryKeyStore::new();
    let wrong = meridian_security::keys::MasterKey::generate(&mut rand::rngs::OsRng);
    other.store(&format!("db-{}", config.db_id), &wrong).unwrap();
    assert!(matches!(Workspace::open(&db, &other, None).await, Err(AppError::WrongKey)));
    assert_eq!(std::fs::read(&db).unwrap(), before);
    Workspace::open(&db, &keys, None).await.unwrap();
}

#[tokio::test]
async fn passphrase_databases_and_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let none = FailingKeyStore;
    let store = Workspace::create(&db, KeySource::Passphrase, &none, Some("a long passphrase")).await.unwrap();
    store.close().await;
    assert!(matches!(Workspace::open(&db, &none, Some("another passphrase")).await, Err(AppError::WrongKey)));
    assert!(matches!(Workspace::open(&db, &none, None).await, Err(AppError::KeyUnavailable(_))));
    let store = Workspace::open(&db, &none, Some("a long passphrase")).await.unwrap();
    let store = Workspace::rotate_key(store, &none, Some("the new passphrase")).await.unwrap();
    store.close().await;
    assert!(matches!(Workspace::open(&db, &none, Some("a long passphrase")).await, Err(AppError::WrongKey)));
    Workspace::open(&db, &none, Some("the new passphrase")).await.unwrap();
}

#[tokio::test]
async fn keyring_rotation_survives_a_crash_between_rekey_and_keyring_update() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let keys = MemoryKeyStore::new();
    let store = Workspace::create(&db, KeySource::Keyring, &keys, None).await.unwrap();
    let store = Workspace::rotate_key(store, &keys, None).await.unwrap();
    store.close().await;
    Workspace::open(&db, &keys, None).await.unwrap().close().await;

    // Simulate the crash: the database is rekeyed, the new key sits only under ".next".
    let config = WorkspaceConfig::read(&db).unwrap();
    let account = format!("db-{}", config.db_id);
    let current = keys.load(&account).unwrap().unwrap();
    let store = meridian_store::Store::open(&db, &meridian_store::StoreKey::from_hex(&current.to_hex()).unwrap()).await.unwrap();
    let next = meridian_security::keys::MasterKey::generate(&mut rand::rngs::OsRng);
    keys.store(&format!("{account}.next"), &next).unwrap();
    store.rekey(&meridian_store::StoreKey::from_hex(&next.to_hex()).unwrap()).await.unwrap().close().await;
    // Open finds the pending key, promotes it, and forgets it.
    Workspace::open(&db, &keys, None).await.unwrap();
    assert_eq!(keys.load(&account).unwrap().unwrap(), next);
    assert!(keys.load(&format!("{account}.next")).unwrap().is_none());
}

#[tokio::test]
async fn fhir_credentials_live_in_the_keyring_not_in_the_workspace_file() {
    use meridian_app::{SyncAuth, SyncConfig};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let keys = MemoryKeyStore::new();
    Workspace::create(&db, KeySource::Keyring, &keys, None).await.unwrap().close().await;
    let token = "tok-3f9a0c1e-bearer-SECRET";
    let bearer = SyncConfig { fhir_base_url: "https://fhir.hospital.test/r4".into(), interval_secs: 30, auth: SyncAuth::Bearer };
    WorkspaceConfig::set_sync(&db, &keys, bearer.clone(), Some(token)).unwrap();
    let file = std::fs::read_to_string(dir.path().join("s.db.meridian.json")).unwrap();
    assert!(file.contains("fhir.hospital.test") && !file.contains(token), "the token is not in the file");
    let (config, endpoint) = WorkspaceConfig::sync_endpoint(&db, &keys).unwrap().expect("configured");
    assert_eq!(config, bearer);
    assert!(matches!(&endpoint.auth, meridian_fhirclient::Auth::Bearer(s) if s.expose() == token));
    assert!(!format!("{endpoint:?}").contains(token), "Debug hides the token");

    // Without the keyring entry the failure says what to do; without a secret, bearer is refused.
    assert!(matches!(WorkspaceConfig::sync_endpoint(&db, &MemoryKeyStore::new()), Err(AppError::KeyUnavailable(m)) if m.contains("configure sync again")));
    assert!(matches!(WorkspaceConfig::set_sync(&db, &keys, bearer, None), Err(AppError::Validation(_))));

    // SMART backend services: the private key goes to the keyring.
    let out = std::process::Command::new("openssl").args(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]).output().expect("openssl");
    let pem = String::from_utf8(out.stdout).unwrap();
    assert!(pem.contains("BEGIN PRIVATE KEY"), "PKCS#8 from openssl");
    let smart = SyncConfig {
        fhir_base_url: "https://fhir.hospital.test/r4".into(),
        interval_secs: 30,
        auth: SyncAuth::Smart { token_url: "https://auth.hospital.test/token".into(), client_id: "meridian-ws-12".into(), key_id: "k1".into(), scope: "system/*.cruds".into() },
    };
    WorkspaceConfig::set_sync(&db, &keys, smart, Some(&pem)).unwrap();
    let file = std::fs::read_to_string(dir.path().join("s.db.meridian.json")).unwrap();
    assert!(!file.contains("PRIVATE KEY"));
    let (_, endpoint) = WorkspaceConfig::sync_endpoint(&db, &keys).unwrap().expect("configured");
    assert!(matches!(&endpoint.auth, meridian_fhirclient::Auth::SmartBackend(s) if s.client_id == "meridian-ws-12"));

    // Back to no authentication: the credential is removed from the keyring.
    WorkspaceConfig::set_sync(&db, &keys, SyncConfig { fhir_base_url: "http://127.0.0.1:8080".into(), interval_secs: 30, auth: SyncAuth::None }, None).unwrap();
    let config = WorkspaceConfig::read(&db).unwrap();
    assert_eq!(keys.load_secret(&config.credential_account()).unwrap(), None);
}
