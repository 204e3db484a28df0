use meridian_store::{Index, NewVersion, ObservationIndex, Origin, PatientIndex, PatientQuery, StoreError, Table};

use crate::{T0, fresh};

fn v<'a>(rtype: &'a str, id: &'a str, version: i64, body: &'a [u8], patient: Option<&'a str>, index: Index) -> NewVersion<'a> {
    NewVersion { rtype, id, version, body, patient_id: patient, author: "u1", origin: Origin::Local, index }
}

#[tokio::test]
async fn every_write_is_a_new_version_and_deletes_are_tombstones() {
    let (_d, store) = fresh().await;
    let mut tx = store.write(T0).await.unwrap();
    tx.put(v("Condition", "c1", 1, b"{\"v\":1}", Some("p1"), Index::None)).await.unwrap();
    tx.put(v("Condition", "c1", 2, b"{\"v\":2}", Some("p1"), Index::None)).await.unwrap();
    let stale = tx.put(v("Condition", "c1", 2, b"{\"v\":3}", Some("p1"), Index::None)).await.unwrap_err();
    assert!(matches!(stale, StoreError::VersionConflict { current: 2, .. }), "{stale:?}");
    assert_eq!(tx.read("Condition", "c1").await.unwrap().unwrap().body.unwrap(), b"{\"v\":2}");
    assert_eq!(tx.delete("Condition", "c1", "u1", Origin::Local).await.unwrap(), 3);
    let tomb = tx.read("Condition", "c1").await.unwrap().unwrap();
    assert!(tomb.deleted && tomb.body.is_none());
    let history = tx.history("Condition", "c1").await.unwrap();
    assert_eq!(history.iter().map(|s| s.version).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(history[0].body.as_deref(), Some(&b"{\"v\":1}"[..]));
    assert!(tx.patient_resources("p1", "Condition").await.unwrap().is_empty());
    assert_eq!(tx.outbox_disagreements().await.unwrap(), 0);
    let outbox = tx.pending_outbox(10).await.unwrap();
    assert_eq!(outbox.iter().map(|o| (o.version, o.op.as_str())).collect::<Vec<_>>(), [(1, "upsert"), (2, "upsert"), (3, "delete")]);
    tx.commit().await.unwrap();
    assert_eq!(store.count(Table::ResourceVersions).await.unwrap(), 3);
}

#[tokio::test]
async fn rollback_leaves_nothing() {
    let (_d, store) = fresh().await;
    let mut tx = store.write(T0).await.unwrap();
    tx.put(v("Condition", "c1", 1, b"{}", Some("p1"), Index::None)).await.unwrap();
    drop(tx);
    assert_eq!(store.count(Table::ResourceVersions).await.unwrap(), 0);
    assert_eq!(store.count(Table::Outbox).await.unwrap(), 0);
}

#[tokio::test]
async fn remote_versions_leave_no_outbox_row() {
    let (_d, store) = fresh().await;
    let mut tx = store.write(T0).await.unwrap();
    let mut w = v("Condition", "c1", 1, b"{}", Some("p1"), Index::None);
    w.origin = Origin::Remote;
    tx.put(w).await.unwrap();
    assert!(tx.pending_outbox(10).await.unwrap().is_empty());
    assert_eq!(tx.outbox_disagreements().await.unwrap(), 0);
}

#[tokio::test]
async fn observations_newest_first_and_reindexed_on_update() {
    let (_d, store) = fresh().await;
    let mut tx = store.write(T0).await.unwrap();
    for (i, when) in ["2024-01-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z"].iter().enumerate() {
        let id = format!("o{i}");
        let idx = Index::Observation(ObservationIndex { category: "laboratory".into(), code: "2823-3".into(), effective: (*when).into() });
        tx.put(v("Observation", &id, 1, b"{}", Some("p1"), idx)).await.unwrap();
    }
    let got: Vec<String> = tx.observations("p1", "laboratory", 10).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(got, ["o1", "o2", "o0"]);
    // Correcting o1's time moves it in the index; no stale entry remains.
    let idx = Index::Observation(ObservationIndex { category: "laboratory".into(), code: "2823-3".into(), effective: "2023-01-01T00:00:00.000Z".into() });
    tx.put(v("Observation", "o1", 2, b"{}", Some("p1"), idx)).await.unwrap();
    let got: Vec<String> = tx.observations_by_code("p1", "2823-3", 10).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(got, ["o2", "o0", "o1"]);
    tx.delete("Observation", "o2", "u1", Origin::Local).await.unwrap();
    assert_eq!(tx.observations("p1", "laboratory", 10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn patient_search_by_prefix_birth_date_and_identifier() {
    let (_d, store) = fresh().await;
    let mut tx = store.write(T0).await.unwrap();
    for (id, family, given, dob, mrn) in [
        ("p1", "sharma", "anita", "1980-05-02", "MRN1"),
        ("p2", "sharma", "rahul", "1975-01-30", "MRN2"),
        ("p3", "shah", "anil", "1980-05-02", "MRN3"),
    ] {
        let idx = Index::Patient(Box::new(PatientIndex {
            family: family.into(),
            given: given.into(),
            birth_date: Some(dob.into()),
            sex: None,
            active: true,
            merged_into: None,
            tokens: vec![family.into(), given.into()],
            identifiers: vec![("urn:mrn".into(), mrn.into())],
            blocking_keys: vec![format!("f:{}", &family[..2])],
        }));
        tx.put(v("Patient", id, 1, b"{}", Some(id), idx)).await.unwrap();
    }
    let q = |p: &[&str], dob: Option<&str>, ident: Option<&str>| PatientQuery {
        name_prefixes: p.iter().map(|s| s.to_string()).collect(),
        birth_date: dob.map(str::to_owned),
        identifier: ident.map(str::to_owned),
        include_merged: false,
        limit: 10,
    };
    assert_eq!(tx.search_patients(&q(&["sha"], None, None)).await.unwrap(), ["p3", "p1", "p2"]);
    assert_eq!(tx.search_patients(&q(&["sharma", "an"], None, None)).await.unwrap(), ["p1"]);
    assert_eq!(tx.search_patients(&q(&[], Some("1980-05-02"), None)).await.unwrap(), ["p3", "p1"]);
    assert_eq!(tx.search_patients(&q(&[], None, Some("MRN2"))).await.unwrap(), ["p2"]);
    assert!(tx.search_patients(&q(&["zz"], None, None)).await.unwrap().is_empty());
    assert_eq!(tx.mpi_candidates(&["f:sh".into()]).await.unwrap().len(), 3);
}
