//! Events that a committed change raises, so that modules (sync, decision support, alerts, the
//! UI) react without knowing each other. Events carry ids, never clinical values: a subscriber
//! that needs the data reads it through the app layer, access-checked.

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainEvent {
    PatientRegistered { patient_id: String },
    DemographicsUpdated { patient_id: String },
    /// `merged_id`'s record now points at `surviving_id` (HL7 ADT^A40, FHIR Patient.link).
    PatientsMerged { surviving_id: String, merged_id: String },
    ObservationRecorded { patient_id: String, observation_id: String, loinc: Option<String>, critical: bool },
    NoteSaved { patient_id: String, note_id: String },
    NoteSigned { patient_id: String, note_id: String },
    ResourceWritten { resource_type: String, id: String, version: i64, patient_id: Option<String> },
    BreakGlass { user_id: String, patient_id: String },
}
