//! `GET /metadata` against hfs, and against something that is not a FHIR server.

use meridian_fhirclient::ClientErrorKind;

use crate::{RawServer, client, server};

#[tokio::test]
async fn hfs_reports_r4_with_crud_history_and_transactions() {
    let hfs = server().await;
    let caps = client(&hfs.base_url)
        .capabilities()
        .await
        .expect("capabilities");
    assert!(caps.is_r4(), "fhirVersion {:?}", caps.fhir_version);
    assert!(caps.formats.iter().any(|f| f.contains("json")));
    for interaction in [
        "read",
        "vread",
        "update",
        "create",
        "delete",
        "search-type",
        "history-type",
    ] {
        assert!(
            caps.supports("Patient", interaction),
            "Patient {interaction}"
        );
    }
    let patient = caps.resource("Patient").expect("Patient listed");
    assert!(patient.conditional_create);
    assert!(patient.search_params.iter().any(|p| p == "identifier"));
    assert!(caps.supports_system("transaction"));
    assert!(caps.supports_system("batch"));
    assert!(!caps.supports("NoSuchType", "read"));
}

#[tokio::test]
async fn a_server_that_is_not_fhir_is_a_protocol_error() {
    let raw = RawServer::start(|_| (200, r#"{"status":"ok"}"#.into())).await;
    let err = client(&raw.url)
        .capabilities()
        .await
        .expect_err("not a CapabilityStatement");
    assert!(
        matches!(err.kind, ClientErrorKind::Protocol { .. }),
        "{err}"
    );
    assert!(!err.is_retryable());
    let seen = raw.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].target, "/metadata");
    assert_eq!(seen[0].header("accept"), Some("application/fhir+json"));
}
