//! What a FHIR resource contributes to the store's search indexes and to the master patient
//! index.

use meridian_domain::identifier::ABHA_SYSTEM;
use meridian_domain::time::Timestamp;
use meridian_fhir::{Observation, Patient, Resource};
use meridian_mpi::{BirthDate, Demographics, Ident, Sex};
use meridian_store::{Index, ObservationIndex, PatientIndex};

/// Lower-case, accents folded, only letters and digits: how names are indexed and searched.
pub(crate) fn norm(s: &str) -> String {
    meridian_mpi::fold(s)
}

/// Identifier values are compared without case, spaces or hyphens (`12-3456-...` = `123456...`).
pub(crate) fn norm_identifier(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect()
}

pub(crate) fn demographics(p: &Patient) -> Demographics {
    let birth_date = p.birth_date.as_ref().and_then(|d| match d.ymd() {
        (y, Some(m), Some(d)) => BirthDate::new(i32::from(y), m, d).ok(),
        _ => None,
    });
    let sex = p.gender.as_ref().map(|g| match g.as_str() {
        "female" => Sex::Female,
        "male" => Sex::Male,
        "other" => Sex::Other,
        _ => Sex::Unknown,
    });
    let address = p.address.first();
    Demographics {
        family: p.family_name().unwrap_or_default().to_owned(),
        given: p.given_names().into_iter().map(str::to_owned).collect(),
        birth_date,
        sex,
        // This site's own MRN is new at every registration, so it says nothing about identity.
        identifiers: p
            .identifier
            .iter()
            .filter(|i| i.system.as_deref() != Some(meridian_domain::identifier::MRN_SYSTEM))
            .filter_map(|i| Some(Ident::new(i.system.clone()?, i.value.clone()?)))
            .collect(),
        postal_code: address.and_then(|a| a.postal_code.clone()),
        address_line: address.and_then(|a| a.line.first().cloned()),
        phone: p
            .telecom
            .iter()
            .find(|t| t.system.as_ref().is_some_and(|s| s.as_str() == "phone"))
            .and_then(|t| t.value.clone()),
    }
}

fn patient_index(p: &Patient) -> PatientIndex {
    let family = norm(p.family_name().unwrap_or_default());
    let given: Vec<String> = p.given_names().into_iter().map(norm).filter(|g| !g.is_empty()).collect();
    let mut tokens: Vec<String> = Vec::new();
    for name in &p.name {
        for part in name.family.iter().chain(name.given.iter()) {
            for word in part.split(|c: char| c.is_whitespace() || c == '-') {
                let t = norm(word);
                if !t.is_empty() && !tokens.contains(&t) {
                    tokens.push(t);
                }
            }
        }
    }
    let merged_into = p
        .link
        .iter()
        .find(|l| l.r#type.as_ref().is_some_and(|t| t.as_str() == "replaced-by"))
        .and_then(|l| l.other.as_ref()?.id_of("Patient").map(str::to_owned));
    PatientIndex {
        family,
        given: given.join(" "),
        birth_date: p.birth_date.as_ref().map(|d| d.as_str().to_owned()),
        sex: p.gender.as_ref().map(|g| g.as_str().to_owned()),
        active: p.active != Some(false),
        merged_into,
        tokens,
        identifiers: p
            .identifier
            .iter()
            .filter_map(|i| Some((i.system.clone().unwrap_or_default(), norm_identifier(i.value.as_deref()?))))
            .collect(),
        blocking_keys: meridian_mpi::blocking_keys(&demographics(p)),
    }
}

fn observation_index(o: &Observation) -> Option<ObservationIndex> {
    // Withdrawn results stay in the history but leave the chart, flowsheet and trends.
    if o.status.as_ref().is_some_and(|s| matches!(s.as_str(), "entered-in-error" | "cancelled")) {
        return None;
    }
    let category = o
        .category
        .iter()
        .flat_map(|c| c.coding.iter())
        .find_map(|c| c.code.as_ref().map(|c| c.as_str().to_owned()))
        .unwrap_or_else(|| "other".into());
    let code = o
        .loinc_code()
        .map(str::to_owned)
        .or_else(|| o.code.as_ref()?.coding.first()?.code.as_ref().map(|c| c.as_str().to_owned()))?;
    let effective = o.effective_epoch_millis().map(|ms| Timestamp(ms).to_rfc3339())?;
    Some(ObservationIndex { category, code, effective })
}

/// The patient a resource belongs to, if any.
pub(crate) fn patient_of(r: &Resource) -> Option<String> {
    match r {
        Resource::Patient(p) => p.id.as_ref().map(|i| i.as_str().to_owned()),
        Resource::Observation(o) => o.subject_patient_id().map(str::to_owned),
        Resource::Condition(c) => c.subject_patient_id().map(str::to_owned),
        Resource::AllergyIntolerance(a) => a.patient_id().map(str::to_owned),
        Resource::MedicationStatement(m) => m.subject_patient_id().map(str::to_owned),
        Resource::Encounter(e) => e.subject.as_ref()?.id_of("Patient").map(str::to_owned),
        Resource::DocumentReference(d) => d.subject_patient_id().map(str::to_owned),
        Resource::Composition(c) => c.subject.as_ref()?.id_of("Patient").map(str::to_owned),
        Resource::DiagnosticReport(d) => d.subject_patient_id().map(str::to_owned),
        Resource::ServiceRequest(s) => s.subject_patient_id().map(str::to_owned),
        Resource::MedicationRequest(m) => m.subject_patient_id().map(str::to_owned),
        Resource::ChargeItem(c) => c.subject_patient_id().map(str::to_owned),
        _ => None,
    }
}

pub(crate) fn index_of(r: &Resource) -> Index {
    match r {
        Resource::Patient(p) => Index::Patient(Box::new(patient_index(p))),
        Resource::Observation(o) => observation_index(o).map_or(Index::None, Index::Observation),
        _ => Index::None,
    }
}

/// The ABHA number of a patient, formatted, if recorded.
pub(crate) fn abha(p: &Patient) -> Option<String> {
    p.identifier(ABHA_SYSTEM).and_then(|i| i.value.clone())
}
