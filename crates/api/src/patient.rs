use serde::{Deserialize, Serialize};

/// A patient as a search result or banner line.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientSummary {
    pub id: String,
    /// `FAMILY, Given Middle`.
    pub display_name: String,
    pub birth_date: Option<String>,
    pub age: Option<String>,
    /// `female`, `male`, `other`, `unknown`.
    pub sex: Option<String>,
    pub mrn: Option<String>,
    pub abha: Option<String>,
    /// Set when this record was merged into another.
    pub merged_into: Option<String>,
    /// On ward lists: when vital signs were last recorded (RFC 3339), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_vitals: Option<String>,
    /// On ward lists: no vital signs in the last eight hours.
    #[serde(default)]
    pub vitals_due: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    pub system: String,
    pub value: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterPatient {
    pub family: String,
    pub given: Vec<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `female`, `male`, `other`, `unknown`.
    pub sex: String,
    /// Left empty, the hospital assigns the next MRN.
    pub mrn: Option<String>,
    /// `XX-XXXX-XXXX-XXXX`.
    pub abha: Option<String>,
    pub other_identifiers: Vec<Identifier>,
    pub phone: Option<String>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    /// The user has seen the duplicate warning and registers anyway.
    pub confirmed_not_duplicate: bool,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateCandidate {
    pub patient: PatientSummary,
    /// 0..=1.
    pub score: f64,
    /// `certain`, `probable`, `possible`.
    pub band: String,
    /// Why they look alike, in words (e.g. "birth date with day and month swapped").
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    /// `None` when the registration was held back because of likely duplicates.
    pub patient: Option<PatientSummary>,
    pub duplicates: Vec<DuplicateCandidate>,
    /// Non-blocking problems, e.g. an ABHA number whose check digit fails.
    pub warnings: Vec<String>,
}

/// Redacted: patient data never reaches Debug output (logs, panics).
impl std::fmt::Debug for PatientSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatientSummary").field("id", &self.id).finish_non_exhaustive()
    }
}

/// Redacted: patient data never reaches Debug output (logs, panics).
impl std::fmt::Debug for RegisterPatient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterPatient").field("confirmed_not_duplicate", &self.confirmed_not_duplicate).finish_non_exhaustive()
    }
}

/// Redacted: patient data never reaches Debug output (logs, panics).
impl std::fmt::Debug for DuplicateCandidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DuplicateCandidate").field("band", &self.band).finish_non_exhaustive()
    }
}
