//! What the interactions return, and how they are read out of HTTP answers and Bundles.

use meridian_fhir::{Bundle, BundleEntry, Resource};
use serde::Deserialize;

use crate::error::{ClientError, ClientErrorKind};
use crate::transport::Answer;

/// A resource as the server holds it, with the version facts from the answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Versioned {
    pub resource: Resource,
    /// From the `ETag` header (`W/"3"` gives `3`), else `meta.versionId`.
    pub version_id: Option<String>,
    /// `meta.lastUpdated` (a FHIR instant), else the `Last-Modified` header as sent.
    pub last_modified: Option<String>,
    /// The `Location` (or `Content-Location`) header: `[base]/[type]/[id]/_history/[vid]`.
    pub location: Option<String>,
}

/// Whether a conditional create made a resource or found one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 201: no resource matched; this one was created.
    Created,
    /// 200: one resource matched the query; nothing was written.
    Existing,
}

/// One page of search results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchPage {
    /// Resources that matched (`search.mode` `match`, or no mode), in the server's order.
    pub entries: Vec<Resource>,
    /// Resources added by `_include` / `_revinclude` (`search.mode` `include`).
    pub included: Vec<Resource>,
    /// `Bundle.total`, if the server counted.
    pub total: Option<u64>,
    /// The `next` link; pass it to `Client::next_page`.
    pub next: Option<String>,
}

/// One page of a history (`_history`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryPage {
    /// Versions, newest first as servers send them.
    pub entries: Vec<HistoryEntry>,
    /// The `next` link; pass it to `Client::next_history_page`.
    pub next: Option<String>,
}

/// One version in a history: what was done, to which resource, and the resource as written
/// (absent for deletes).
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    pub method: HistoryMethod,
    /// The type, from the resource or else from `request.url` / `fullUrl`.
    pub resource_type: Option<String>,
    /// The logical id, from the resource or else from `request.url` / `fullUrl`.
    pub id: Option<String>,
    /// From `response.etag`, else `meta.versionId`, else a `_history/n` URL.
    pub version_id: Option<String>,
    /// `response.lastModified`, else `meta.lastUpdated`.
    pub last_modified: Option<String>,
    /// The resource as of this version; `None` for a delete.
    pub resource: Option<Resource>,
}

/// `Bundle.entry.request.method` of a history entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HistoryMethod {
    /// Created (`POST`).
    Post,
    /// Created with a client id, or updated (`PUT`).
    Put,
    Patch,
    Delete,
    /// Another method, or none given.
    Other(String),
}

impl HistoryMethod {
    fn from_code(code: Option<&str>) -> Self {
        match code.unwrap_or_default() {
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            other => Self::Other(other.to_owned()),
        }
    }
}

fn protocol(interaction: &'static str, reason: String) -> ClientError {
    ClientError::new(interaction, ClientErrorKind::Protocol { reason })
}

/// Reads a resource body into a [`Versioned`] with the answer's headers.
pub(crate) fn versioned(
    interaction: &'static str,
    answer: &Answer,
    max_bytes: usize,
) -> Result<Versioned, ClientError> {
    let options = meridian_fhir::ReadOptions { max_bytes };
    let resource = meridian_fhir::parse_resource_with(&answer.body, &options).map_err(|e| {
        protocol(
            interaction,
            format!("the answer is not a FHIR resource ({e})"),
        )
    })?;
    let meta = peek_meta(&answer.body);
    Ok(Versioned {
        version_id: answer
            .header("etag")
            .and_then(etag_version)
            .or(meta.version_id),
        last_modified: meta
            .last_updated
            .or_else(|| answer.header("last-modified").map(str::to_owned)),
        location: answer
            .header("location")
            .or_else(|| answer.header("content-location"))
            .map(str::to_owned),
        resource,
    })
}

/// The version in an ETag: `W/"3"` and `"3"` give `3`.
pub(crate) fn etag_version(etag: &str) -> Option<String> {
    let tag = etag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let tag = tag
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(tag);
    (!tag.is_empty()).then(|| tag.to_owned())
}

