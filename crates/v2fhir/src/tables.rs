//! HL7 v2 tables and their FHIR counterparts, after the v2-to-FHIR IG's ConceptMaps. Each map
//! is a `match`, so a code outside it is a visible `None` that callers turn into error 103.

use crate::ids::urn_part;

/// Identifier types (HL7 table 0203) as FHIR codes.
pub(crate) const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// Diagnostic service sections (HL7 table 0074).
pub(crate) const V2_0074: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";
/// Encounter classes.
pub(crate) const V3_ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// Observation interpretations (what HL7 table 0078 became in FHIR).
pub(crate) const V3_INTERPRETATION: &str =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
/// Observation categories.
pub(crate) const OBSERVATION_CATEGORY: &str =
    "http://terminology.hl7.org/CodeSystem/observation-category";
/// LOINC.
pub(crate) const LOINC_URI: &str = meridian_domain::measure::LOINC;
/// SNOMED CT.
pub(crate) const SNOMED: &str = "http://snomed.info/sct";
/// RxNorm.
pub(crate) const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
/// Prefix of the systems made for coding systems with no known URI.
pub(crate) const LOCAL_CODE_SYSTEM: &str = "urn:meridian:v2:codesystem:";
/// Prefix of the identifier systems made for assigning authorities known only by namespace.
pub(crate) const LOCAL_AUTHORITY: &str = "urn:meridian:v2:authority:";

/// Coding system names (HL7 table 0396) with a known URI, both ways. The first entry for a URI
/// is the name written out.
const CODE_SYSTEMS: [(&str, &str); 10] = [
    ("LN", LOINC_URI),
    ("SCT", SNOMED),
    ("SNM", SNOMED),
    ("UCUM", meridian_domain::measure::UCUM),
    ("RXNORM", RXNORM),
    ("RXN", RXNORM),
    ("I10", "http://hl7.org/fhir/sid/icd-10"),
    ("I10C", "http://hl7.org/fhir/sid/icd-10-cm"),
    ("C4", "http://www.ama-assn.org/go/cpt"),
    ("CPT", "http://www.ama-assn.org/go/cpt"),
];

/// The FHIR system for a v2 coding system name: a known URI, `HL7nnnn` as the terminology
/// server's `v2-nnnn`, otherwise `urn:meridian:v2:codesystem:<name>`.
pub(crate) fn code_system_uri(name: &str) -> String {
    let name = name.trim();
    if let Some((_, uri)) = CODE_SYSTEMS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        return (*uri).to_owned();
    }
    if let Some(table) = name
        .strip_prefix("HL7")
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
    {
        return format!("http://terminology.hl7.org/CodeSystem/v2-{table}");
    }
    format!("{LOCAL_CODE_SYSTEM}{}", urn_part(name))
}

/// The v2 coding system name for a FHIR system, the inverse of [`code_system_uri`]; `None` for
/// a URI with no v2 name.
pub(crate) fn code_system_name(uri: &str) -> Option<String> {
    if let Some((name, _)) = CODE_SYSTEMS.iter().find(|(_, u)| *u == uri) {
        return Some((*name).to_owned());
    }
    if let Some(table) = uri.strip_prefix("http://terminology.hl7.org/CodeSystem/v2-") {
        return Some(format!("HL7{table}"));
    }
    uri.strip_prefix(LOCAL_CODE_SYSTEM)
        .map(|n| n.to_ascii_uppercase())
}

/// PID-8 (table 0001) to `Patient.gender`.
pub(crate) fn gender_from_v2(code: &str) -> Option<&'static str> {
    Some(match code {
        "M" => "male",
        "F" => "female",
        "O" | "A" | "N" => "other",
        "U" => "unknown",
        _ => return None,
    })
}

/// `Patient.gender` to PID-8.
pub(crate) fn gender_to_v2(gender: &str) -> Option<&'static str> {
    Some(match gender {
        "male" => "M",
        "female" => "F",
        "other" => "O",
        "unknown" => "U",
        _ => return None,
    })
}

/// XPN.7 name type (table 0200) to `HumanName.use`. Codes outside the map leave `use` unset
/// rather than refuse the message: a name without a use is still the patient's name.
pub(crate) fn name_use_from_v2(code: &str) -> Option<&'static str> {
    Some(match code {
        "L" => "official",
        "D" | "A" => "usual",
        "M" => "maiden",
        "N" => "nickname",
        "S" => "anonymous",
        _ => return None,
    })
}

/// `HumanName.use` to XPN.7.
pub(crate) fn name_use_to_v2(name_use: &str) -> Option<&'static str> {
    Some(match name_use {
        "official" => "L",
        "usual" => "D",
        "maiden" => "M",
        "nickname" => "N",
        "anonymous" => "S",
        _ => return None,
    })
}

