//! Offline-first sync with the hospital's FHIR R4 server.
//!
//! The local store is the working copy. [`FhirSync::push`] drains the outbox: for each resource
//! with pending changes (oldest first) it sends the current version with `PUT` under the local
//! id, so a retried request can never create a second resource, and with `If-Match` naming the
//! server version both sides last agreed on (`sync_state`), so a server-side change is never
//! overwritten silently: a 412 becomes a conflict for a person to decide. [`FhirSync::pull`]
//! reads the server's `_history` since the last pull and applies what changed there, unless
//! the same record also changed here (again a conflict). Every step records its progress in the
//! store in the transaction that applies it, so a process killed at any point resumes where it
//! was: a request whose answer was lost is recognised on retry because the server already
//! holds exactly the content being sent.
//!
//! Reading records to send them is audited (`export-records`), each pulled record is written
//! through the same path as any import (`import-records`, as the interface account).

mod backoff;
mod conflict;
mod pull;
mod push;
mod runner;
mod status;

use meridian_fhir::Resource;
use meridian_fhirclient::{Client, ClientError, ClientErrorKind};

use crate::{App, AppError};

pub use backoff::Backoff;
pub use runner::{SyncHandle, spawn_sync};

/// Meta keys where the sync state survives restarts.
pub(crate) const META_LAST_SUCCESS: &str = "sync.last_success";
pub(crate) const META_LAST_ERROR: &str = "sync.last_error";
pub(crate) const META_STATE: &str = "sync.state";
pub(crate) const META_SERVER: &str = "sync.server";
pub(crate) const META_PULL_SINCE: &str = "sync.pull_since";

/// Why a sync step stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be used (down, overloaded, refusing); the step resumes later.
    #[error(transparent)]
    Server(#[from] ClientError),
    #[error(transparent)]
    App(#[from] AppError),
}

impl SyncError {
    /// Whether trying again later may help.
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Server(e) => e.is_retryable(),
            SyncError::App(AppError::Conflict(_)) => true,
            SyncError::App(_) => false,
        }
    }

    /// The reason as a status line, log or terminal may show it: server text (which may echo
    /// a record) is reduced to the status and the issue codes.
    pub fn data_free(&self) -> String {
        match self {
            SyncError::Server(c) => data_free(c),
            SyncError::App(a) => a.to_string(),
        }
    }
}

/// What one push did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Resources now on the server (created or updated).
    pub sent: usize,
    /// Local deletions carried out on the server.
    pub deleted: usize,
    /// Sends that turned out to have arrived already (an answer lost to a crash or timeout).
    pub already_there: usize,
    /// New conflicts found (412 with different content on the server).
    pub conflicts: usize,
    /// Resources the server refused (400, 422, ...): left pending with the reason.
    pub rejected: usize,
    /// Outbox rows still pending afterwards.
    pub remaining: i64,
    /// Time spent waiting for the server's answers (the rest of the push is Meridian's own).
    pub server_wait: std::time::Duration,
}

/// What one pull did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    /// Server changes written to the local store.
    pub applied: usize,
    /// Versions already known (our own pushes, or seen before).
    pub known: usize,
    /// New conflicts found.
    pub conflicts: usize,
    /// Resources of types Meridian does not keep.
    pub skipped: usize,
}

/// Sync between one local store and one FHIR server.
#[derive(Debug, Clone)]
pub struct FhirSync {
    app: App,
    client: Client,
    server: String,
}

