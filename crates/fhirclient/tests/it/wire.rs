//! What goes over the wire: FHIR media types, `Prefer`, `If-Match`, `If-None-Exist`, gzip,
//! as a raw listener sees them.

use meridian_fhirclient::Outcome;

use crate::{RawServer, Reply, client, patient};

const STORED: &str = r#"{"resourceType":"Patient","id":"p1","meta":{"versionId":"4","lastUpdated":"2024-05-01T10:00:00.000Z"}}"#;

#[tokio::test]
async fn writes_carry_fhir_headers_and_versions() {
    let raw = RawServer::start(|req| match req.method.as_str() {
        "POST" => (201, STORED.into()),
        _ => (200, STORED.into()),
    })
    .await;
    let c = client(&raw.url);
    let (outcome, v) = c
        .create_if_none_exist(
            &patient("9001"),
            "?identifier=http://hospital.example/mrn|9001",
        )
        .await
        .expect("create");
    assert_eq!(outcome, Outcome::Created);
    assert_eq!(v.version_id.as_deref(), Some("4"), "from meta when no ETag");
    assert_eq!(v.last_modified.as_deref(), Some("2024-05-01T10:00:00.000Z"));
    c.update(&v.resource, Some("4")).await.expect("update");
    c.update(&v.resource, Some(r#"W/"4""#))
        .await
        .expect("update with an ETag");

    let seen = raw.requests();
    let post = &seen[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.target, "/Patient");
    assert_eq!(
        post.header("content-type"),
        Some("application/fhir+json; fhirVersion=4.0")
    );
    assert_eq!(post.header("accept"), Some("application/fhir+json"));
    assert_eq!(post.header("prefer"), Some("return=representation"));
    assert_eq!(post.header("accept-encoding"), Some("gzip"));
    assert_eq!(
        post.header("if-none-exist"),
        Some("identifier=http://hospital.example/mrn|9001")
    );
    let sent = meridian_fhir::parse_resource(&post.body).expect("a FHIR body");
    assert_eq!(sent.resource_type(), "Patient");

    let put = &seen[1];
    assert_eq!(put.method, "PUT");
    assert_eq!(put.target, "/Patient/p1");
    assert_eq!(put.header("if-match"), Some(r#"W/"4""#));
    assert_eq!(put.header("prefer"), Some("return=representation"));
    assert_eq!(seen[2].header("if-match"), Some(r#"W/"4""#));
}

#[tokio::test]
async fn search_parameters_are_encoded_into_the_query() {
    let raw = RawServer::start(|_| {
        (
            200,
            r#"{"resourceType":"Bundle","type":"searchset"}"#.into(),
        )
    })
    .await;
    let c = client(&format!("{}/fhir/", raw.url));
    let page = c
        .search(
            "Observation",
            &[
                ("subject", "Patient/p1"),
                ("code", "http://loinc.org|29463-7"),
                ("_count", "5"),
            ],
        )
        .await
        .expect("search");
    assert!(page.entries.is_empty());
    let target = raw.requests()[0].target.clone();
    assert_eq!(
        target,
        "/fhir/Observation?subject=Patient%2Fp1&code=http%3A%2F%2Floinc.org%7C29463-7&_count=5"
    );
}

#[test]
fn client_futures_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let c = client("http://127.0.0.1:9");
    assert_send(&c.read("Patient", "p1"));
    assert_send(&c.search("Patient", &[]));
    assert_send(&c.history_since(None, "2024-01-01T00:00:00Z", 10));
}

/// `{"resourceType":"Patient","id":"gz1"}`, gzip-compressed.
const GZIPPED_PATIENT: [u8; 55] = [
    31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 171, 86, 42, 74, 45, 206, 47, 45, 74, 78, 13, 169, 44, 72, 85,
    178, 82, 10, 72, 44, 201, 76, 205, 43, 81, 210, 81, 202, 76, 1, 114, 211, 171, 12, 149, 106, 1,
    183, 200, 183, 147, 37, 0, 0, 0,
];

#[tokio::test]
async fn gzip_answers_are_decompressed_and_etags_read() {
    let raw = RawServer::start_with(|_| Reply {
        status: 200,
        headers: vec![
            ("Content-Type", "application/fhir+json".into()),
            ("Content-Encoding", "gzip".into()),
            ("ETag", r#"W/"7""#.into()),
            ("Last-Modified", "Wed, 01 May 2024 10:00:00 GMT".into()),
        ],
        body: GZIPPED_PATIENT.to_vec(),
    })
    .await;
    let v = client(&raw.url)
        .read("Patient", "gz1")
        .await
        .expect("read")
        .expect("found");
    assert_eq!(v.resource.id(), Some("gz1"));
    assert_eq!(v.version_id.as_deref(), Some("7"));
    assert_eq!(
        v.last_modified.as_deref(),
        Some("Wed, 01 May 2024 10:00:00 GMT")
    );
}
