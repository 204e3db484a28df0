//! One HTTP exchange: TLS setup, headers, authorisation (with the SMART token cache), the size
//! limit on answers, and the mapping of transport failures to [`ClientErrorKind`]s.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::endpoint::{Auth, Endpoint, Secret, SmartBackend};
use crate::error::{ClientError, ClientErrorKind, OutcomeSummary};
use crate::smart;

/// The largest answer read, after decompression: far above any page a server should send,
/// below what would hurt a workstation.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

pub(crate) const FHIR_JSON: &str = "application/fhir+json";
pub(crate) const FHIR_JSON_R4: &str = "application/fhir+json; fhirVersion=4.0";

/// A complete answer: status, headers, and the whole (decompressed) body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error for a non-success answer, by status.
    pub(crate) fn failure(&self, interaction: &'static str) -> ClientError {
        let outcome = OutcomeSummary::from_body(&self.body);
        let status = self.status;
        let kind = match status {
            409 | 412 => ClientErrorKind::Conflict { status, outcome },
            408 | 429 | 500..=599 => ClientErrorKind::Server {
                status,
                retry_after: self.header("retry-after").and_then(retry_after),
                outcome,
            },
            400..=499 => ClientErrorKind::Rejected { status, outcome },
            300..=399 => ClientErrorKind::Protocol {
                reason: format!(
                    "the server redirected ({status}); redirects are not followed (use the final URL as the base)"
                ),
            },
            _ => ClientErrorKind::Protocol {
                reason: format!("unexpected status {status}"),
            },
        };
        ClientError::new(interaction, kind)
    }
}

/// `Retry-After` in delta-seconds. The HTTP-date form is not read (it needs a clock and
/// servers rarely send it); callers then use their own backoff.
fn retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A request to send.
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: Vec<(header::HeaderName, HeaderValue)>,
    pub(crate) body: Option<Vec<u8>>,
}

impl Request {
    pub(crate) fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            headers: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// A FHIR JSON body, with the R4 content type and `Prefer: return=representation`.
    pub(crate) fn fhir_body(self, body: Vec<u8>) -> Self {
        let mut req = self
            .header(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON_R4))
            .header(
                header::HeaderName::from_static("prefer"),
                HeaderValue::from_static("return=representation"),
            );
        req.body = Some(body);
        req
    }
}

/// An access token and when to stop using it.
#[derive(Debug)]
struct CachedToken {
    value: Secret,
    renew_at: Instant,
}

/// The HTTP side of a client: the connection pool, the endpoint, the token cache.
#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    pub(crate) endpoint: Endpoint,
    token: tokio::sync::Mutex<Option<CachedToken>>,
}

fn config_error(reason: impl Into<String>) -> ClientError {
    ClientError::new(
        "connect",
        ClientErrorKind::Config {
            reason: reason.into(),
        },
    )
}

/// Whether plain HTTP is acceptable for `url`: only on the loopback interface, where nothing
/// travels over a network.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl Transport {
    pub(crate) fn new(endpoint: Endpoint, base: &Url) -> Result<Self, ClientError> {
        let secured = !matches!(endpoint.auth, Auth::None);
        if secured && base.scheme() != "https" && !is_loopback(base) {
            return Err(config_error(
                "credentials would travel unencrypted; use an https base URL (plain http is allowed only on loopback)",
            ));
        }
        if let Auth::SmartBackend(smart) = &endpoint.auth {
            let token_url = Url::parse(&smart.token_url).map_err(|_| {
                config_error("the SMART token URL is not an absolute URL (check `token_url`)")
            })?;
            if token_url.scheme() != "https"
                && !(token_url.scheme() == "http" && is_loopback(&token_url))
            {
                return Err(config_error(
                    "the SMART token URL must use https (plain http is allowed only on loopback)",
                ));
            }
        }
        // No redirects (one could carry the Authorization header elsewhere); see meridian-http.
        let http = meridian_http::client(
            endpoint.timeout,
            concat!("meridian-fhirclient/", env!("CARGO_PKG_VERSION")),
        )
        .map_err(|e| config_error(e.to_string()))?;
        Ok(Self {
            http,
            endpoint,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// Sends `request` and reads the whole answer. With SMART backend auth, a 401 drops the
    /// cached token and the request is sent once more with a fresh one (a 401 means the
    /// server did not act on it).
    pub(crate) async fn send(
        &self,
        interaction: &'static str,
        request: Request,
    ) -> Result<Answer, ClientError> {
        let answer = self.send_once(interaction, &request).await?;
        if answer.status == 401 && matches!(self.endpoint.auth, Auth::SmartBackend(_)) {
            *self.token.lock().await = None;
            return self.send_once(interaction, &request).await;
        }
        Ok(answer)
    }

    async fn send_once(
        &self,
        interaction: &'static str,
        request: &Request,
    ) -> Result<Answer, ClientError> {
        let mut builder = self
            .http
            .request(request.method.clone(), request.url.clone())
            .header(header::ACCEPT, HeaderValue::from_static(FHIR_JSON));
        for (name, value) in &request.headers {
            builder = builder.header(name.clone(), value.clone());
        }
        if let Some(token) = self.access_token().await? {
            let mut value =
                HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
                    ClientError::new(
                        "token",
                        ClientErrorKind::Auth {
                            reason: "the access token contains characters not allowed in a header"
                                .into(),
                        },
                    )
                })?;
            value.set_sensitive(true);
            builder = builder.header(header::AUTHORIZATION, value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(interaction, &e, self.endpoint.timeout))?;
        read_answer(interaction, response, self.endpoint.timeout).await
    }

    /// The bearer token to send, if any: the fixed one, or a cached SMART token that is not
    /// about to expire, or a new one.
    async fn access_token(&self) -> Result<Option<Secret>, ClientError> {
        let smart = match &self.endpoint.auth {
            Auth::None => return Ok(None),
            Auth::Bearer(token) => return Ok(Some(token.clone())),
            Auth::SmartBackend(smart) => smart,
        };
        // Holding the lock while fetching makes concurrent requests share one token request.
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.renew_at
        {
            return Ok(Some(token.value.clone()));
        }
        let fetched_at = Instant::now();
        let token = self.fetch_token(smart).await?;
        // Renew a minute early (or half-way, for short-lived tokens) so that a token does not
        // expire between our check and the server's.
        let margin = (token.lifetime / 2).min(Duration::from_secs(60));
        let value = token.value.clone();
        *cached = Some(CachedToken {
            value: token.value,
            renew_at: fetched_at + token.lifetime - margin,
        });
        Ok(Some(value))
    }

    async fn fetch_token(&self, smart: &SmartBackend) -> Result<smart::AccessToken, ClientError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let assertion = smart::client_assertion(smart, now, &smart::random_jti());
        let body = smart::token_request_body(smart, &assertion);
        let response = self
            .http
            .post(&smart.token_url)
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error("token", &e, self.endpoint.timeout))?;
        let answer = read_answer("token", response, self.endpoint.timeout).await?;
        if !answer.is_success() {
            return Err(smart::token_failure(answer.status, &answer.body));
        }
        smart::read_token_response(&answer.body)
    }
}