/// PV1-2 patient class (table 0004) to an encounter class code and display (v3 ActCode).
pub(crate) fn patient_class(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "I" => ("IMP", "inpatient encounter"),
        "E" => ("EMER", "emergency"),
        "P" => ("PRENC", "pre-admission"),
        // Outpatient, recurring, obstetrics, commercial and "not applicable" are all seen as
        // ambulatory, as the IG's table 0004 map does.
        "O" | "R" | "B" | "C" | "N" => ("AMB", "ambulatory"),
        _ => return None,
    })
}

/// OBR-25 result status (table 0123) to `DiagnosticReport.status`.
pub(crate) fn report_status(code: &str) -> Option<&'static str> {
    Some(match code {
        "F" => "final",
        "P" => "preliminary",
        "C" => "corrected",
        "X" => "cancelled",
        "O" | "I" | "S" => "registered",
        "A" | "R" => "partial",
        _ => return None,
    })
}

/// OBX-11 result status (table 0085) to `Observation.status`.
pub(crate) fn observation_status(code: &str) -> Option<&'static str> {
    Some(match code {
        "F" | "U" => "final",
        // R: results entered, not verified; S: partial. Neither is final yet.
        "P" | "R" | "S" => "preliminary",
        "C" => "corrected",
        "A" => "amended",
        // N: not asked; the test will not be done.
        "X" | "N" => "cancelled",
        "D" | "W" => "entered-in-error",
        "I" | "O" => "registered",
        _ => return None,
    })
}

/// OBX-8 abnormal flags (table 0078) that are codes of v3 ObservationInterpretation, with the
/// display a clinician sees.
pub(crate) fn interpretation(code: &str) -> Option<&'static str> {
    Some(match code {
        "L" => "Low",
        "H" => "High",
        "LL" => "Critical low",
        "HH" => "Critical high",
        "LU" => "Significantly low",
        "HU" => "Significantly high",
        "<" => "Off scale low",
        ">" => "Off scale high",
        "N" => "Normal",
        "A" => "Abnormal",
        "AA" => "Critical abnormal",
        "U" => "Significant change up",
        "D" => "Significant change down",
        "B" => "Better",
        "W" => "Worse",
        "S" => "Susceptible",
        "R" => "Resistant",
        "I" => "Intermediate",
        "MS" => "Moderately susceptible",
        "VS" => "Very susceptible",
        "SDD" => "Susceptible-dose dependent",
        "NS" => "Non-susceptible",
        "SYN-R" => "Synergy - resistant",
        "SYN-S" => "Synergy - susceptible",
        "POS" => "Positive",
        "NEG" => "Negative",
        "IND" => "Indeterminate",
        "DET" => "Detected",
        "ND" => "Not detected",
        "E" => "Equivocal",
        "EX" => "Outside threshold",
        "HX" => "Above high threshold",
        "LX" => "Below low threshold",
        "AC" => "Anti-complementary substances present",
        "QCF" => "Quality control failure",
        "TOX" => "Cytotoxic substance present",
        "WR" => "Weakly reactive",
        "RR" => "Reactive",
        "NR" => "Non-reactive",
        "CAR" => "Carrier",
        _ => return None,
    })
}

/// ServiceRequest/MedicationRequest priority to TQ1-9 (table 0485).
pub(crate) fn priority_to_v2(priority: &str) -> Option<&'static str> {
    Some(match priority {
        "routine" => "R",
        "urgent" | "asap" => "A",
        "stat" => "S",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_systems_both_ways() {
        assert_eq!(code_system_uri("LN"), "http://loinc.org");
        assert_eq!(
            code_system_uri("HL70078"),
            "http://terminology.hl7.org/CodeSystem/v2-0078"
        );
        assert_eq!(code_system_uri("L"), "urn:meridian:v2:codesystem:l");
        assert_eq!(
            code_system_uri("99Lab X"),
            "urn:meridian:v2:codesystem:99lab-x"
        );
        for name in ["LN", "SCT", "UCUM", "RXNORM", "HL70162", "L", "99LAB"] {
            assert_eq!(
                code_system_name(&code_system_uri(name)).as_deref(),
                Some(name)
            );
        }
        assert_eq!(code_system_name("https://example.org/codes"), None);
    }

    #[test]
    fn gender_and_name_use_invert() {
        for g in ["male", "female", "other", "unknown"] {
            assert_eq!(gender_to_v2(g).and_then(gender_from_v2), Some(g));
        }
        for u in ["official", "usual", "maiden", "nickname", "anonymous"] {
            assert_eq!(name_use_to_v2(u).and_then(name_use_from_v2), Some(u));
        }
        assert_eq!(gender_from_v2("X"), None);
    }
}