#[derive(Default, Deserialize)]
struct PeekResource {
    #[serde(default)]
    meta: PeekMeta,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PeekMeta {
    version_id: Option<String>,
    last_updated: Option<String>,
}

/// `meta.versionId` and `meta.lastUpdated` of any resource body; a second, shallow read that
/// works for modelled and unmodelled types alike.
fn peek_meta(body: &[u8]) -> PeekMeta {
    serde_json::from_slice::<PeekResource>(body)
        .map(|p| p.meta)
        .unwrap_or_default()
}

/// Reads a Bundle body, checking `Bundle.type` against `types`.
pub(crate) fn bundle(
    interaction: &'static str,
    answer: &Answer,
    types: &[&str],
    max_bytes: usize,
) -> Result<Bundle, ClientError> {
    let options = meridian_fhir::ReadOptions { max_bytes };
    let bundle: Bundle = meridian_fhir::parse_with(&answer.body, &options)
        .map_err(|e| protocol(interaction, format!("the answer is not a Bundle ({e})")))?;
    let found = bundle.r#type.as_ref().map(|t| t.as_str()).unwrap_or("");
    if !types.contains(&found) {
        return Err(protocol(
            interaction,
            format!(
                "the Bundle's type is `{}`, expected {}",
                if found.is_empty() { "missing" } else { found },
                types.join(" or ")
            ),
        ));
    }
    Ok(bundle)
}

/// The `next` link of a Bundle.
fn next_link(bundle: &Bundle) -> Option<String> {
    bundle
        .link
        .iter()
        .find(|l| l.relation.as_deref() == Some("next"))
        .and_then(|l| l.url.clone())
}

pub(crate) fn search_page(bundle: Bundle) -> SearchPage {
    let next = next_link(&bundle);
    let total = bundle.total.map(u64::from);
    let mut page = SearchPage {
        total,
        next,
        ..SearchPage::default()
    };
    for entry in bundle.entry {
        let mode = entry
            .search
            .as_ref()
            .and_then(|s| s.mode.as_ref())
            .map(|m| m.as_str().to_owned());
        let Some(resource) = entry.resource else {
            continue;
        };
        match mode.as_deref() {
            Some("include") => page.included.push(resource),
            // Warnings about the search itself (unknown parameters, ...), not results.
            Some("outcome") => {}
            _ => page.entries.push(resource),
        }
    }
    page
}

pub(crate) fn history_page(bundle: Bundle) -> HistoryPage {
    HistoryPage {
        next: next_link(&bundle),
        entries: bundle.entry.into_iter().map(history_entry).collect(),
    }
}

fn history_entry(entry: BundleEntry) -> HistoryEntry {
    let request = entry.request.unwrap_or_default();
    let response = entry.response.unwrap_or_default();
    let method = HistoryMethod::from_code(request.method.as_ref().map(|m| m.as_str()));
    // `request.url` is `Patient/1` (or `Patient` for a POST); `fullUrl` is
    // `[base]/Patient/1`. Either may end in `/_history/n`.
    let from_url = |url: &str| -> (Option<String>, Option<String>, Option<String>) {
        let path = url.split(['?', '#']).next().unwrap_or_default();
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let (parts, version) = match parts.as_slice() {
            [rest @ .., "_history", v] => (rest, Some((*v).to_owned())),
            all => (all, None),
        };
        match parts {
            [.., t, id] if is_type_name(t) => {
                (Some((*t).to_owned()), Some((*id).to_owned()), version)
            }
            [.., t] if is_type_name(t) => (Some((*t).to_owned()), None, version),
            _ => (None, None, version),
        }
    };
    let (url_type, url_id, url_version) = [request.url.as_deref(), entry.full_url.as_deref()]
        .into_iter()
        .flatten()
        .map(from_url)
        .fold((None, None, None), |acc, x| {
            (acc.0.or(x.0), acc.1.or(x.1), acc.2.or(x.2))
        });
    let meta = entry.resource.as_ref().and_then(|r| {
        meridian_fhir::to_json_vec(r)
            .ok()
            .map(|bytes| peek_meta(&bytes))
    });
    let (meta_version, meta_updated) =
        meta.map_or((None, None), |m| (m.version_id, m.last_updated));
    HistoryEntry {
        method,
        resource_type: entry
            .resource
            .as_ref()
            .map(|r| r.resource_type().to_owned())
            .or(url_type),
        id: entry
            .resource
            .as_ref()
            .and_then(|r| r.id().map(str::to_owned))
            .or(url_id),
        version_id: response
            .etag
            .as_deref()
            .and_then(etag_version)
            .or(meta_version)
            .or(url_version),
        last_modified: response
            .last_modified
            .map(|i| i.as_str().to_owned())
            .or(meta_updated),
        resource: entry.resource,
    }
}

/// Whether `s` looks like a FHIR resource type name (`Patient`): it starts upper case and is
/// letters only.
pub(crate) fn is_type_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_give_their_version() {
        assert_eq!(etag_version(r#"W/"3""#).as_deref(), Some("3"));
        assert_eq!(etag_version(r#""12""#).as_deref(), Some("12"));
        assert_eq!(etag_version("7").as_deref(), Some("7"));
        assert_eq!(etag_version(r#"W/"""#), None);
    }

    #[test]
    fn a_delete_in_a_history_names_type_id_and_version_from_urls() {
        let json = br#"{"resourceType":"Bundle","type":"history","entry":[
          {"fullUrl":"http://h/fhir/Patient/p1",
           "request":{"method":"DELETE","url":"Patient/p1"},
           "response":{"status":"204","etag":"W/\"3\""}},
          {"fullUrl":"http://h/fhir/Patient/p2",
           "resource":{"resourceType":"Patient","id":"p2","meta":{"versionId":"1","lastUpdated":"2024-01-01T00:00:00Z"}},
           "request":{"method":"POST","url":"Patient"},"response":{"status":"201"}}],
          "link":[{"relation":"next","url":"http://h/fhir/_history?page=2"}]}"#;
        let bundle = meridian_fhir::parse::<Bundle>(json);
        assert!(bundle.is_ok());
        let page = history_page(bundle.unwrap_or_default());
        assert_eq!(page.next.as_deref(), Some("http://h/fhir/_history?page=2"));
        let d = &page.entries[0];
        assert_eq!(d.method, HistoryMethod::Delete);
        assert_eq!(d.resource_type.as_deref(), Some("Patient"));
        assert_eq!(d.id.as_deref(), Some("p1"));
        assert_eq!(d.version_id.as_deref(), Some("3"));
        assert!(d.resource.is_none());
        let c = &page.entries[1];
        assert_eq!(c.method, HistoryMethod::Post);
        assert_eq!(c.id.as_deref(), Some("p2"));
        assert_eq!(c.version_id.as_deref(), Some("1"));
        assert_eq!(c.last_modified.as_deref(), Some("2024-01-01T00:00:00Z"));
    }

    #[test]
    fn search_modes_sort_matches_from_includes_and_outcomes() {
        let json = br#"{"resourceType":"Bundle","type":"searchset","total":1,"entry":[
          {"resource":{"resourceType":"Observation","id":"o1","status":"final","code":{}},"search":{"mode":"match"}},
          {"resource":{"resourceType":"Patient","id":"p1"},"search":{"mode":"include"}},
          {"resource":{"resourceType":"OperationOutcome","issue":[]},"search":{"mode":"outcome"}}]}"#;
        let page = search_page(meridian_fhir::parse::<Bundle>(json).unwrap_or_default());
        assert_eq!(page.total, Some(1));
        assert_eq!(page.entries.len(), 1);
        assert_eq!(page.entries[0].id(), Some("o1"));
        assert_eq!(page.included.len(), 1);
        assert_eq!(page.next, None);
    }
}
