//! Identifier systems the matcher knows to be national, person-level numbers.
//!
//! A shared national number is near-proof of identity and two different ones are strong
//! evidence against it. Any other system is treated as a facility record number, where a
//! difference says little: each registration gets a fresh one.

/// ABHA number (Ayushman Bharat Health Account, India's ABDM); the same URI as
/// `meridian_domain::identifier::ABHA_SYSTEM`.
pub const ABHA: &str = "https://healthid.abdm.gov.in";
/// The system URI used before NDHM became ABDM, still found in older records.
pub const ABHA_LEGACY: &str = "https://healthid.ndhm.gov.in";
/// NHS number (England and Wales).
pub const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// US Social Security number.
pub const US_SSN: &str = "http://hl7.org/fhir/sid/us-ssn";
/// Prefix of the HL7 passport-number systems (`http://hl7.org/fhir/sid/passport-IND`, ...).
pub const PASSPORT_PREFIX: &str = "http://hl7.org/fhir/sid/passport-";

/// Whether a system (any case, trailing slash allowed) names a national person identifier.
pub fn is_national(system: &str) -> bool {
    let s = system.trim().trim_end_matches('/').to_ascii_lowercase();
    [ABHA, ABHA_LEGACY, NHS_NUMBER, US_SSN]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(&s))
        || s.starts_with(PASSPORT_PREFIX)
}
