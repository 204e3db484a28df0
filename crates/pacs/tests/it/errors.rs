use std::time::Duration;

use meridian_pacs::{DicomWebClient, DimsePeer, PacsErrorKind, StudyQuery, WebOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn options() -> WebOptions {
    let mut o = WebOptions::default();
    o.timeout = Duration::from_secs(5);
    o
}

#[tokio::test]
async fn a_pacs_that_is_down_gives_a_retryable_network_error() {
    let port = meridian_pacs::test_support::free_port().expect("port");
    let pacs = DicomWebClient::new(&format!("http://127.0.0.1:{port}/dicom-web/"), options())
        .expect("client");
    let err = pacs
        .search_studies(&StudyQuery::by_patient_id("SECRET-MRN-42"))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err.kind, PacsErrorKind::Network { .. }), "{err}");
    assert!(err.is_retryable());
    let text = format!("{err} {err:?}");
    assert!(!text.contains("SECRET-MRN-42"), "no query value in {text}");
    assert!(text.contains("could not connect"), "{text}");

    let mut peer = DimsePeer::new(format!("127.0.0.1:{port}"), "ORTHANC", "MERIDIAN");
    peer.timeout = Duration::from_secs(5);
    let err = peer.echo().expect_err("nothing listens");
    assert!(matches!(err.kind, PacsErrorKind::Network { .. }), "{err}");
    assert!(err.is_retryable());
}

/// A one-shot HTTP server that answers every request with `answer`.
async fn serve(answer: Vec<u8>) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(&answer).await;
            let _ = socket.shutdown().await;
        }
    });
    port
}

fn http(content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

#[tokio::test]
async fn a_malformed_multipart_answer_is_a_clear_protocol_error() {
    let truncated = b"--b1\r\nContent-Type: application/dicom\r\n\r\nDICM-but-no-closing-boundary";
    let port = serve(http(
        "multipart/related; type=\"application/dicom\"; boundary=b1",
        truncated,
    ))
    .await;
    let pacs =
        DicomWebClient::new(&format!("http://127.0.0.1:{port}/"), options()).expect("client");
    let err = pacs.retrieve_study("1.2.3").await.expect_err("malformed");
    match &err.kind {
        PacsErrorKind::Protocol { reason } => {
            assert!(reason.contains("closing boundary"), "{reason}")
        }
        other => panic!("expected a protocol error, got {other:?}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(err.operation, "wado study");

    let port = serve(http(
        "multipart/related; type=\"application/dicom\"",
        b"--x--",
    ))
    .await;
    let pacs =
        DicomWebClient::new(&format!("http://127.0.0.1:{port}/"), options()).expect("client");
    let err = pacs.retrieve_study("1.2.3").await.expect_err("no boundary");
    assert!(err.to_string().contains("no boundary parameter"), "{err}");

    // A well-formed part that is not a DICOM file.
    let body = b"--b2\r\nContent-Type: application/dicom\r\n\r\nhello\r\n--b2--\r\n";
    let port = serve(http(
        "multipart/related; type=\"application/dicom\"; boundary=b2",
        body,
    ))
    .await;
    let pacs =
        DicomWebClient::new(&format!("http://127.0.0.1:{port}/"), options()).expect("client");
    let err = pacs.retrieve_study("1.2.3").await.expect_err("not DICOM");
    assert!(err.to_string().contains("not a DICOM file"), "{err}");
}

#[tokio::test]
async fn answers_over_the_limit_are_refused() {
    let port = serve(http("application/dicom+json", &vec![b' '; 4096])).await;
    let mut o = options();
    o.max_response_bytes = 1024;
    let pacs = DicomWebClient::new(&format!("http://127.0.0.1:{port}/"), o).expect("client");
    let err = pacs
        .search_studies(&StudyQuery::default())
        .await
        .expect_err("too large");
    assert_eq!(err.kind, PacsErrorKind::TooLarge { limit: 1024 });
}

#[tokio::test]
async fn server_failures_are_retryable_and_keep_retry_after() {
    let port = serve(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()).await;
    let pacs =
        DicomWebClient::new(&format!("http://127.0.0.1:{port}/"), options()).expect("client");
    let err = pacs.search_series("1.2.3").await.expect_err("503");
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}
