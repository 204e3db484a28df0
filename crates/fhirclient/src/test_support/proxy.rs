//! [`FaultProxy`]: an HTTP/1.1 proxy on loopback that passes requests to a real server, or, on
//! command, fails them.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use url::Url;

/// What the proxy does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forward it to the server and relay the answer.
    PassThrough,
    /// Answer with this status and an OperationOutcome; 429 and 503 carry `Retry-After: 1`.
    Status(u16),
    /// Read the request, then close the connection without forwarding or answering: the
    /// server never saw it.
    Drop,
    /// Forward the request and let the server act on it, then close the connection without
    /// relaying the answer: the write happened but the client cannot know (the case that
    /// makes retried creates need `If-None-Exist`).
    DropAnswer,
    /// Accept the request and never answer (until the proxy is dropped).
    Stall,
}

/// A proxy in front of a FHIR server. Clients use [`FaultProxy::base_url`]; each request is
/// forwarded on a fresh upstream connection, and the proxy closes the client connection after
/// each answer so that every request is seen (and counted) on its own.
///
/// Absolute URLs in answers (`Location`, Bundle links) name the upstream; the proxy rewrites
/// them to its own origin so that paging continues through it.
#[derive(Debug)]
pub struct FaultProxy {
    /// The proxy's base URL: the upstream's with the proxy's port.
    pub base_url: String,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct State {
    fault: Fault,
    remaining: usize,
    seen: usize,
}

#[derive(Debug)]
struct Route {
    /// `host:port` of the upstream, to connect to and to send as `Host`.
    upstream: String,
    upstream_origin: String,
    own_origin: String,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding this lock leaves plain counters behind; they are still usable.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port in front of `upstream_base_url` (an `http` URL).
    /// Until told otherwise it passes everything through.
    pub async fn start(upstream_base_url: &str) -> Result<Self, String> {
        let upstream = Url::parse(upstream_base_url)
            .map_err(|e| format!("upstream URL {upstream_base_url}: {e}"))?;
        if upstream.scheme() != "http" {
            return Err("the fault proxy speaks plain http only".into());
        }
        let host = upstream.host_str().unwrap_or("127.0.0.1").to_owned();
        let port = upstream.port_or_known_default().unwrap_or(80);
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("binding the proxy: {e}"))?;
        let own_port = listener
            .local_addr()
            .map_err(|e| format!("binding the proxy: {e}"))?
            .port();
        let mut own = upstream.clone();
        own.set_host(Some("127.0.0.1"))
            .and_then(|()| {
                own.set_port(Some(own_port))
                    .map_err(|()| url::ParseError::InvalidPort)
            })
            .map_err(|e| format!("forming the proxy URL: {e}"))?;
        let route = Arc::new(Route {
            upstream: format!("{host}:{port}"),
            upstream_origin: upstream.origin().ascii_serialization(),
            own_origin: own.origin().ascii_serialization(),
        });
        let state = Arc::new(Mutex::new(State {
            fault: Fault::PassThrough,
            remaining: 0,
            seen: 0,
        }));
        let task = tokio::spawn(accept_loop(listener, state.clone(), route));
        Ok(Self {
            base_url: own.as_str().trim_end_matches('/').to_owned(),
            state,
            task,
        })
    }

    /// Applies `fault` to the next `n` requests, then passes through again.
    pub fn set(&self, fault: Fault, n: usize) {
        let mut s = lock(&self.state);
        s.fault = fault;
        s.remaining = n;
    }

    /// Applies `fault` to every request until [`FaultProxy::set`] or
    /// [`FaultProxy::pass_through`].
    pub fn set_always(&self, fault: Fault) {
        self.set(fault, usize::MAX);
    }

    /// Passes every request through from now on.
    pub fn pass_through(&self) {
        self.set(Fault::PassThrough, 0);
    }

    /// Requests received so far, faulted or not.
    pub fn requests_seen(&self) -> usize {
        lock(&self.state).seen
    }

