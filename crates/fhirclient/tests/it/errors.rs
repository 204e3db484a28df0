//! Failures as the sync engine sees them: server answers (404, 400 with an OperationOutcome),
//! injected faults (500, 503, 429, dropped and stalled connections), a server that is down and
//! comes back, and what error messages must not contain.

use std::time::{Duration, Instant};

use meridian_fhirclient::test_support::{Fault, FaultProxy};
use meridian_fhirclient::{ClientErrorKind, Endpoint};

use crate::{RawServer, client, client_with_timeout, patient, server};

#[tokio::test]
async fn a_bad_search_is_rejected_with_the_servers_outcome() {
    let hfs = server().await;
    let c = client(&hfs.base_url);
    let err = c
        .search("Patient", &[("birthdate", "not-a-date")])
        .await
        .expect_err("hfs refuses an invalid date");
    assert!(
        matches!(err.kind, ClientErrorKind::Rejected { status: 400, .. }),
        "{err}"
    );
    assert!(!err.is_retryable());
    let issue = &err.outcome().expect("an OperationOutcome").issues[0];
    assert_eq!(issue.severity, "error");
    assert_eq!(issue.code, "invalid");
    let text = issue.diagnostics.as_deref().unwrap_or_default();
    assert!(text.contains("birthdate"), "{text}");
    assert!(text.chars().count() <= 201);
    let shown = err.to_string();
    assert!(
        shown.starts_with("fhir search: server rejected the request with 400"),
        "{shown}"
    );
    assert!(shown.contains("birthdate"), "the outcome is shown: {shown}");
    assert!(!shown.contains(&hfs.base_url), "no URL in errors: {shown}");
}

#[tokio::test]
async fn injected_server_errors_are_retryable_and_carry_retry_after() {
    let hfs = server().await;
    let proxy = FaultProxy::start(&hfs.base_url).await.expect("proxy");
    let c = client(&proxy.base_url);
    let id = c.create(&patient("8001")).await.expect("create").resource;
    let id = id.id().expect("id").to_owned();

    for (status, retry_after) in [(503, Some(1)), (429, Some(1)), (500, None), (502, None)] {
        proxy.set(Fault::Status(status), 1);
        let err = c.read("Patient", &id).await.expect_err("injected");
        assert_eq!(err.status(), Some(status), "{err}");
        assert!(matches!(err.kind, ClientErrorKind::Server { .. }), "{err}");
        assert!(err.is_retryable(), "{status} is transient");
        assert_eq!(
            err.retry_after(),
            retry_after.map(Duration::from_secs),
            "{status}"
        );
        let issue = &err.outcome().expect("outcome").issues[0];
        assert_eq!(issue.code, "transient");
        // The fault applied to one request only: the retry goes through.
        let ok = c.read("Patient", &id).await.expect("retry succeeds");
        assert!(ok.is_some());
    }
    assert_eq!(proxy.faults_left(), 0);
    assert_eq!(proxy.requests_seen(), 1 + 4 * 2);
}

#[tokio::test]
async fn a_dropped_connection_is_a_retryable_network_error_without_the_url() {
    let hfs = server().await;
    let proxy = FaultProxy::start(&hfs.base_url).await.expect("proxy");
    let c = client(&proxy.base_url);
    proxy.set(Fault::Drop, 1);
    let err = c
        .search(
            "Patient",
            &[("identifier", "http://hospital.example/mrn|SECRET-MRN-42")],
        )
        .await
        .expect_err("dropped");
    assert!(matches!(err.kind, ClientErrorKind::Network { .. }), "{err}");
    assert!(err.is_retryable());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("SECRET-MRN-42"), "{shown}");
    assert!(!shown.contains("127.0.0.1"), "{shown}");
    // The body of a failed write is not in the error either.
    proxy.set(Fault::Drop, 1);
    let err = c.create(&patient("8002")).await.expect_err("dropped");
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("Testperson") && !shown.contains("8002"),
        "{shown}"
    );
    assert_eq!(proxy.requests_seen(), 2);
}

