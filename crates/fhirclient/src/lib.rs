//! A FHIR R4 REST client for Meridian's sync engine: read, vread, search with paging, create
//! (also conditional), update with `If-Match`, delete, history since an instant, and
//! transaction/batch Bundles, over HTTP/1.1 with rustls and gzip, with bearer tokens or SMART
//! backend-services authorisation (ES384 client assertions, tokens cached and renewed).
//!
//! - **Typed failures.** A [`ClientError`] says whether trying again can help
//!   ([`ClientError::is_retryable`], [`ClientError::retry_after`]) and carries the server's
//!   OperationOutcome as an [`OutcomeSummary`]. It never holds a URL, a request body or a
//!   resource: search URLs carry identifiers, bodies carry the record.
//! - **Bounded.** Each exchange has the endpoint's timeout; answers are read up to
//!   [`MAX_RESPONSE_BYTES`]; `next` links to another origin are refused; redirects are not
//!   followed; credentials are only sent over https (or loopback).
//! - **Real servers in tests.** With the `test-support` feature, [`test_support`] runs the
//!   helios `hfs` server as a child process and puts a fault-injecting proxy in front of it.
//!
//! It refuses to know Meridian's store, its domain types and its sync rules: it speaks HTTP and
//! FHIR ([`meridian_fhir`] types), nothing else. It does not retry by itself (except once after
//! a 401 with a fresh SMART token); retry policy belongs to the caller.
//!
//! ```no_run
//! use meridian_fhirclient::{Client, Endpoint, Outcome};
//! use meridian_fhir::{Patient, Resource};
//!
//! # async fn demo() -> Result<(), meridian_fhirclient::ClientError> {
//! let client = Client::new(Endpoint::new("https://fhir.example.org/r4"))?;
//! let patient = Resource::from(Patient::default());
//! let (outcome, stored) = client
//!     .create_if_none_exist(&patient, "identifier=http://hospital.example/mrn|12345")
//!     .await?;
//! assert!(matches!(outcome, Outcome::Created | Outcome::Existing));
//! let id = stored.resource.id().unwrap_or_default().to_owned();
//! // An update based on the version we saw; a newer one on the server gives a 412 conflict.
//! match client.update(&stored.resource, stored.version_id.as_deref()).await {
//!     Ok(v) => println!("now version {:?} of Patient/{id}", v.version_id),
//!     Err(e) if e.is_retryable() => println!("try again in {:?}", e.retry_after()),
//!     Err(e) => return Err(e),
//! }
//! let page = client.search("Observation", &[("subject", &format!("Patient/{id}")), ("_count", "50")]).await?;
//! println!("{} observations on the first page", page.entries.len());
//! # Ok(()) }
//! ```

mod capabilities;
mod client;
mod endpoint;
mod error;
mod results;
mod smart;
mod transport;

#[cfg(feature = "test-support")]
pub mod test_support;

pub use capabilities::{Capabilities, ResourceCapability};
pub use client::Client;
pub use endpoint::{Auth, Endpoint, Secret, SigningKey, SmartBackend};
pub use error::{ClientError, ClientErrorKind, Issue, MAX_DIAGNOSTICS_CHARS, OutcomeSummary};
pub use results::{HistoryEntry, HistoryMethod, HistoryPage, Outcome, SearchPage, Versioned};
pub use smart::{ASSERTION_LIFETIME_SECS, CLIENT_ASSERTION_TYPE, client_assertion};
pub use transport::MAX_RESPONSE_BYTES;
