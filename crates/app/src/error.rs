//! The app layer's error, and the one place it becomes an [`ApiError`].

use meridian_api::{ApiError, ErrorCode};
use meridian_store::StoreError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("enter the 6-digit code from your authenticator app")]
    TotpRequired,
    #[error("{0}")]
    TotpInvalid(String),
    #[error("the account is locked after repeated failed attempts; try again in {minutes} minutes or ask an administrator")]
    AccountLocked { minutes: i64 },
    #[error("the account is disabled; ask an administrator")]
    AccountDisabled,
    #[error("your session has ended; log in again (your typed text is kept)")]
    SessionExpired,
    #[error("your role ({role}) may not {action}")]
    Forbidden { role: &'static str, action: &'static str },
    #[error("this patient is not under your care; break the glass with a reason to proceed")]
    BreakGlassRequired,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the {0} was deleted since you opened it")]
    Gone(&'static str),
    #[error("someone else changed this {0} since you opened it; reload to see their change")]
    Conflict(&'static str),
    #[error("the note is signed and cannot be changed; add an addendum instead")]
    SignedImmutable,
    #[error("{0}")]
    Validation(String),
    #[error("this registration looks like an existing patient; review the candidates")]
    PossibleDuplicate,
    #[error("the key does not open this database; nothing was changed")]
    WrongKey,
    #[error("{0}")]
    KeyUnavailable(String),
    #[error("the audit trail failed verification")]
    AuditTampered,
    #[error("storage error: {0}")]
    Storage(StoreError),
    /// A hospital system (PACS) did not answer or refused; the message is data-free.
    #[error("{0}")]
    PeerUnavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WrongKey => AppError::WrongKey,
            StoreError::VersionConflict { .. } => AppError::Conflict("record"),
            StoreError::Gone { .. } => AppError::Gone("record"),
            StoreError::Missing { .. } => AppError::NotFound("record"),
            StoreError::UsernameTaken => AppError::Validation("that username is taken".into()),
            other => AppError::Storage(other),
        }
    }
}

impl AppError {
    /// The code recorded in the audit trail for a failed action.
    pub(crate) fn audit_code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation",
            AppError::Conflict(_) => "conflict",
            AppError::Gone(_) => "gone",
            AppError::NotFound(_) => "not-found",
            AppError::SignedImmutable => "signed-immutable",
            AppError::PossibleDuplicate => "possible-duplicate",
            _ => "error",
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        let code = match &e {
            AppError::InvalidCredentials => ErrorCode::InvalidCredentials,
            AppError::TotpRequired => ErrorCode::TotpRequired,
            AppError::TotpInvalid(_) => ErrorCode::TotpInvalid,
            AppError::AccountLocked { .. } => ErrorCode::AccountLocked,
            AppError::AccountDisabled => ErrorCode::AccountDisabled,
            AppError::SessionExpired => ErrorCode::SessionExpired,
            AppError::Forbidden { .. } => ErrorCode::Forbidden,
            AppError::BreakGlassRequired => ErrorCode::BreakGlassRequired,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Gone(_) => ErrorCode::Gone,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::SignedImmutable => ErrorCode::SignedImmutable,
            AppError::Validation(_) => ErrorCode::Validation,
            AppError::PossibleDuplicate => ErrorCode::PossibleDuplicate,
            AppError::WrongKey => ErrorCode::WrongKey,
            AppError::KeyUnavailable(_) => ErrorCode::KeyUnavailable,
            AppError::AuditTampered => ErrorCode::AuditTampered,
            AppError::Storage(_) => ErrorCode::Storage,
            AppError::PeerUnavailable(_) => ErrorCode::PeerUnavailable,
            AppError::Internal(_) => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

pub(crate) fn invalid(e: impl std::fmt::Display) -> AppError {
    AppError::Validation(e.to_string())
}
