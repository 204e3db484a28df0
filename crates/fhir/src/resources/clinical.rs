//! Encounter, Condition, AllergyIntolerance, MedicationStatement, Observation.

use crate::datatypes::{
    Age, Annotation, CodeableConcept, Coding, Duration, Identifier, Period, Quantity, Range, Ratio,
    Reference,
};
use crate::json::RawJson;
use crate::primitives::{Code, FhirDateTime, FhirInstant};

/// The LOINC system URI.
pub const LOINC: &str = "http://loinc.org";

fhir_struct! { domain "Encounter"
    /// An interaction between a patient and providers (a visit, an admission).
    pub struct Encounter {
        "identifier" identifier: Vec<Identifier>,
        /// `planned | arrived | triaged | in-progress | onleave | finished | cancelled | ...`.
        "status" status: Option<Code>,
        "class" class: Option<Coding>,
        "type" r#type: Vec<CodeableConcept>,
        "serviceType" service_type: Option<CodeableConcept>,
        "priority" priority: Option<CodeableConcept>,
        "subject" subject: Option<Reference>,
        "episodeOfCare" episode_of_care: Vec<Reference>,
        "basedOn" based_on: Vec<Reference>,
        "participant" participant: Vec<EncounterParticipant>,
        "appointment" appointment: Vec<Reference>,
        "period" period: Option<Period>,
        "length" length: Option<Duration>,
        "reasonCode" reason_code: Vec<CodeableConcept>,
        "reasonReference" reason_reference: Vec<Reference>,
        "diagnosis" diagnosis: Vec<EncounterDiagnosis>,
        "account" account: Vec<Reference>,
        "location" location: Vec<EncounterLocation>,
        "serviceProvider" service_provider: Option<Reference>,
        "partOf" part_of: Option<Reference>,
    }
}

fhir_struct! { backbone
    /// Someone involved in the encounter.
    pub struct EncounterParticipant {
        "type" r#type: Vec<CodeableConcept>,
        "period" period: Option<Period>,
        "individual" individual: Option<Reference>,
    }
}

fhir_struct! { backbone
    /// A diagnosis relevant to the encounter.
    pub struct EncounterDiagnosis {
        "condition" condition: Option<Reference>,
        "use" r#use: Option<CodeableConcept>,
        "rank" rank: Option<u32>,
    }
}

fhir_struct! { backbone
    /// A location where the patient was during the encounter.
    pub struct EncounterLocation {
        "location" location: Option<Reference>,
        "status" status: Option<Code>,
        "physicalType" physical_type: Option<CodeableConcept>,
        "period" period: Option<Period>,
    }
}

choice! {
    /// `Condition.onset[x]`.
    pub enum ConditionOnset {
        "onsetDateTime" => DateTime(FhirDateTime),
        "onsetAge" => Age(Age),
        "onsetPeriod" => Period(Period),
        "onsetRange" => Range(Box<Range>),
        "onsetString" => String(String),
    }
}

choice! {
    /// `Condition.abatement[x]`.
    pub enum ConditionAbatement {
        "abatementDateTime" => DateTime(FhirDateTime),
        "abatementAge" => Age(Age),
        "abatementPeriod" => Period(Period),
        "abatementRange" => Range(Box<Range>),
        "abatementString" => String(String),
    }
}

fhir_struct! { domain "Condition"
    /// A problem, diagnosis or other clinical concern.
    pub struct Condition {
        "identifier" identifier: Vec<Identifier>,
        "clinicalStatus" clinical_status: Option<CodeableConcept>,
        "verificationStatus" verification_status: Option<CodeableConcept>,
        "category" category: Vec<CodeableConcept>,
        "severity" severity: Option<CodeableConcept>,
        "code" code: Option<CodeableConcept>,
        "bodySite" body_site: Vec<CodeableConcept>,
        "subject" subject: Option<Reference>,
        "encounter" encounter: Option<Reference>,
        "recordedDate" recorded_date: Option<FhirDateTime>,
        "recorder" recorder: Option<Reference>,
        "asserter" asserter: Option<Reference>,
        "note" note: Vec<Annotation>,
    }
    choice {
        onset: ConditionOnset,
        abatement: ConditionAbatement,
    }
}

choice! {
    /// `AllergyIntolerance.onset[x]`.
    pub enum AllergyIntoleranceOnset {
        "onsetDateTime" => DateTime(FhirDateTime),
        "onsetAge" => Age(Age),
        "onsetPeriod" => Period(Period),
        "onsetRange" => Range(Box<Range>),
        "onsetString" => String(String),
    }
}

