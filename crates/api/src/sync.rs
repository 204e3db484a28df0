//! Sync state, conflicts and the HL7 interface log, as the UI shows them.

use serde::{Deserialize, Serialize};

/// The status line: whether the hospital server is reachable and what is waiting. No patient
/// data, so any logged-in user may see it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncStatus {
    /// `local-only` (no server configured), `online`, `offline` (last attempt failed to reach
    /// the server) or `starting`.
    pub state: String,
    /// The configured FHIR server's base URL, if any.
    pub server: Option<String>,
    /// Local changes not yet on the server.
    pub pending: i64,
    /// Records both sides changed, waiting for a person.
    pub conflicts: i64,
    /// Outbound HL7 messages not yet acknowledged.
    pub hl7_pending: i64,
    /// RFC 3339 time of the last complete push and pull.
    pub last_success: Option<String>,
    /// The last failure, data-free (`server answered 503`, `network failure: ...`).
    pub last_error: Option<String>,
}

/// One differing element of a conflict: the JSON path and both sides' values as text.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictField {
    /// The element's JSON path, e.g. `valueQuantity.value`.
    pub path: String,
    /// What a clinician calls it, e.g. `Note text`, `Value`.
    pub label: String,
    pub local: Option<String>,
    pub server: Option<String>,
}

/// A record both sides changed: the local and the server version side by side.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncConflict {
    pub id: i64,
    pub resource_type: String,
    /// What a clinician calls the record: `Note`, `Observation`, `Demographics`...
    pub kind: String,
    pub resource_id: String,
    pub patient_id: Option<String>,
    pub patient_name: Option<String>,
    pub detected_at: String,
    pub local_version: i64,
    pub server_version: String,
    /// Whether the server deleted its copy.
    pub server_deleted: bool,
    /// Only the elements that differ (meta left out).
    pub fields: Vec<ConflictField>,
}

/// Redacted: patient data never reaches Debug output.
impl std::fmt::Debug for SyncConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncConflict")
            .field("id", &self.id)
            .field("resource_type", &self.resource_type)
            .field("fields", &self.fields.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ConflictField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConflictField").field("path", &self.path).finish_non_exhaustive()
    }
}

/// How a person settled a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictChoice {
    /// This machine's version wins: it is sent to the server over the server's version.
    KeepLocal,
    /// The server's version wins: it replaces the local one.
    TakeServer,
}

/// One HL7 v2 message in the interface log: metadata only, never the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceMessage {
    pub seq: i64,
    /// `in` or `out`.
    pub direction: String,
    pub peer: String,
    pub control_id: String,
    pub message_type: String,
    pub created_at: String,
    pub attempts: i64,
    /// `AA`, `AE`, `AR` (or `CA`...) once acknowledged.
    pub ack_code: Option<String>,
    pub acked_at: Option<String>,
    pub last_error: Option<String>,
}
