//! A synthetic hospital, as FHIR R4 JSON, generated deterministically from a seed.
//!
//! `meridian-demo` feeds the `meridian demo` command, screenshots, tests and the 100,000-patient
//! benchmark. It builds one organisation ("Meridian General Hospital"), its staff, and any number
//! of patients with multi-year histories: encounters, problems (ICD-10-CM and SNOMED CT),
//! allergies (or an explicit "no known allergy"), medications (RxNorm), vital signs and
//! laboratory results (LOINC, UCUM, reference ranges and H/L/HH/LL flags), and SOAP notes.
//! Values are correlated with each patient's problems and treatments and drift over the years:
//! diabetics have high HbA1c that falls after metformin starts, CKD patients have a sinking
//! eGFR and sometimes a high potassium, patients on warfarin have INRs mostly in 2–3.
//!
//! Patient `i` depends only on `(seed, i)` and the configuration, so patients can be generated
//! lazily, in parallel, or one at a time for a benchmark, and the same seed always gives
//! byte-identical JSON on the same platform.
//!
//! What it refuses to know: no IO, no clock (the caller passes `now`), no environment, no
//! storage or FHIR client, and no global state. It does not validate FHIR beyond building it
//! correctly, and it never generates deliberate near-duplicate registrations: every patient is
//! a distinct person with a unique MRN (and a unique ABHA number when one is present). As in a
//! real register, unrelated people occasionally share a name and birth date (17 pairs in
//! 100,000 patients for one seed); they differ in MRN, phone, address and ABHA number.
//! Everything is synthetic; UK phone numbers use Ofcom's drama range and e-mail addresses use
//! `.example`.
//!
//! Terminology notes: chronic kidney disease stage 3 is coded ICD-10-CM `N18.30` (since 2020
//! `N18.3` is a non-billable header); eGFR uses LOINC `33914-3` and is computed with the MDRD
//! equation from the reported creatinine, so the two always agree; INR carries the UCUM unit
//! `{INR}`, and for patients on warfarin a second, therapeutic reference range (2.0–3.0).
//!
//! ```
//! use meridian_demo::{CivilDateTime, DemoConfig, hospital, patients};
//!
//! let config = DemoConfig {
//!     seed: 7,
//!     patients: 3,
//!     years_of_history: 2,
//!     now: CivilDateTime::new(2026, 1, 15, 9, 30),
//!     observations_per_patient_hint: 60,
//! };
//! config.validate()?;
//! let h = hospital(&config);
//! assert_eq!(h.organization["name"], "Meridian General Hospital");
//! for p in patients(&config) {
//!     assert_eq!(p.patient["resourceType"], "Patient");
//!     assert!(!p.resources.is_empty());
//! }
//! # Ok::<(), meridian_demo::DemoError>(())
//! ```

mod codes;
pub mod dicom;
mod generate;
mod ids;
mod model;
mod note;
mod people;
mod resources;
mod rng;
mod time;

use serde_json::Value;

pub use ids::{luhn_check_digit, luhn_valid};
pub use people::StaffRole;
pub use time::CivilDateTime;

/// Identifier system of the hospital's medical record numbers (`MRN000123`).
pub const MRN_SYSTEM: &str = "urn:oid:2.16.840.1.113883.19.5.99999.1";
/// Identifier system of staff numbers.
pub const STAFF_SYSTEM: &str = "urn:oid:2.16.840.1.113883.19.5.99999.2";
/// Identifier system of the organisation itself.
pub const ORGANIZATION_SYSTEM: &str = "urn:oid:2.16.840.1.113883.19.5.99999";
/// Identifier system of Ayushman Bharat Health Account numbers (`XX-XXXX-XXXX-XXXX`).
pub const ABHA_SYSTEM: &str = "https://healthid.abdm.gov.in";

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    /// Everything follows from this seed; a different seed gives a different hospital census.
    pub seed: u64,
    /// How many patients [`patients`] yields.
    pub patients: usize,
    /// Length of each patient's history before `now` (1–50 years; shorter for young children).
    pub years_of_history: u32,
    /// The moment the data is "as of", in UTC; nothing is dated after it.
    pub now: CivilDateTime,
    /// The mean number of observations per patient to aim for (sicker patients get more).
    pub observations_per_patient_hint: usize,
}

impl DemoConfig {
    /// The interactive demo: 60 patients with five years of rich history.
    #[must_use]
    pub const fn interactive(seed: u64, now: CivilDateTime) -> Self {
        Self {
            seed,
            patients: 60,
            years_of_history: 5,
            now,
            observations_per_patient_hint: 300,
        }
    }

    /// The benchmark census: 100,000 patients, three years, about 100 observations each.
    #[must_use]
    pub const fn benchmark(seed: u64, now: CivilDateTime) -> Self {
        Self {
            seed,
            patients: 100_000,
            years_of_history: 3,
            now,
            observations_per_patient_hint: 100,
        }
    }