fhir_struct! { domain "AllergyIntolerance"
    /// A propensity to an adverse reaction to a substance.
    pub struct AllergyIntolerance {
        "identifier" identifier: Vec<Identifier>,
        "clinicalStatus" clinical_status: Option<CodeableConcept>,
        "verificationStatus" verification_status: Option<CodeableConcept>,
        /// `allergy | intolerance`.
        "type" r#type: Option<Code>,
        /// `food | medication | environment | biologic`.
        "category" category: Vec<Code>,
        /// `low | high | unable-to-assess`.
        "criticality" criticality: Option<Code>,
        "code" code: Option<CodeableConcept>,
        "patient" patient: Option<Reference>,
        "encounter" encounter: Option<Reference>,
        "recordedDate" recorded_date: Option<FhirDateTime>,
        "recorder" recorder: Option<Reference>,
        "asserter" asserter: Option<Reference>,
        "lastOccurrence" last_occurrence: Option<FhirDateTime>,
        "note" note: Vec<Annotation>,
        "reaction" reaction: Vec<AllergyIntoleranceReaction>,
    }
    choice {
        onset: AllergyIntoleranceOnset,
    }
}

fhir_struct! { backbone
    /// One adverse reaction event.
    pub struct AllergyIntoleranceReaction {
        "substance" substance: Option<CodeableConcept>,
        "manifestation" manifestation: Vec<CodeableConcept>,
        "description" description: Option<String>,
        "onset" onset: Option<FhirDateTime>,
        /// `mild | moderate | severe`.
        "severity" severity: Option<Code>,
        "exposureRoute" exposure_route: Option<CodeableConcept>,
        "note" note: Vec<Annotation>,
    }
}

choice! {
    /// `MedicationStatement.medication[x]`.
    pub enum MedicationStatementMedication {
        "medicationCodeableConcept" => CodeableConcept(CodeableConcept),
        "medicationReference" => Reference(Reference),
    }
}

choice! {
    /// `MedicationStatement.effective[x]`.
    pub enum MedicationStatementEffective {
        "effectiveDateTime" => DateTime(FhirDateTime),
        "effectivePeriod" => Period(Period),
    }
}

fhir_struct! { domain "MedicationStatement"
    /// A record of a medication being taken, now, in the past or in future.
    pub struct MedicationStatement {
        "identifier" identifier: Vec<Identifier>,
        "basedOn" based_on: Vec<Reference>,
        "partOf" part_of: Vec<Reference>,
        /// `active | completed | entered-in-error | intended | stopped | on-hold | unknown | not-taken`.
        "status" status: Option<Code>,
        "statusReason" status_reason: Vec<CodeableConcept>,
        "category" category: Option<CodeableConcept>,
        "subject" subject: Option<Reference>,
        "context" context: Option<Reference>,
        "dateAsserted" date_asserted: Option<FhirDateTime>,
        "informationSource" information_source: Option<Reference>,
        "derivedFrom" derived_from: Vec<Reference>,
        "reasonCode" reason_code: Vec<CodeableConcept>,
        "reasonReference" reason_reference: Vec<Reference>,
        "note" note: Vec<Annotation>,
        /// Dosage, not modelled: kept as JSON.
        "dosage" dosage: Vec<RawJson>,
    }
    choice {
        medication: MedicationStatementMedication,
        effective: MedicationStatementEffective,
    }
}

choice! {
    /// `Observation.value[x]` and `Observation.component.value[x]`.
    pub enum ObservationValue {
        "valueQuantity" => Quantity(Quantity),
        "valueCodeableConcept" => CodeableConcept(CodeableConcept),
        "valueString" => String(String),
        "valueBoolean" => Boolean(bool),
        "valueInteger" => Integer(i32),
        "valueRange" => Range(Box<Range>),
        "valueRatio" => Ratio(Box<Ratio>),
        "valueSampledData" => SampledData(RawJson),
        "valueTime" => Time(String),
        "valueDateTime" => DateTime(FhirDateTime),
        "valuePeriod" => Period(Period),
    }
}

choice! {
    /// `Observation.effective[x]`.
    pub enum ObservationEffective {
        "effectiveDateTime" => DateTime(FhirDateTime),
        "effectivePeriod" => Period(Period),
        "effectiveTiming" => Timing(RawJson),
        "effectiveInstant" => Instant(FhirInstant),
    }
}

