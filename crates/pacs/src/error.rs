//! The one error type of the crate. Messages name the operation and a category, never a
//! patient's data: no names, identifiers, UIDs or query values (a query URL carries them, so
//! reqwest's and dicom-ul's own messages are not kept).

use std::time::Duration;

/// A failed PACS operation: which operation, and what went wrong.
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed: {kind}")]
pub struct PacsError {
    /// The operation that failed, e.g. `"qido studies"`, `"c-store"`.
    pub operation: &'static str,
    /// What went wrong.
    pub kind: PacsErrorKind,
}

/// What went wrong. New kinds may be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PacsErrorKind {
    /// The client was configured wrongly (a bad URL, an AE title too long).
    #[error("invalid configuration: {reason}")]
    Config {
        /// What is wrong, and how to fix it.
        reason: String,
    },
    /// The peer could not be reached, or the connection broke. Retryable.
    #[error("network error: {reason} (is the PACS running and reachable?)")]
    Network {
        /// The category of the failure.
        reason: String,
    },
    /// The peer did not answer in time. Retryable.
    #[error("no answer within {after:?} (the PACS may be busy; retry later)")]
    Timeout {
        /// The limit that was reached.
        after: Duration,
    },
    /// The server failed (HTTP 5xx, 408, 429). Retryable.
    #[error("the server failed with status {status} (retry later)")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The server's `Retry-After`, in delta-seconds form.
        retry_after: Option<Duration>,
    },
    /// The server refused the request (HTTP 4xx other than 404).
    #[error(
        "the server refused the request with status {status} (check the request and the server's log)"
    )]
    Rejected {
        /// The HTTP status.
        status: u16,
    },
    /// The study, series or instance does not exist on the server.
    #[error("not found on the server (was it deleted, or stored under another UID?)")]
    NotFound,
    /// The answer did not follow the standard (a malformed multipart body, bad JSON, an
    /// unexpected DIMSE message).
    #[error("protocol error: {reason}")]
    Protocol {
        /// What was wrong with the answer.
        reason: String,
    },
    /// The answer exceeded the configured limit.
    #[error(
        "the answer is larger than {limit} bytes (retrieve series or instances instead of whole studies, or raise the limit)"
    )]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The DICOM peer refused the association (unknown AE title, no accepted presentation
    /// context).
    #[error("association refused: {reason}")]
    AssociationRejected {
        /// Why, as far as the peer said.
        reason: String,
    },
    /// A DIMSE response carried a failure status.
    #[error(
        "the peer answered with DIMSE status {status:#06x} (see PS3.7 annex C / the SOP class's status codes)"
    )]
    DimseStatus {
        /// The DIMSE status code.
        status: u16,
    },
    /// A DICOM file given to send could not be read.
    #[error("the DICOM file could not be read: {reason}")]
    File {
        /// What is wrong with the file.
        reason: String,
    },
}

impl PacsError {
    pub(crate) fn new(operation: &'static str, kind: PacsErrorKind) -> Self {
        Self { operation, kind }
    }

    pub(crate) fn protocol(operation: &'static str, reason: impl Into<String>) -> Self {
        Self::new(
            operation,
            PacsErrorKind::Protocol {
                reason: reason.into(),
            },
        )
    }

    /// Whether trying again later may succeed: network failures, timeouts, server failures
    /// and DIMSE "out of resources" statuses.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            PacsErrorKind::Network { .. }
            | PacsErrorKind::Timeout { .. }
            | PacsErrorKind::Server { .. } => true,
            PacsErrorKind::DimseStatus { status } => (*status & 0xff00) == 0xa700,
            _ => false,
        }
    }

    /// How long the server asked us to wait before retrying, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.kind {
            PacsErrorKind::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