    /// Checks the configuration. Generation never fails (it clamps out-of-range values), but a
    /// front end should reject what the user did not mean.
    ///
    /// # Errors
    /// [`DemoError`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), DemoError> {
        let n = self.now;
        let field = |name: &'static str, value: i64, ok: bool, expected: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(DemoError::InvalidNow {
                    field: name,
                    value,
                    expected,
                })
            }
        };
        field(
            "year",
            i64::from(n.year),
            (1900..=9999).contains(&n.year),
            "1900..=9999",
        )?;
        field(
            "month",
            i64::from(n.month),
            (1..=12).contains(&n.month),
            "1..=12",
        )?;
        let dim = time::days_in_month(i64::from(n.year), n.month.clamp(1, 12));
        field(
            "day",
            i64::from(n.day),
            (1..=dim).contains(&n.day),
            "a day that exists in that month",
        )?;
        field("hour", i64::from(n.hour), n.hour <= 23, "0..=23")?;
        field("minute", i64::from(n.minute), n.minute <= 59, "0..=59")?;
        if !(1..=50).contains(&self.years_of_history) {
            return Err(DemoError::YearsOfHistory {
                value: self.years_of_history,
            });
        }
        if self.observations_per_patient_hint > 100_000 {
            return Err(DemoError::ObservationHint {
                value: self.observations_per_patient_hint,
            });
        }
        Ok(())
    }

    fn settings(&self) -> generate::Settings {
        generate::Settings {
            seed: self.seed,
            now: self.now.epoch_minutes_clamped(),
            years: self.years_of_history.clamp(1, 50),
            hint: self.observations_per_patient_hint.clamp(1, 100_000),
        }
    }
}

/// Why a [`DemoConfig`] was rejected. Messages name the field and the accepted range; they
/// never contain patient data (there is none in a configuration).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// A field of `now` is outside its calendar range.
    #[error("invalid `now`: {field} {value} is out of range (expected {expected})")]
    InvalidNow {
        /// `year`, `month`, `day`, `hour` or `minute`.
        field: &'static str,
        /// The rejected value.
        value: i64,
        /// The accepted range, in words.
        expected: &'static str,
    },
    /// `years_of_history` is 0 or implausibly long.
    #[error("years_of_history {value} is out of range (expected 1..=50; try 3)")]
    YearsOfHistory {
        /// The rejected value.
        value: u32,
    },
    /// `observations_per_patient_hint` would make absurdly large charts.
    #[error(
        "observations_per_patient_hint {value} is too large (expected at most 100000; try 100)"
    )]
    ObservationHint {
        /// The rejected value.
        value: usize,
    },
}

/// The organisation and its staff.
#[derive(Debug, Clone)]
pub struct DemoHospital {
    /// The `Organization` resource (`Organization/org-meridian`).
    pub organization: Value,
    /// Every member of staff, one per [`StaffRole`] at least.
    pub practitioners: Vec<DemoPractitioner>,
}

/// A member of staff: their `Practitioner` resource, role and login name.
#[derive(Debug, Clone)]
pub struct DemoPractitioner {
    /// The `Practitioner` resource.
    pub resource: Value,
    /// What they do.
    pub role: StaffRole,
    /// Their login name, such as `dr.rao` or `nurse.kim`.
    pub username: String,
}

/// One patient and everything recorded about them.
#[derive(Debug, Clone)]
pub struct DemoPatient {
    /// The `Patient` resource (`Patient/pat-000123`).
    pub patient: Value,
    /// Encounters, conditions, allergies, medication statements, observations and notes, in
    /// chronological order; every resource has a deterministic id.
    pub resources: Vec<Value>,
    /// Ids of the practitioners who treat this patient (attending physicians, the nurse who
    /// records vitals, the pharmacist when medicines are prescribed).
    pub care_team: Vec<String>,
}

/// The hospital: the organisation and its practitioners. It does not depend on the seed.
#[must_use]
pub fn hospital(_config: &DemoConfig) -> DemoHospital {
    DemoHospital {
        organization: resources::organization(),
        practitioners: people::STAFF
            .iter()
            .enumerate()
            .map(|(i, s)| DemoPractitioner {
                resource: resources::practitioner(i, s),
                role: s.role,
                username: s.username.to_owned(),
            })
            .collect(),
    }
}

/// Patient number `index` (0-based). Depends only on the configuration and `index`, so it may
/// be called for any index, in any order, from any thread.
#[must_use]
pub fn patient(config: &DemoConfig, index: usize) -> DemoPatient {
    generate::generate(&config.settings(), index)
}

/// All `config.patients` patients, generated lazily one at a time.
pub fn patients(config: &DemoConfig) -> impl Iterator<Item = DemoPatient> + '_ {
    let settings = config.settings();
    (0..config.patients).map(move |i| generate::generate(&settings, i))
}
