//! create, read, vread, update (with If-Match), conditional create, delete, against hfs.

use meridian_fhir::{Patient, Resource};
use meridian_fhirclient::{ClientErrorKind, Outcome};

use crate::{client, patient, resource, server};

fn active(r: &Resource) -> Option<bool> {
    match r {
        Resource::Patient(p) => p.active,
        _ => None,
    }
}

fn with_active(r: &Resource, value: bool) -> Resource {
    let mut p: Patient = match r {
        Resource::Patient(p) => (**p).clone(),
        _ => panic!("a Patient"),
    };
    p.active = Some(value);
    Resource::from(p)
}

#[tokio::test]
async fn create_read_update_vread_and_a_stale_if_match_is_a_conflict() {
    let hfs = server().await;
    let c = client(&hfs.base_url);

    let created = c.create(&patient("1001")).await.expect("create");
    let id = created.resource.id().expect("server id").to_owned();
    assert_eq!(created.version_id.as_deref(), Some("1"));
    assert!(created.last_modified.is_some());
    let location = created.location.as_deref().unwrap_or_default();
    assert!(location.contains(&format!("/Patient/{id}")), "{location}");

    let read = c.read("Patient", &id).await.expect("read").expect("found");
    assert_eq!(read.version_id.as_deref(), Some("1"));
    assert_eq!(read.resource.id(), Some(id.as_str()));
    assert_eq!(active(&read.resource), None);

    let updated = c
        .update(&with_active(&read.resource, true), Some("1"))
        .await
        .expect("update based on version 1");
    assert_eq!(updated.version_id.as_deref(), Some("2"));
    assert_eq!(active(&updated.resource), Some(true));

    // Someone else's edit based on version 1 arrives late: the server refuses it.
    let stale = c
        .update(&with_active(&read.resource, false), Some("1"))
        .await
        .expect_err("version 1 is stale");
    assert!(
        matches!(stale.kind, ClientErrorKind::Conflict { status: 412, .. }),
        "{stale}"
    );
    assert!(!stale.is_retryable());
    assert!(
        stale.outcome().is_some_and(|o| !o.issues.is_empty()),
        "{stale}"
    );

    let v1 = c
        .vread("Patient", &id, "1")
        .await
        .expect("vread")
        .expect("v1");
    assert_eq!(active(&v1.resource), None);
    let v2 = c
        .vread("Patient", &id, "2")
        .await
        .expect("vread")
        .expect("v2");
    assert_eq!(active(&v2.resource), Some(true));
    assert!(c.vread("Patient", &id, "9").await.expect("vread").is_none());
    let now = c.read("Patient", &id).await.expect("read").expect("found");
    assert_eq!(
        now.version_id.as_deref(),
        Some("2"),
        "the stale update changed nothing"
    );
}

#[tokio::test]
async fn update_with_a_client_id_creates_then_versions() {
    let hfs = server().await;
    let c = client(&hfs.base_url);
    let mut p = patient("2002");
    p.set_id("meridian-p-2002").expect("id");
    let first = c.update(&p, None).await.expect("PUT as create");
    assert_eq!(first.version_id.as_deref(), Some("1"));
    assert_eq!(first.resource.id(), Some("meridian-p-2002"));
    let second = c.update(&p, Some("1")).await.expect("update");
    assert_eq!(second.version_id.as_deref(), Some("2"));
}

#[tokio::test]
async fn conditional_create_twice_makes_one_resource() {
    let hfs = server().await;
    let c = client(&hfs.base_url);
    let query = "identifier=http://hospital.example/mrn|3003";
    let (first, a) = c
        .create_if_none_exist(&patient("3003"), query)
        .await
        .expect("first");
    let (second, b) = c
        .create_if_none_exist(&patient("3003"), query)
        .await
        .expect("second");
    assert_eq!(first, Outcome::Created);
    assert_eq!(second, Outcome::Existing);
    assert_eq!(a.resource.id(), b.resource.id());
    assert!(a.resource.id().is_some());
    let found = c
        .search(
            "Patient",
            &[("identifier", "http://hospital.example/mrn|3003")],
        )
        .await
        .expect("search");
    assert_eq!(found.entries.len(), 1);
}

#[tokio::test]
async fn delete_makes_read_answer_none_and_unknown_ids_are_rejected() {
    let hfs = server().await;
    let c = client(&hfs.base_url);
    let created = c.create(&patient("4004")).await.expect("create");
    let id = created.resource.id().expect("id").to_owned();
    c.delete("Patient", &id).await.expect("delete");
    assert!(c.read("Patient", &id).await.expect("read").is_none());
    assert!(
        c.read("Patient", "never-there")
            .await
            .expect("read")
            .is_none()
    );
    let err = c
        .delete("Patient", "never-there")
        .await
        .expect_err("unknown id");
    assert!(
        matches!(err.kind, ClientErrorKind::Rejected { status: 404, .. }),
        "{err}"
    );
    let issue = &err.outcome().expect("outcome").issues[0];
    assert_eq!(issue.code, "not-found");
}

#[tokio::test]
async fn arguments_that_would_escape_the_url_are_refused_before_sending() {
    // No server: these must fail without a request.
    let c = client("http://127.0.0.1:9");
    for (t, id) in [
        ("Patient", "../metadata"),
        ("Patient", "a/b"),
        ("patient", "x"),
        ("Pat/ient", "x"),
    ] {
        let err = c.read(t, id).await.expect_err("refused");
        assert!(
            matches!(err.kind, ClientErrorKind::InvalidInput { .. }),
            "{t} {id}: {err}"
        );
    }
    let err = c
        .update(&resource(r#"{"resourceType":"Patient"}"#), None)
        .await
        .expect_err("no id");
    assert!(
        matches!(err.kind, ClientErrorKind::InvalidInput { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("use `create`"), "{err}");
}