#[tokio::test]
async fn a_stalled_server_times_out_within_the_configured_timeout() {
    let hfs = server().await;
    let proxy = FaultProxy::start(&hfs.base_url).await.expect("proxy");
    let c = client_with_timeout(&proxy.base_url, Duration::from_millis(800));
    proxy.set(Fault::Stall, 1);
    let started = Instant::now();
    let err = c.read("Patient", "p1").await.expect_err("stalled");
    let took = started.elapsed();
    assert!(matches!(err.kind, ClientErrorKind::Timeout { .. }), "{err}");
    assert!(err.is_retryable());
    assert!(took >= Duration::from_millis(700), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // The next request is not stalled.
    assert!(c.read("Patient", "p1").await.expect("read").is_none());
}

#[tokio::test]
async fn a_server_that_is_down_then_restarted_keeps_its_data() {
    let mut hfs = server().await;
    let c = client(&hfs.base_url);
    let created = c.create(&patient("8100")).await.expect("create");
    let id = created.resource.id().expect("id").to_owned();

    hfs.stop();
    assert!(!hfs.is_running());
    // The first request may go out on a pooled connection the dead server left behind
    // (closed before answering); the next one finds nobody listening.
    for _ in 0..2 {
        let err = c.read("Patient", &id).await.expect_err("server down");
        assert!(matches!(err.kind, ClientErrorKind::Network { .. }), "{err}");
        assert!(err.is_retryable());
    }
    let err = c.read("Patient", &id).await.expect_err("server down");
    assert!(
        err.to_string()
            .contains("could not connect: connection refused"),
        "{err}"
    );

    // Behind a proxy, a down server is a 502 from the proxy, as from a real gateway.
    let proxy = FaultProxy::start(&hfs.base_url).await.expect("proxy");
    let via = client(&proxy.base_url);
    let err = via.read("Patient", &id).await.expect_err("gateway");
    assert_eq!(err.status(), Some(502), "{err}");
    assert!(err.is_retryable());

    hfs.restart().await.expect("restart");
    let back = c
        .read("Patient", &id)
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(back.version_id.as_deref(), Some("1"));
    assert!(via.read("Patient", &id).await.expect("via proxy").is_some());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let raw = RawServer::start(|_| (302, String::new())).await;
    let err = client(&raw.url)
        .read("Patient", "p1")
        .await
        .expect_err("redirect");
    assert!(
        matches!(err.kind, ClientErrorKind::Protocol { .. }),
        "{err}"
    );
    assert_eq!(raw.requests().len(), 1);
}

#[tokio::test]
async fn bad_base_urls_are_refused() {
    for base in [
        "not a url",
        "ftp://fhir.example.org",
        "https://fhir.example.org/r4?x=1",
        "https://user:pw@fhir.example.org",
    ] {
        let err = meridian_fhirclient::Client::new(Endpoint::new(base)).expect_err(base);
        assert!(
            matches!(err.kind, ClientErrorKind::Config { .. }),
            "{base}: {err}"
        );
        assert!(!err.to_string().contains("pw"), "{err}");
    }
}

#[tokio::test]
async fn a_lost_answer_to_a_create_is_recovered_by_a_conditional_retry() {
    let hfs = server().await;
    let proxy = FaultProxy::start(&hfs.base_url).await.expect("proxy");
    let c = client(&proxy.base_url);
    let query = "identifier=http://hospital.example/mrn|8200";
    proxy.set(Fault::DropAnswer, 1);
    let err = c
        .create_if_none_exist(&patient("8200"), query)
        .await
        .expect_err("the answer was lost");
    assert!(matches!(err.kind, ClientErrorKind::Network { .. }), "{err}");
    assert!(err.is_retryable());
    // The server did create it; the retry finds it instead of making a second one.
    let (outcome, found) = c
        .create_if_none_exist(&patient("8200"), query)
        .await
        .expect("retry");
    assert_eq!(outcome, meridian_fhirclient::Outcome::Existing);
    assert_eq!(found.version_id.as_deref(), Some("1"));
    let all = c
        .search(
            "Patient",
            &[("identifier", "http://hospital.example/mrn|8200")],
        )
        .await
        .expect("search");
    assert_eq!(all.entries.len(), 1);
}

#[tokio::test]
async fn an_answer_over_the_size_limit_is_refused() {
    let big = format!(
        r#"{{"resourceType":"Patient","id":"p1","text":{{"status":"generated","div":"{}"}}}}"#,
        "x".repeat(meridian_fhirclient::MAX_RESPONSE_BYTES)
    );
    let raw = RawServer::start(move |_| (200, big.clone())).await;
    let err = client(&raw.url)
        .read("Patient", "p1")
        .await
        .expect_err("too big");
    assert!(
        matches!(err.kind, ClientErrorKind::Protocol { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("larger than 64 MiB"), "{err}");
}
