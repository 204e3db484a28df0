use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The 6-digit code, when the account has a second factor.
    pub totp: Option<String>,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest").field("username", &self.username).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// `physician`, `nurse`, `radiologist`, `pharmacist`, `billing-clerk`, `admin`.
    pub role: String,
    pub totp_enrolled: bool,
    pub active: bool,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub token: String,
    pub user: UserInfo,
    /// The account has no second factor yet: the UI must run enrolment before anything else.
    pub must_enrol_totp: bool,
    /// Seconds of inactivity after which the session locks.
    pub idle_timeout_secs: u32,
    /// The actions this user's role may ever take (`read-notes`, `sign-note`, ...), so the UI
    /// shows only what can work. The core still decides every request (care relationships,
    /// break-the-glass); this list only spares users buttons that would be refused.
    #[serde(default)]
    pub permissions: Vec<String>,
}

impl SessionInfo {
    /// Whether the role may take `action` (by its kebab-case name).
    pub fn can(&self, action: &str) -> bool {
        self.permissions.iter().any(|p| p == action)
    }
}

/// A TOTP secret being enrolled: shown once as a QR code / text, confirmed with a code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolment(..)")
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
    pub practitioner_id: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser").field("username", &self.username).field("role", &self.role).finish_non_exhaustive()
    }
}

/// One audit trail record, as the admin audit view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub user_id: String,
    pub username: Option<String>,
    pub role: String,
    pub action: String,
    pub resource: Option<String>,
    pub patient_id: Option<String>,
    pub outcome: String,
    pub flagged: bool,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    pub records: i64,
    pub intact: bool,
    pub problems: Vec<String>,
}

/// What the shell tells the UI about itself at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    pub version: String,
    /// The database file's name (not its path).
    pub database: String,
    /// `local-only` until a sync endpoint is configured.
    pub sync: String,
}

/// A break-the-glass declaration awaiting review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlassReview {
    pub id: i64,
    pub user_id: String,
    pub patient_id: String,
    pub reason: String,
    pub at: String,
}

/// Redacted: patient data never reaches Debug output (logs, panics).
impl std::fmt::Debug for SessionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionInfo").field("must_enrol_totp", &self.must_enrol_totp).finish_non_exhaustive()
    }
}
