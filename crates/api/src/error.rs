use serde::{Deserialize, Serialize};

/// What went wrong, as a front end needs to react to it. Stable: codes are part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// Wrong username or password (deliberately not saying which).
    InvalidCredentials,
    /// The account uses a second factor: send the TOTP code.
    TotpRequired,
    TotpInvalid,
    /// Too many failed attempts; try again later or ask an administrator.
    AccountLocked,
    AccountDisabled,
    /// The session timed out or was locked; log in again (typed input is kept by the UI).
    SessionExpired,
    /// The role never takes this action.
    Forbidden,
    /// The role may take it, but only for patients in its care: break the glass with a reason.
    BreakGlassRequired,
    NotFound,
    /// The record was deleted (possibly by someone else) since it was opened.
    Gone,
    /// Someone else changed the record since it was opened.
    Conflict,
    /// A signed note cannot change; add an addendum.
    SignedImmutable,
    /// The input is invalid; the message says which field and why.
    Validation,
    /// The new registration looks like an existing patient; confirm or pick the existing one.
    PossibleDuplicate,
    /// The database key was wrong or unavailable; nothing was changed.
    KeyUnavailable,
    WrongKey,
    /// The database or its files could not be used.
    Storage,
    /// The audit trail failed verification.
    AuditTampered,
    /// A hospital system (the PACS) could not be reached or refused; retry later. Local data is
    /// unaffected.
    PeerUnavailable,
    Internal,
}

/// An error as it crosses to a front end: a code to switch on and a message for a person.
/// Messages never contain patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}
