use meridian_store::{Index, NewVersion, Origin, Store, StoreError};

use crate::{T0, fresh, key};

#[tokio::test]
async fn file_is_encrypted_and_holds_no_plaintext() {
    let (dir, store) = fresh().await;
    let mut tx = store.write(T0).await.unwrap();
    let body = br#"{"resourceType":"Patient","id":"p1","name":[{"family":"Zyxwvutsrq"}]}"#;
    tx.put(NewVersion {
        rtype: "Patient",
        id: "p1",
        version: 1,
        body,
        patient_id: Some("p1"),
        author: "u",
        origin: Origin::Local,
        index: Index::None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    let bytes = std::fs::read(dir.path().join("m.db")).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"), "header is plaintext");
    assert!(!bytes.windows(10).any(|w| w == b"Zyxwvutsrq"), "name found in file");
}

#[tokio::test]
async fn wrong_key_is_refused_and_nothing_changes() {
    let (dir, store) = fresh().await;
    store.close().await;
    let path = dir.path().join("m.db");
    let before = std::fs::read(&path).unwrap();
    let files_before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    let err = Store::open(&path, &key(2)).await.unwrap_err();
    assert!(matches!(err, StoreError::WrongKey), "{err:?}");
    assert!(err.to_string().contains("key does not open"));
    assert_eq!(std::fs::read(&path).unwrap(), before, "file changed");
    let files_after: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files_before.len(), files_after.len(), "new files appeared: {files_after:?}");
    // The right key still opens it.
    Store::open(&path, &key(1)).await.unwrap();
}

#[tokio::test]
async fn missing_file_and_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.db");
    assert!(matches!(Store::open(&path, &key(1)).await, Err(StoreError::NotFound)));
    assert!(!path.exists(), "open must not create");
    std::fs::write(&path, b"not a database at all, just some text").unwrap();
    assert!(matches!(Store::create(&path, &key(1), [0; 32]).await, Err(StoreError::AlreadyExists)));
    assert!(matches!(Store::open(&path, &key(1)).await, Err(StoreError::WrongKey)));
}

#[tokio::test]
async fn rekey_keeps_data_and_audit_chain() {
    let (dir, store) = fresh().await;
    let mut tx = store.write(T0).await.unwrap();
    crate::audit::append_n(&mut tx, 3).await;
    tx.commit().await.unwrap();
    let store = store.rekey(&key(3)).await.unwrap();
    assert!(store.verify_audit().await.unwrap().is_intact());
    store.close().await;
    let path = dir.path().join("m.db");
    assert!(matches!(Store::open(&path, &key(1)).await, Err(StoreError::WrongKey)));
    let store = Store::open(&path, &key(3)).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap().records, 3);
}
