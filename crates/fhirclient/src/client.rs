//! [`Client`]: the FHIR RESTful interactions.

use std::sync::Arc;

use meridian_fhir::{Bundle, Id, Resource};
use reqwest::Method;
use reqwest::header::{self, HeaderName, HeaderValue};
use url::Url;

use crate::capabilities::Capabilities;
use crate::endpoint::Endpoint;
use crate::error::{ClientError, ClientErrorKind};
use crate::results::{self, HistoryPage, Outcome, SearchPage, Versioned, is_type_name};
use crate::transport::{Answer, MAX_RESPONSE_BYTES, Request, Transport};

/// A FHIR R4 REST client for one server. Cheap to clone; clones share the connection pool and
/// the access token.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The base URL without a trailing `/`.
    base: String,
    base_url: Url,
    transport: Transport,
}

fn invalid(interaction: &'static str, reason: impl Into<String>) -> ClientError {
    ClientError::new(
        interaction,
        ClientErrorKind::InvalidInput {
            reason: reason.into(),
        },
    )
}

fn protocol(interaction: &'static str, reason: impl Into<String>) -> ClientError {
    ClientError::new(
        interaction,
        ClientErrorKind::Protocol {
            reason: reason.into(),
        },
    )
}

fn check_type(interaction: &'static str, resource_type: &str) -> Result<(), ClientError> {
    if is_type_name(resource_type) {
        Ok(())
    } else {
        Err(invalid(
            interaction,
            "the resource type must be a FHIR type name such as `Patient`",
        ))
    }
}

fn check_id(interaction: &'static str, what: &str, id: &str) -> Result<(), ClientError> {
    Id::parse(id).map(|_| ()).map_err(|_| {
        invalid(
            interaction,
            format!("the {what} must be a FHIR id (1 to 64 of A-Z, a-z, 0-9, '-', '.')"),
        )
    })
}

fn header_value(
    interaction: &'static str,
    what: &str,
    value: &str,
) -> Result<HeaderValue, ClientError> {
    HeaderValue::from_str(value).map_err(|_| {
        invalid(
            interaction,
            format!("the {what} contains characters not allowed in an HTTP header"),
        )
    })
}

impl Client {
    /// A client for `endpoint`. Checks the base URL (absolute `http` or `https`, no query or
    /// fragment; `https` whenever credentials are sent, except on loopback) and sets up TLS
    /// with the operating system's trust store. Makes no request.
    pub fn new(endpoint: Endpoint) -> Result<Client, ClientError> {
        let config = |reason: &str| {
            ClientError::new(
                "connect",
                ClientErrorKind::Config {
                    reason: reason.into(),
                },
            )
        };
        let base_url = Url::parse(endpoint.base_url.trim()).map_err(|_| {
            config("the base URL is not an absolute URL (e.g. https://fhir.example.org/r4)")
        })?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.host().is_none() {
            return Err(config(
                "the base URL must be an http or https URL with a host",
            ));
        }
        if base_url.query().is_some() || base_url.fragment().is_some() {
            return Err(config("the base URL must not have a query or fragment"));
        }
        if !base_url.username().is_empty() || base_url.password().is_some() {
            return Err(config(
                "the base URL must not carry credentials; use `Endpoint::auth`",
            ));
        }
        let base = base_url.as_str().trim_end_matches('/').to_owned();
        let transport = Transport::new(endpoint, &base_url)?;
        Ok(Client {
            inner: Arc::new(Inner {
                base,
                base_url,
                transport,
            }),
        })
    }

