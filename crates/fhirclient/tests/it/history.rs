//! `_history?_since=`: what changed after a point in time, deletes included.

use std::time::Duration;

use meridian_fhirclient::{ClientErrorKind, HistoryMethod};

use crate::{client, patient, resource, server};

#[tokio::test]
async fn since_returns_only_what_changed_after_the_mark() {
    let hfs = server().await;
    let c = client(&hfs.base_url);

    // Before the mark: A and B created.
    let a = c.create(&patient("5001")).await.expect("A");
    let b = c.create(&patient("5002")).await.expect("B");
    let a_id = a.resource.id().expect("id").to_owned();
    let b_id = b.resource.id().expect("id").to_owned();
    // The mark is the server's own clock (meta.lastUpdated of a write), so that the two
    // machines' clocks do not matter; hfs keeps milliseconds there, so leave a gap.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mark = c.create(&patient("5000")).await.expect("mark");
    let since = mark.last_modified.clone().expect("lastUpdated");
    let mark_id = mark.resource.id().expect("id").to_owned();
    tokio::time::sleep(Duration::from_millis(20)).await;

    // After the mark: A updated, B deleted, C created, and an Observation.
    c.update(&a.resource, Some("1")).await.expect("update A");
    c.delete("Patient", &b_id).await.expect("delete B");
    let new = c.create(&patient("5003")).await.expect("C");
    let c_id = new.resource.id().expect("id").to_owned();
    c.create(&resource(
        r#"{"resourceType":"Observation","status":"final","code":{"text":"x"}}"#,
    ))
    .await
    .expect("observation");

    let page = c
        .history_since(Some("Patient"), &since, 50)
        .await
        .expect("history");
    let summary: Vec<(HistoryMethod, String, String)> = page
        .entries
        .iter()
        .map(|e| {
            (
                e.method.clone(),
                e.id.clone().unwrap_or_default(),
                e.version_id.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(page.entries.len(), 4, "{summary:?}");
    assert!(
        summary.contains(&(HistoryMethod::Post, mark_id.clone(), "1".into())),
        "{summary:?}"
    );
    assert!(
        summary.contains(&(HistoryMethod::Put, a_id.clone(), "2".into())),
        "{summary:?}"
    );
    assert!(
        summary.contains(&(HistoryMethod::Post, c_id.clone(), "1".into())),
        "{summary:?}"
    );
    let deleted = page
        .entries
        .iter()
        .find(|e| e.method == HistoryMethod::Delete)
        .expect("the delete of B");
    assert_eq!(deleted.id.as_deref(), Some(b_id.as_str()));
    assert_eq!(deleted.resource_type.as_deref(), Some("Patient"));
    assert!(deleted.resource.is_none());
    assert!(
        page.entries
            .iter()
            .all(|e| e.resource_type.as_deref() == Some("Patient"))
    );
    // A's creation happened before the mark.
    assert!(!summary.contains(&(HistoryMethod::Post, a_id, "1".into())));

    // The whole server: the Observation too.
    let all = c
        .history_since(None, &since, 50)
        .await
        .expect("system history");
    assert_eq!(all.entries.len(), 5);
    assert!(
        all.entries
            .iter()
            .any(|e| e.resource_type.as_deref() == Some("Observation"))
    );
}

#[tokio::test]
async fn history_pages_follow_next_links() {
    let hfs = server().await;
    let c = client(&hfs.base_url);
    for n in 0..5 {
        c.create(&patient(&format!("600{n}")))
            .await
            .expect("create");
    }
    let mut page = c
        .history_since(Some("Patient"), "2000-01-01T00:00:00Z", 2)
        .await
        .expect("page 1");
    let mut seen = page.entries.len();
    let mut pages = 1;
    while let Some(next) = page.next.take() {
        page = c.next_history_page(&next).await.expect("next page");
        seen += page.entries.len();
        pages += 1;
        assert!(pages <= 5, "paging does not end");
    }
    assert_eq!(seen, 5);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn since_must_be_an_instant() {
    let c = client("http://127.0.0.1:9");
    for bad in ["yesterday", "2024-01-01", "2024-01-01T10:00:00"] {
        let err = c.history_since(None, bad, 10).await.expect_err("refused");
        assert!(
            matches!(err.kind, ClientErrorKind::InvalidInput { .. }),
            "{bad}: {err}"
        );
    }
}
