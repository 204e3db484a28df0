//! DocumentReference, Composition.

use crate::datatypes::{
    Attachment, CodeableConcept, Coding, Identifier, Narrative, Period, Reference,
};
use crate::primitives::{Code, FhirDateTime, FhirInstant};

fhir_struct! { domain "DocumentReference"
    /// A reference to a document of any kind (a scanned letter, a PDF report, a CDA document).
    pub struct DocumentReference {
        "masterIdentifier" master_identifier: Option<Identifier>,
        "identifier" identifier: Vec<Identifier>,
        /// `current | superseded | entered-in-error`.
        "status" status: Option<Code>,
        /// `preliminary | final | amended | entered-in-error`.
        "docStatus" doc_status: Option<Code>,
        "type" r#type: Option<CodeableConcept>,
        "category" category: Vec<CodeableConcept>,
        "subject" subject: Option<Reference>,
        "date" date: Option<FhirInstant>,
        "author" author: Vec<Reference>,
        "authenticator" authenticator: Option<Reference>,
        "custodian" custodian: Option<Reference>,
        "description" description: Option<String>,
        "securityLabel" security_label: Vec<CodeableConcept>,
        "content" content: Vec<DocumentReferenceContent>,
        "context" context: Option<DocumentReferenceContext>,
    }
}

fhir_struct! { backbone
    /// The document itself, by attachment, and its format.
    pub struct DocumentReferenceContent {
        "attachment" attachment: Option<Attachment>,
        "format" format: Option<Coding>,
    }
}

fhir_struct! { backbone
    /// The clinical context of the document.
    pub struct DocumentReferenceContext {
        "encounter" encounter: Vec<Reference>,
        "event" event: Vec<CodeableConcept>,
        "period" period: Option<Period>,
        "facilityType" facility_type: Option<CodeableConcept>,
        "practiceSetting" practice_setting: Option<CodeableConcept>,
        "sourcePatientInfo" source_patient_info: Option<Reference>,
        "related" related: Vec<Reference>,
    }
}

impl DocumentReference {
    /// The patient id when `subject` is a literal reference to a Patient.
    pub fn subject_patient_id(&self) -> Option<&str> {
        self.subject.as_ref()?.id_of("Patient")
    }
}

fhir_struct! { domain "Composition"
    /// A set of healthcare statements assembled into a document (a discharge summary).
    pub struct Composition {
        "identifier" identifier: Option<Identifier>,
        /// `preliminary | final | amended | entered-in-error`.
        "status" status: Option<Code>,
        "type" r#type: Option<CodeableConcept>,
        "category" category: Vec<CodeableConcept>,
        "subject" subject: Option<Reference>,
        "encounter" encounter: Option<Reference>,
        "date" date: Option<FhirDateTime>,
        "author" author: Vec<Reference>,
        "title" title: Option<String>,
        "confidentiality" confidentiality: Option<Code>,
        "custodian" custodian: Option<Reference>,
        "section" section: Vec<CompositionSection>,
    }
}

fhir_struct! { backbone
    /// A section of the document; sections nest.
    pub struct CompositionSection {
        "title" title: Option<String>,
        "code" code: Option<CodeableConcept>,
        "author" author: Vec<Reference>,
        "focus" focus: Option<Reference>,
        "text" text: Option<Narrative>,
        /// `working | snapshot | changes`.
        "mode" mode: Option<Code>,
        "orderedBy" ordered_by: Option<CodeableConcept>,
        "entry" entry: Vec<Reference>,
        "emptyReason" empty_reason: Option<CodeableConcept>,
        "section" section: Vec<CompositionSection>,
    }
}