impl FhirSync {
    pub fn new(app: App, client: Client, server: impl Into<String>) -> FhirSync {
        FhirSync { app, client, server: server.into() }
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// Push, pull, and push again what the pull left (conflict resolutions), recording the
    /// outcome for the status line.
    pub async fn run_once(&self) -> Result<(PushReport, PullReport), SyncError> {
        let result = async {
            let mut pushed = self.push().await?;
            let pulled = self.pull().await?;
            if pushed.remaining > 0 {
                pushed = self.push().await?;
            }
            Ok((pushed, pulled))
        }
        .await;
        // The status line shows this to every user.
        let shown = result.as_ref().err().map(SyncError::data_free);
        self.app.record_sync_outcome(&self.server, shown).await?;
        result
    }
}

/// Whether two versions of a resource say the same thing: equal JSON apart from `meta` (which
/// each side stamps with its own version and time).
pub(crate) fn same_content(a: &Resource, b: &Resource) -> bool {
    match (content(a), content(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The newest local version after `after` and before `head` whose content the server holds.
/// A push writes the head of its moment; when the process or the network died before its
/// answer was recorded and the record changed here again since, the server holds such an
/// earlier version: this workstation's own write, not a change made there. `None` when the
/// server's content was never a version here.
pub(crate) async fn own_earlier_version(tx: &mut meridian_store::Tx, rtype: &str, id: &str, after: i64, head: i64, there: &Resource) -> crate::Result<Option<i64>> {
    let Some(there) = content(there) else { return Ok(None) };
    for version in (after + 1..head).rev() {
        let Some(body) = tx.read_version(rtype, id, version).await?.and_then(|s| s.body) else { continue };
        if crate::import::parse(&body).ok().as_ref().and_then(content).is_some_and(|c| c == there) {
            return Ok(Some(version));
        }
    }
    Ok(None)
}

pub(crate) fn content(r: &Resource) -> Option<serde_json::Value> {
    let mut v = serde_json::to_value(r).ok()?;
    if let Some(o) = v.as_object_mut() {
        o.remove("meta");
    }
    Some(v)
}

/// A failure as it is kept and shown (interface log, status line): the kind, the HTTP status
/// and the OperationOutcome's issue codes, never the server's free text, which may echo the
/// record's content.
pub(crate) fn data_free(e: &ClientError) -> String {
    let codes = |o: Option<&meridian_fhirclient::OutcomeSummary>| {
        o.map(|o| o.issues.iter().map(|i| i.code.clone()).collect::<Vec<_>>().join(", ")).filter(|c| !c.is_empty())
    };
    match &e.kind {
        ClientErrorKind::Server { status, .. } => format!("server answered {status}"),
        ClientErrorKind::Conflict { status, .. } => format!("server answered {status} (changed there too)"),
        ClientErrorKind::Rejected { status, outcome } => match codes(outcome.as_ref()) {
            Some(c) => format!("server refused the record ({status}: {c})"),
            None => format!("server refused the record ({status})"),
        },
        _ => e.to_string(),
    }
}

/// A new conflict (its id and detection time are set by the store).
pub(crate) fn conflict_row(
    rtype: &str,
    id: &str,
    patient_id: Option<String>,
    local_version: i64,
    base_version: Option<i64>,
    server_version: String,
    server_body: Option<Vec<u8>>,
) -> meridian_store::ConflictRow {
    meridian_store::ConflictRow {
        conflict_id: 0,
        rtype: rtype.to_owned(),
        id: id.to_owned(),
        patient_id,
        local_version,
        base_version,
        server_version,
        server_body,
        detected_at: meridian_domain::time::Timestamp(0),
        resolved_at: None,
        resolution: None,
        resolved_by: None,
    }
}

#[cfg(test)]
mod tests {
    use meridian_fhirclient::{ClientError, ClientErrorKind, Issue, OutcomeSummary};

    use super::SyncError;

    #[test]
    fn a_refusal_is_reported_without_the_servers_text() {
        // Servers echo input in `diagnostics`: here a patient's name.
        let outcome = OutcomeSummary {
            issues: vec![Issue { severity: "error".into(), code: "invariant".into(), diagnostics: Some("Patient Olive Offline: birthDate in the future".into()), expression: vec![] }],
        };
        let e = SyncError::Server(ClientError { kind: ClientErrorKind::Rejected { status: 422, outcome: Some(outcome) }, interaction: "update" });
        assert!(e.to_string().contains("Olive"), "the full error carries the server's text, which is why it is not printed");
        let shown = e.data_free();
        assert!(!shown.contains("Olive") && !shown.contains("birthDate"), "{shown}");
        assert!(shown.contains("422") && shown.contains("invariant"), "{shown}");
    }
}