fhir_struct! { domain "Observation"
    /// A measurement or simple assertion about a patient, device or other subject.
    pub struct Observation {
        "identifier" identifier: Vec<Identifier>,
        "basedOn" based_on: Vec<Reference>,
        "partOf" part_of: Vec<Reference>,
        /// `registered | preliminary | final | amended | corrected | cancelled | entered-in-error | unknown`.
        "status" status: Option<Code>,
        "category" category: Vec<CodeableConcept>,
        "code" code: Option<CodeableConcept>,
        "subject" subject: Option<Reference>,
        "focus" focus: Vec<Reference>,
        "encounter" encounter: Option<Reference>,
        "issued" issued: Option<FhirInstant>,
        "performer" performer: Vec<Reference>,
        "dataAbsentReason" data_absent_reason: Option<CodeableConcept>,
        "interpretation" interpretation: Vec<CodeableConcept>,
        "note" note: Vec<Annotation>,
        "bodySite" body_site: Option<CodeableConcept>,
        "method" method: Option<CodeableConcept>,
        "specimen" specimen: Option<Reference>,
        "device" device: Option<Reference>,
        "referenceRange" reference_range: Vec<ObservationReferenceRange>,
        "hasMember" has_member: Vec<Reference>,
        "derivedFrom" derived_from: Vec<Reference>,
        "component" component: Vec<ObservationComponent>,
    }
    choice {
        effective: ObservationEffective,
        value: ObservationValue,
    }
}

fhir_struct! { backbone
    /// A range in which a value is considered normal (or otherwise interpreted).
    pub struct ObservationReferenceRange {
        "low" low: Option<Quantity>,
        "high" high: Option<Quantity>,
        "type" r#type: Option<CodeableConcept>,
        "appliesTo" applies_to: Vec<CodeableConcept>,
        "age" age: Option<Range>,
        "text" text: Option<String>,
    }
}

fhir_struct! { backbone
    /// One part of a multi-part observation (systolic and diastolic, say).
    pub struct ObservationComponent {
        "code" code: Option<CodeableConcept>,
        "dataAbsentReason" data_absent_reason: Option<CodeableConcept>,
        "interpretation" interpretation: Vec<CodeableConcept>,
        "referenceRange" reference_range: Vec<ObservationReferenceRange>,
    }
    choice {
        value: ObservationValue,
    }
}

impl Observation {
    /// The patient id when `subject` is a literal reference to a Patient (`Patient/<id>`).
    pub fn subject_patient_id(&self) -> Option<&str> {
        self.subject.as_ref()?.id_of("Patient")
    }

    /// The first LOINC code of `code`.
    pub fn loinc_code(&self) -> Option<&str> {
        self.code.as_ref()?.code_for(LOINC)
    }

    /// The first code of `code` from `system`.
    pub fn code_for(&self, system: &str) -> Option<&str> {
        self.code.as_ref()?.code_for(system)
    }

    /// When the observation applies: `effectiveDateTime`, `effectiveInstant`, or the start (else
    /// end) of `effectivePeriod`. `None` for `effectiveTiming` and when absent.
    pub fn effective_date_time(&self) -> Option<FhirDateTime> {
        match self.effective.as_ref()? {
            ObservationEffective::DateTime(dt) => Some(dt.clone()),
            ObservationEffective::Instant(i) => Some(i.to_date_time()),
            ObservationEffective::Period(p) => p.start.clone().or_else(|| p.end.clone()),
            ObservationEffective::Timing(_) => None,
        }
    }

    /// [`Self::effective_date_time`] as milliseconds since the Unix epoch (UTC), a sort key.
    pub fn effective_epoch_millis(&self) -> Option<i64> {
        self.effective_date_time().map(|dt| dt.epoch_millis())
    }
}

impl Condition {
    /// The patient id when `subject` is a literal reference to a Patient.
    pub fn subject_patient_id(&self) -> Option<&str> {
        self.subject.as_ref()?.id_of("Patient")
    }
}

impl AllergyIntolerance {
    /// The patient id when `patient` is a literal reference to a Patient.
    pub fn patient_id(&self) -> Option<&str> {
        self.patient.as_ref()?.id_of("Patient")
    }
}

impl Encounter {
    /// The patient id when `subject` is a literal reference to a Patient.
    pub fn subject_patient_id(&self) -> Option<&str> {
        self.subject.as_ref()?.id_of("Patient")
    }
}

impl MedicationStatement {
    /// The patient id when `subject` is a literal reference to a Patient.
    pub fn subject_patient_id(&self) -> Option<&str> {
        self.subject.as_ref()?.id_of("Patient")
    }
}