async fn read_answer(
    interaction: &'static str,
    mut response: reqwest::Response,
    timeout: Duration,
) -> Result<Answer, ClientError> {
    let too_big = || {
        ClientError::new(
            interaction,
            ClientErrorKind::Protocol {
                reason: format!(
                    "the answer is larger than {} MiB (page smaller with `_count`)",
                    MAX_RESPONSE_BYTES / (1024 * 1024)
                ),
            },
        )
    };
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(interaction, &e, timeout))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status: StatusCode::as_u16(&status),
        headers,
        body,
    })
}

/// Maps a reqwest failure to a kind. reqwest's own messages include the URL (search URLs
/// carry identifiers), so only categories are kept.
fn transport_error(
    interaction: &'static str,
    e: &reqwest::Error,
    timeout: Duration,
) -> ClientError {
    let io_kind =
        source_chain(e).find_map(|s| s.downcast_ref::<std::io::Error>().map(|io| io.kind()));
    if e.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
        return ClientError::new(interaction, ClientErrorKind::Timeout { after: timeout });
    }
    if e.is_decode() {
        return ClientError::new(
            interaction,
            ClientErrorKind::Protocol {
                reason: "the answer could not be decompressed".into(),
            },
        );
    }
    // hyper's messages are fixed texts without URLs or data.
    let closed_early = source_chain(e).any(|s| {
        let text = s.to_string();
        text.contains("connection closed before message completed")
            || text.contains("end of file before message length reached")
    });
    let cause = match io_kind {
        Some(kind) => kind.to_string(),
        None if closed_early => "the server closed the connection before answering".into(),
        None if e.is_connect() => "no connection could be made".into(),
        None => "the connection failed".into(),
    };
    let reason = if e.is_connect() {
        format!("could not connect: {cause}")
    } else if e.is_body() {
        format!("the answer broke off: {cause}")
    } else {
        cause
    };
    ClientError::new(interaction, ClientErrorKind::Network { reason })
}

fn source_chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |e| e.source())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, retry: Option<&str>, body: &[u8]) -> Answer {
        let mut headers = HeaderMap::new();
        if let Some(v) = retry.and_then(|r| HeaderValue::from_str(r).ok()) {
            headers.insert(header::RETRY_AFTER, v);
        }
        Answer {
            status,
            headers,
            body: body.to_vec(),
        }
    }

    #[test]
    fn statuses_map_to_kinds() {
        let e = answer(503, Some("7"), b"").failure("read");
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = answer(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"), b"").failure("read");
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), None);
        assert!(matches!(
            answer(412, None, b"").failure("update").kind,
            ClientErrorKind::Conflict { status: 412, .. }
        ));
        assert!(matches!(
            answer(422, None, b"").failure("create").kind,
            ClientErrorKind::Rejected { status: 422, .. }
        ));
        assert!(matches!(
            answer(302, None, b"").failure("read").kind,
            ClientErrorKind::Protocol { .. }
        ));
    }

    #[test]
    fn an_operation_outcome_body_is_summarised() {
        let body = br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"bad"}]}"#;
        let e = answer(400, None, body).failure("create");
        let issues = e.outcome().map(|o| o.issues.clone()).unwrap_or_default();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].code, "invalid");
        assert_eq!(issues[0].diagnostics.as_deref(), Some("bad"));
    }

    #[test]
    fn only_loopback_hosts_count_as_loopback() {
        let is = |u: &str| Url::parse(u).map(|u| is_loopback(&u)).unwrap_or(false);
        assert!(is("http://127.0.0.1:8080/fhir"));
        assert!(is("http://[::1]:8080"));
        assert!(is("http://localhost"));
        assert!(!is("http://10.0.0.1"));
        assert!(!is("http://localhost.example.org"));
    }
}
