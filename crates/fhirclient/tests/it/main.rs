//! Integration tests for meridian-fhirclient, against a real FHIR server (helios `hfs`, started
//! per test by `test_support::FhirServer`), a fault proxy in front of it, and, for the SMART
//! token flow, tiny HTTP listeners written here.

mod auth;
mod capabilities;
mod crud;
mod errors;
mod history;
mod search;
mod transaction;
mod wire;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use meridian_fhir::Resource;
use meridian_fhirclient::test_support::FhirServer;
use meridian_fhirclient::{Client, Endpoint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A fresh hfs; the test fails with the reason (binary missing, start failed) otherwise.
pub(crate) async fn server() -> FhirServer {
    match FhirServer::start().await {
        Ok(s) => s,
        Err(e) => panic!("could not start the FHIR server: {e}"),
    }
}

pub(crate) fn client(base_url: &str) -> Client {
    client_with_timeout(base_url, Duration::from_secs(20))
}

pub(crate) fn client_with_timeout(base_url: &str, timeout: Duration) -> Client {
    Client::new(Endpoint::new(base_url).with_timeout(timeout)).expect("a valid endpoint")
}

pub(crate) fn resource(json: &str) -> Resource {
    meridian_fhir::parse_resource(json.as_bytes()).expect("a valid test resource")
}

pub(crate) fn patient(mrn: &str) -> Resource {
    resource(&format!(
        r#"{{"resourceType":"Patient","identifier":[{{"system":"http://hospital.example/mrn","value":"{mrn}"}}],
            "name":[{{"family":"Testperson","given":["Ada"]}}],"birthDate":"1970-01-01"}}"#
    ))
}

/// One request as a raw listener saw it.
#[derive(Clone, Debug)]
pub(crate) struct SeenRequest {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl SeenRequest {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP/1.1 server on loopback: reads one request per connection, records it,
/// answers with what `handler` returns (status, body), and closes.
pub(crate) struct RawServer {
    pub(crate) url: String,
    pub(crate) seen: Arc<Mutex<Vec<SeenRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An answer from a raw listener: status, extra headers, body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

type Handler = Arc<dyn Fn(&SeenRequest) -> Reply + Send + Sync>;

impl RawServer {
    /// A listener answering JSON text.
    pub(crate) async fn start(
        handler: impl Fn(&SeenRequest) -> (u16, String) + Send + Sync + 'static,
    ) -> RawServer {
        Self::start_with(move |req| {
            let (status, body) = handler(req);
            Reply {
                status,
                headers: vec![("Content-Type", "application/json".into())],
                body: body.into_bytes(),
            }
        })
        .await
    }

    /// A listener answering whatever `handler` builds.
    pub(crate) async fn start_with(
        handler: impl Fn(&SeenRequest) -> Reply + Send + Sync + 'static,
    ) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let task = tokio::spawn({
            let seen = seen.clone();
            async move {
                loop {
                    let Ok((mut socket, _)) = listener.accept().await else {
                        continue;
                    };
                    let Some(request) = read_request(&mut socket).await else {
                        continue;
                    };
                    seen.lock().expect("lock").push(request.clone());
                    let reply = handler(&request);
                    let mut head = format!("HTTP/1.1 {} X\r\n", reply.status);
                    for (name, value) in &reply.headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str(&format!(
                        "Content-Length: {}\r\nConnection: close\r\n\r\n",
                        reply.body.len()
                    ));
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&reply.body).await;
                    let _ = socket.shutdown().await;
                }
            }
        });
        RawServer { url, seen, task }
    }

    pub(crate) fn requests(&self) -> Vec<SeenRequest> {
        self.seen.lock().expect("lock").clone()
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<SeenRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(SeenRequest {
        method,
        target,
        headers,
        body,
    })
}