    /// The endpoint this client talks to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.transport.endpoint
    }

    fn url(&self, interaction: &'static str, path: &str) -> Result<Url, ClientError> {
        let text = if path.is_empty() {
            self.inner.base.clone()
        } else {
            format!("{}/{path}", self.inner.base)
        };
        Url::parse(&text).map_err(|_| invalid(interaction, "the request URL could not be formed"))
    }

    async fn send(
        &self,
        interaction: &'static str,
        request: Request,
    ) -> Result<Answer, ClientError> {
        self.inner.transport.send(interaction, request).await
    }

    /// `GET [base]/metadata`: what the server supports.
    pub async fn capabilities(&self) -> Result<Capabilities, ClientError> {
        const I: &str = "capabilities";
        let answer = self
            .send(I, Request::new(Method::GET, self.url(I, "metadata")?))
            .await?;
        if !answer.is_success() {
            return Err(answer.failure(I));
        }
        Capabilities::from_json(&answer.body)
            .ok_or_else(|| protocol(I, "`/metadata` did not answer with a CapabilityStatement"))
    }

    /// `GET [base]/[type]/[id]`. `None` when the server answers 404 (unknown) or 410
    /// (deleted).
    pub async fn read(
        &self,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<Versioned>, ClientError> {
        const I: &str = "read";
        check_type(I, resource_type)?;
        check_id(I, "id", id)?;
        let url = self.url(I, &format!("{resource_type}/{id}"))?;
        self.get_resource(I, url).await
    }

    /// `GET [base]/[type]/[id]/_history/[vid]`. `None` on 404 or 410.
    pub async fn vread(
        &self,
        resource_type: &str,
        id: &str,
        version_id: &str,
    ) -> Result<Option<Versioned>, ClientError> {
        const I: &str = "vread";
        check_type(I, resource_type)?;
        check_id(I, "id", id)?;
        check_id(I, "version id", version_id)?;
        let url = self.url(I, &format!("{resource_type}/{id}/_history/{version_id}"))?;
        self.get_resource(I, url).await
    }

    async fn get_resource(
        &self,
        interaction: &'static str,
        url: Url,
    ) -> Result<Option<Versioned>, ClientError> {
        let answer = self
            .send(interaction, Request::new(Method::GET, url))
            .await?;
        match answer.status {
            404 | 410 => Ok(None),
            _ if answer.is_success() => {
                results::versioned(interaction, &answer, MAX_RESPONSE_BYTES).map(Some)
            }
            _ => Err(answer.failure(interaction)),
        }
    }

    /// `GET [base]/[type]?params`: the first page of a search. Parameters are sent as given
    /// (`("identifier", "http://hospital.example/mrn|123")`, `("_count", "50")`).
    pub async fn search(
        &self,
        resource_type: &str,
        params: &[(&str, &str)],
    ) -> Result<SearchPage, ClientError> {
        const I: &str = "search";
        check_type(I, resource_type)?;
        let mut url = self.url(I, resource_type)?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        self.search_url(I, url).await
    }

    /// The page behind a `next` link. Refuses a link to another origin (scheme, host, port)
    /// than the base URL, so that a server cannot point the client, and its token, elsewhere.
    pub async fn next_page(&self, next_url: &str) -> Result<SearchPage, ClientError> {
        const I: &str = "search";
        let url = self.same_origin(I, next_url)?;
        self.search_url(I, url).await
    }

    async fn search_url(
        &self,
        interaction: &'static str,
        url: Url,
    ) -> Result<SearchPage, ClientError> {
        let answer = self
            .send(interaction, Request::new(Method::GET, url))
            .await?;
        if !answer.is_success() {
            return Err(answer.failure(interaction));
        }
        let bundle = results::bundle(interaction, &answer, &["searchset"], MAX_RESPONSE_BYTES)?;
        Ok(results::search_page(bundle))
    }

    /// All pages of a search, following `next` links, up to `max_pages` pages. Fails with
    /// [`ClientErrorKind::PageLimit`] rather than return a silently incomplete result.
    pub async fn search_all(
        &self,
        resource_type: &str,
        params: &[(&str, &str)],
        max_pages: usize,
    ) -> Result<Vec<Resource>, ClientError> {
        let mut page = self.search(resource_type, params).await?;
        let mut out = std::mem::take(&mut page.entries);
        let mut pages = 1;
        while let Some(next) = page.next.take() {
            if pages >= max_pages {
                return Err(ClientError::new(
                    "search",
                    ClientErrorKind::PageLimit { max_pages },
                ));
            }
            page = self.next_page(&next).await?;
            out.append(&mut page.entries);
            pages += 1;
        }
        Ok(out)
    }

    /// Resolves `link` against the base and checks it has the base's origin.
    fn same_origin(&self, interaction: &'static str, link: &str) -> Result<Url, ClientError> {
        let url = self
            .inner
            .base_url
            .join(link)
            .map_err(|_| invalid(interaction, "the link is not a URL"))?;
        if url.origin() != self.inner.base_url.origin() {
            return Err(invalid(
                interaction,
                format!(
                    "the link points to {} but the server is {}; links to other origins are not followed",
                    url.origin().ascii_serialization(),
                    self.inner.base_url.origin().ascii_serialization()
                ),
            ));
        }
        Ok(url)
    }

    /// `POST [base]/[type]`: the server assigns the id. Returns the stored resource.
    pub async fn create(&self, resource: &Resource) -> Result<Versioned, ClientError> {
        const I: &str = "create";
        let request = self.create_request(I, resource)?;
        let answer = self.send(I, request).await?;
        if !answer.is_success() {
            return Err(answer.failure(I));
        }
        self.written(I, &answer).await
    }

    /// `POST [base]/[type]` with `If-None-Exist: query` (e.g. `identifier=http://h/mrn|123`):
    /// creates the resource unless one matches. [`Outcome::Existing`] (200) returns the match
    /// as the server sends it; several matches are a [`ClientErrorKind::Conflict`] (412).
    pub async fn create_if_none_exist(
        &self,
        resource: &Resource,
        query: &str,
    ) -> Result<(Outcome, Versioned), ClientError> {
        const I: &str = "conditional create";
        let query = query.trim_start_matches('?');
        if query.is_empty() {
            return Err(invalid(I, "the If-None-Exist query is empty"));
        }
        let request = self.create_request(I, resource)?.header(
            HeaderName::from_static("if-none-exist"),
            header_value(I, "If-None-Exist query", query)?,
        );
        let answer = self.send(I, request).await?;
        let outcome = match answer.status {
            201 => Outcome::Created,
            200 => Outcome::Existing,
            _ if answer.is_success() => Outcome::Created,
            _ => return Err(answer.failure(I)),
        };
        Ok((outcome, self.written(I, &answer).await?))
    }

    fn create_request(
        &self,
        interaction: &'static str,
        resource: &Resource,
    ) -> Result<Request, ClientError> {
        let resource_type = resource.resource_type();
        check_type(interaction, resource_type)?;
        let body = meridian_fhir::to_json_vec(resource)
            .map_err(|_| invalid(interaction, "the resource could not be written as JSON"))?;
        Ok(Request::new(Method::POST, self.url(interaction, resource_type)?).fhir_body(body))
    }

    /// `PUT [base]/[type]/[id]`: updates (or, where the server allows, creates with this id).
    /// `if_match` is the version the change was based on (`3`, or an ETag `W/"3"`), sent as
    /// `If-Match: W/"3"`; if the
    /// server holds a newer one the answer is [`ClientErrorKind::Conflict`] (412).
    pub async fn update(
        &self,
        resource: &Resource,
        if_match: Option<&str>,
    ) -> Result<Versioned, ClientError> {
        const I: &str = "update";
        let resource_type = resource.resource_type();
        check_type(I, resource_type)?;
        let Some(id) = resource.id() else {
            return Err(invalid(
                I,
                "the resource has no id; use `create` for new resources",
            ));
        };
        check_id(I, "id", id)?;
        let body = meridian_fhir::to_json_vec(resource)
            .map_err(|_| invalid(I, "the resource could not be written as JSON"))?;
        let mut request = Request::new(Method::PUT, self.url(I, &format!("{resource_type}/{id}"))?)
            .fhir_body(body);
        if let Some(version) = if_match {
            // Accept an ETag as well as a bare version id.
            let version = results::etag_version(version).unwrap_or_default();
            check_id(I, "If-Match version", &version)?;
            request = request.header(
                header::IF_MATCH,
                header_value(I, "If-Match version", &format!("W/\"{version}\""))?,
            );
        }
        let answer = self.send(I, request).await?;
        if !answer.is_success() {
            return Err(answer.failure(I));
        }
        self.written(I, &answer).await
    }

    /// `DELETE [base]/[type]/[id]`. Deleting an already deleted resource (410) succeeds; an
    /// unknown one (404) is [`ClientErrorKind::Rejected`].
    pub async fn delete(&self, resource_type: &str, id: &str) -> Result<(), ClientError> {
        const I: &str = "delete";
        check_type(I, resource_type)?;
        check_id(I, "id", id)?;
        let url = self.url(I, &format!("{resource_type}/{id}"))?;
        let answer = self.send(I, Request::new(Method::DELETE, url)).await?;
        if answer.is_success() || answer.status == 410 {
            Ok(())
        } else {
            Err(answer.failure(I))
        }
    }

    /// The resource a write produced: the body (we ask for `return=representation`), or, from
    /// a server that ignores that, a read of the `Location` it gave.
    async fn written(
        &self,
        interaction: &'static str,
        answer: &Answer,
    ) -> Result<Versioned, ClientError> {
        if !answer.body.iter().all(u8::is_ascii_whitespace) {
            let mut v = results::versioned(interaction, answer, MAX_RESPONSE_BYTES)?;
            if v.location.is_none() {
                v.location = answer.header("location").map(str::to_owned);
            }
            return Ok(v);
        }
        let Some(location) = answer
            .header("location")
            .or_else(|| answer.header("content-location"))
        else {
            return Err(protocol(
                interaction,
                "the server answered without the resource and without a Location",
            ));
        };
        let url = self.same_origin(interaction, location)?;
        match self.get_resource(interaction, url).await? {
            Some(mut v) => {
                v.location.get_or_insert_with(|| location.to_owned());
                if v.version_id.is_none() {
                    v.version_id = answer.header("etag").and_then(results::etag_version);
                }
                Ok(v)
            }
            None => Err(protocol(
                interaction,
                "the Location the server gave cannot be read",
            )),
        }
    }

    /// `GET [base]/[type]/_history?_since=..&_count=..` (or `[base]/_history` without a type):
    /// the versions written at or after `since`, a FHIR instant such as
    /// `2024-05-01T10:00:00.000Z`. Deletes come with no resource.
    pub async fn history_since(
        &self,
        resource_type: Option<&str>,
        since: &str,
        count: usize,
    ) -> Result<HistoryPage, ClientError> {
        const I: &str = "history";
        if meridian_fhir::FhirInstant::parse(since).is_err() {
            return Err(invalid(
                I,
                "`since` must be a FHIR instant such as 2024-05-01T10:00:00Z",
            ));
        }
        let path = match resource_type {
            Some(t) => {
                check_type(I, t)?;
                format!("{t}/_history")
            }
            None => "_history".to_owned(),
        };
        let mut url = self.url(I, &path)?;
        url.query_pairs_mut()
            .append_pair("_since", since)
            .append_pair("_count", &count.max(1).to_string());
        self.history_url(url).await
    }

    /// The history page behind a `next` link (same origin rule as [`Client::next_page`]).
    pub async fn next_history_page(&self, next_url: &str) -> Result<HistoryPage, ClientError> {
        let url = self.same_origin("history", next_url)?;
        self.history_url(url).await
    }

    async fn history_url(&self, url: Url) -> Result<HistoryPage, ClientError> {
        const I: &str = "history";
        let answer = self.send(I, Request::new(Method::GET, url)).await?;
        if !answer.is_success() {
            return Err(answer.failure(I));
        }
        let bundle = results::bundle(I, &answer, &["history"], MAX_RESPONSE_BYTES)?;
        Ok(results::history_page(bundle))
    }

    /// `POST [base]` with a `transaction` or `batch` Bundle; returns the response Bundle
    /// (`transaction-response` / `batch-response`), whose entries carry each entry's status,
    /// location and ETag. A transaction is all or nothing: a failing entry fails the whole
    /// call with the server's status.
    pub async fn transaction(&self, bundle: &Bundle) -> Result<Bundle, ClientError> {
        let kind = bundle.r#type.as_ref().map(|t| t.as_str()).unwrap_or("");
        let (interaction, expect) = match kind {
            "transaction" => ("transaction", "transaction-response"),
            "batch" => ("batch", "batch-response"),
            _ => {
                return Err(invalid(
                    "transaction",
                    "the Bundle's type must be `transaction` or `batch`",
                ));
            }
        };
        let body = meridian_fhir::to_json_vec(bundle)
            .map_err(|_| invalid(interaction, "the Bundle could not be written as JSON"))?;
        let request = Request::new(Method::POST, self.url(interaction, "")?).fhir_body(body);
        let answer = self.send(interaction, request).await?;
        if !answer.is_success() {
            return Err(answer.failure(interaction));
        }
        results::bundle(interaction, &answer, &[expect], MAX_RESPONSE_BYTES)
    }
}