    /// How many more requests the current fault applies to.
    pub fn faults_left(&self) -> usize {
        lock(&self.state).remaining
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task,
        // stalled ones included.
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<Mutex<State>>, route: Arc<Route>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok((socket, _)) = listener.accept().await else {
            // Out of file descriptors, say: back off rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        connections.spawn(serve(socket, state.clone(), route.clone()));
    }
}

async fn serve(mut client: TcpStream, state: Arc<Mutex<State>>, route: Arc<Route>) {
    let Some(request) = read_request(&mut client).await else {
        return;
    };
    let fault = {
        let mut s = lock(&state);
        s.seen += 1;
        if s.remaining > 0 {
            s.remaining -= 1;
            s.fault
        } else {
            Fault::PassThrough
        }
    };
    match fault {
        Fault::Drop => drop(client),
        Fault::DropAnswer => {
            let _ = forward(&request, &route).await;
            drop(client);
        }
        Fault::Stall => {
            std::future::pending::<()>().await;
        }
        Fault::Status(status) => {
            let _ = client.write_all(&status_answer(status)).await;
            let _ = client.shutdown().await;
        }
        Fault::PassThrough => {
            let answer = match forward(&request, &route).await {
                Some(a) => a,
                None => status_answer(502),
            };
            let _ = client.write_all(&answer).await;
            let _ = client.shutdown().await;
        }
    }
}

/// A request as read: head lines and body.
struct HttpRequest {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

const MAX_HEAD: usize = 1024 * 1024;

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &str) -> (String, Vec<(String, String)>) {
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    (first, headers)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

async fn read_request(socket: &mut TcpStream) -> Option<HttpRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let (request_line, headers) = parse_head(&head);
    let length: usize = header(&headers, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(HttpRequest {
        request_line,
        headers,
        body,
    })
}

/// Sends the request upstream on a fresh connection and returns the rewritten answer; `None`
/// when the upstream cannot be reached or answers garbage.
async fn forward(request: &HttpRequest, route: &Route) -> Option<Vec<u8>> {
    let mut upstream = TcpStream::connect(&route.upstream).await.ok()?;
    let mut head = format!("{}\r\n", request.request_line);
    for (name, value) in &request.headers {
        // The answer is rewritten, so it must come uncompressed and end with the connection.
        let skip = [
            "host",
            "connection",
            "keep-alive",
            "accept-encoding",
            "content-length",
        ];
        if !skip.iter().any(|s| name.eq_ignore_ascii_case(s)) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "Host: {}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        route.upstream,
        request.body.len()
    ));
    upstream.write_all(head.as_bytes()).await.ok()?;
    upstream.write_all(&request.body).await.ok()?;
    let mut raw = Vec::new();
    upstream.read_to_end(&mut raw).await.ok()?;
    let head_end = find(&raw, b"\r\n\r\n")?;
    let (status_line, headers) = parse_head(&String::from_utf8_lossy(&raw[..head_end]));
    let body = &raw[head_end + 4..];
    let body = match header(&headers, "transfer-encoding") {
        Some(te) if te.eq_ignore_ascii_case("chunked") => dechunk(body)?,
        _ => body.to_vec(),
    };
    let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
    let rewrite = |text: &str| text.replace(&route.upstream_origin, &route.own_origin);
    let body = match String::from_utf8(body) {
        Ok(text) => rewrite(&text).into_bytes(),
        Err(e) => e.into_bytes(),
    };
    let mut out = format!("{status_line}\r\n");
    for (name, value) in &headers {
        let skip = [
            "transfer-encoding",
            "content-length",
            "connection",
            "keep-alive",
        ];
        if !skip.iter().any(|s| name.eq_ignore_ascii_case(s)) {
            out.push_str(&format!("{name}: {}\r\n", rewrite(value)));
        }
    }
    if !(status == 204 || status == 304 || (100..200).contains(&status)) {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

/// Decodes a complete chunked body.
fn dechunk(mut input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = find(input, b"\r\n")?;
        let size_text = std::str::from_utf8(&input[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        input = &input[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(input.get(..size)?);
        input = input.get(size + 2..)?;
    }
}

fn status_answer(status: u16) -> Vec<u8> {
    let reason = match status {
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Injected Fault",
    };
    let body = format!(
        r#"{{"resourceType":"OperationOutcome","issue":[{{"severity":"error","code":"transient","diagnostics":"fault proxy: injected {status}"}}]}}"#
    );
    let retry = if matches!(status, 429 | 503) {
        "Retry-After: 1\r\n"
    } else {
        ""
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/fhir+json\r\nContent-Length: {}\r\n{retry}Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n").as_deref(),
            Some(&b"Wikipedia"[..])
        );
        assert_eq!(dechunk(b"4\r\nWi"), None);
    }
}
