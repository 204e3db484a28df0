//! The audit trail's records and the hash chain that makes tampering evident.
//!
//! Each record's MAC is HMAC-SHA256 under a key derived from the database master key, over the
//! previous record's MAC and every field of the record, each length-prefixed so that no two
//! different records encode alike. Editing a field breaks that record's MAC; deleting,
//! inserting or reordering breaks the sequence and the chain; truncating the tail is caught by
//! the head that the store keeps beside the log (see the store crate).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::access::{Action, Role};
use crate::time::Timestamp;

/// What came of an attempted action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "success" => Outcome::Success,
            "denied" => Outcome::Denied,
            "failed" => Outcome::Failed,
            _ => return None,
        })
    }
}

/// One audited action. `detail` holds a code (a denial or error code) and, for break-the-glass,
/// the reason the user typed; it never holds clinical values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub user_id: String,
    pub role: Role,
    pub action: Action,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub patient_id: Option<String>,
    pub outcome: Outcome,
    pub flagged: bool,
    pub detail: Option<String>,
}

pub type Mac32 = [u8; 32];

/// The MAC of the first record's predecessor.
pub const GENESIS: Mac32 = [0; 32];

/// Computes a record's MAC from its sequence number, its predecessor's MAC and its fields.
pub fn chain_mac(key: &[u8; 32], seq: i64, prev: &Mac32, e: &AuditEntry) -> Mac32 {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        unreachable!("hmac takes any key length")
    };
    mac.update(b"meridian-audit-v1");
    mac.update(&seq.to_be_bytes());
    mac.update(prev);
    mac.update(&e.at.0.to_be_bytes());
    let mut field = |s: Option<&str>| match s {
        None => mac.update(&[0]),
        Some(s) => {
            mac.update(&[1]);
            mac.update(&(s.len() as u64).to_be_bytes());
            mac.update(s.as_bytes());
        }
    };
    field(Some(&e.user_id));
    field(Some(e.role.as_str()));
    field(Some(e.action.as_str()));
    field(e.resource_type.as_deref());
    field(e.resource_id.as_deref());
    field(e.patient_id.as_deref());
    field(Some(e.outcome.as_str()));
    field(Some(if e.flagged { "flagged" } else { "-" }));
    field(e.detail.as_deref());
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> AuditEntry {
        AuditEntry {
            at: Timestamp(1),
            user_id: "u1".into(),
            role: Role::Nurse,
            action: Action::ReadChart,
            resource_type: Some("Patient".into()),
            resource_id: Some("p1".into()),
            patient_id: Some("p1".into()),
            outcome: Outcome::Success,
            flagged: false,
            detail: None,
        }
    }

    #[test]
    fn every_field_counts() {
        let key = [7u8; 32];
        let base = chain_mac(&key, 1, &GENESIS, &entry());
        let mut e = entry();
        e.resource_id = Some("p2".into());
        assert_ne!(chain_mac(&key, 1, &GENESIS, &e), base);
        let mut e = entry();
        e.flagged = true;
        assert_ne!(chain_mac(&key, 1, &GENESIS, &e), base);
        assert_ne!(chain_mac(&key, 2, &GENESIS, &entry()), base);
        // Moving a byte between adjacent fields changes the MAC (length prefixes).
        let mut a = entry();
        a.resource_type = Some("Patientp".into());
        a.resource_id = Some("1".into());
        assert_ne!(chain_mac(&key, 1, &GENESIS, &a), base);
    }
}
