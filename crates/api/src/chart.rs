use serde::{Deserialize, Serialize};

use crate::PatientSummary;

/// The banner shown on every patient screen (wrong-patient prevention).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientBanner {
    pub patient: PatientSummary,
    /// Allergy names; empty with `allergy_status == "nka"` means "No known allergies".
    pub allergies: Vec<String>,
    /// `nka` (no known allergies recorded), `recorded`, `unknown` (nothing recorded).
    pub allergy_status: String,
    pub code_status: Option<String>,
    pub weight_kg: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coded {
    pub system: Option<String>,
    pub code: Option<String>,
    pub display: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub id: String,
    pub condition: Coded,
    pub clinical_status: Option<String>,
    pub onset: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allergy {
    pub id: String,
    pub substance: Coded,
    pub criticality: Option<String>,
    pub reactions: Vec<String>,
    /// True for the "no known allergy" statement.
    pub is_no_known_allergy: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Medication {
    pub id: String,
    pub medication: Coded,
    pub status: Option<String>,
    pub dosage: Option<String>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationRow {
    pub id: String,
    pub loinc: Option<String>,
    pub display: String,
    pub category: Option<String>,
    pub value: Option<f64>,
    /// The value as text when it is not a number (or a blood pressure "120/80").
    pub value_text: Option<String>,
    pub unit: Option<String>,
    /// RFC 3339.
    pub effective: Option<String>,
    /// `N`, `H`, `L`, `HH`, `LL`.
    pub flag: Option<String>,
    pub reference_low: Option<f64>,
    pub reference_high: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteSummary {
    pub id: String,
    pub title: String,
    pub status: String,
    pub author: Option<String>,
    pub date: Option<String>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSummary {
    pub banner: PatientBanner,
    pub problems: Vec<Problem>,
    pub allergies: Vec<Allergy>,
    pub medications: Vec<Medication>,
    /// The newest value of each vital sign.
    pub latest_vitals: Vec<ObservationRow>,
    /// The last 50 laboratory results, newest first.
    pub recent_labs: Vec<ObservationRow>,
    pub unsigned_notes: u32,
}

/// One vital sign as entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalEntry {
    pub loinc: String,
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordVitals {
    pub patient_id: String,
    pub entries: Vec<VitalEntry>,
    /// RFC 3339; defaults to now.
    pub effective: Option<String>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub patient_id: String,
    pub title: String,
    pub text: String,
    /// `draft` or `signed`.
    pub status: String,
    pub author: Option<String>,
    pub date: Option<String>,
    /// The note this one is an addendum to.
    pub addendum_to: Option<String>,
    /// Resource version, for optimistic concurrency on save.
    pub version: i64,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SaveNote {
    pub patient_id: String,
    /// `None` to create a new draft.
    pub id: Option<String>,
    /// The version the user edited; a newer version on disk is a conflict.
    pub base_version: Option<i64>,
    pub title: String,
    pub text: String,
}

/// One visit, as the encounters tab lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncounterRow {
    pub id: String,
    /// `ambulatory`, `inpatient`, `emergency`, ...
    pub class: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    /// RFC 3339.
    pub start: Option<String>,
    pub end: Option<String>,
    pub reason: Option<String>,
    pub clinician: Option<String>,
}

/// Redacted: patient data never reaches Debug output (logs, panics).
impl std::fmt::Debug for PatientBanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatientBanner").field("allergy_status", &self.allergy_status).finish_non_exhaustive()
    }
}

/// Redacted: patient data never reaches Debug output (logs, panics).
impl std::fmt::Debug for ObservationRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObservationRow").field("id", &self.id).finish_non_exhaustive()
    }
}

/// Redacted: patient data never reaches Debug output (logs, panics).
impl std::fmt::Debug for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Note").field("id", &self.id).field("status", &self.status).field("version", &self.version).finish_non_exhaustive()
    }
}

/// Redacted: patient data never reaches Debug output (logs, panics).
impl std::fmt::Debug for SaveNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaveNote").field("id", &self.id).field("base_version", &self.base_version).finish_non_exhaustive()
    }
}

/// Redacted: patient data never reaches Debug output (logs, panics).
impl std::fmt::Debug for ChartSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChartSummary").field("unsigned_notes", &self.unsigned_notes).finish_non_exhaustive()
    }
}

/// A laboratory or imaging order as a physician places it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceOrder {
    pub patient_id: String,
    /// LOINC code of the test or panel (e.g. `24331-1` lipid panel).
    pub loinc: String,
    pub display: String,
    /// `routine`, `urgent`, `asap` or `stat`.
    pub priority: String,
}

/// An order as the chart lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    pub id: String,
    pub loinc: String,
    pub display: String,
    pub priority: String,
    pub status: String,
    pub authored: String,
}
