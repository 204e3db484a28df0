//! Provenance, AuditEvent.

use crate::datatypes::{CodeableConcept, Coding, Period, Reference};
use crate::json::RawJson;
use crate::primitives::{Code, FhirDateTime, FhirInstant};

choice! {
    /// `Provenance.occurred[x]`.
    pub enum ProvenanceOccurred {
        "occurredPeriod" => Period(Period),
        "occurredDateTime" => DateTime(FhirDateTime),
    }
}

fhir_struct! { domain "Provenance"
    /// Who, when and why a set of resources was created or changed.
    pub struct Provenance {
        "target" target: Vec<Reference>,
        "recorded" recorded: Option<FhirInstant>,
        "policy" policy: Vec<String>,
        "location" location: Option<Reference>,
        "reason" reason: Vec<CodeableConcept>,
        "activity" activity: Option<CodeableConcept>,
        "agent" agent: Vec<ProvenanceAgent>,
        "entity" entity: Vec<ProvenanceEntity>,
        /// Signatures, not modelled: kept as JSON.
        "signature" signature: Vec<RawJson>,
    }
    choice {
        occurred: ProvenanceOccurred,
    }
}

fhir_struct! { backbone
    /// An actor taking part in the activity.
    pub struct ProvenanceAgent {
        "type" r#type: Option<CodeableConcept>,
        "role" role: Vec<CodeableConcept>,
        "who" who: Option<Reference>,
        "onBehalfOf" on_behalf_of: Option<Reference>,
    }
}

fhir_struct! { backbone
    /// An entity used in the activity.
    pub struct ProvenanceEntity {
        /// `derivation | revision | quotation | source | removal`.
        "role" role: Option<Code>,
        "what" what: Option<Reference>,
        "agent" agent: Vec<ProvenanceAgent>,
    }
}

fhir_struct! { domain "AuditEvent"
    /// A record of a security-relevant event (ATNA).
    pub struct AuditEvent {
        "type" r#type: Option<Coding>,
        "subtype" subtype: Vec<Coding>,
        /// `C | R | U | D | E`.
        "action" action: Option<Code>,
        "period" period: Option<Period>,
        "recorded" recorded: Option<FhirInstant>,
        /// `0 | 4 | 8 | 12`.
        "outcome" outcome: Option<Code>,
        "outcomeDesc" outcome_desc: Option<String>,
        "purposeOfEvent" purpose_of_event: Vec<CodeableConcept>,
        "agent" agent: Vec<AuditEventAgent>,
        "source" source: Option<AuditEventSource>,
        "entity" entity: Vec<AuditEventEntity>,
    }
}

fhir_struct! { backbone
    /// An actor in the event.
    pub struct AuditEventAgent {
        "type" r#type: Option<CodeableConcept>,
        "role" role: Vec<CodeableConcept>,
        "who" who: Option<Reference>,
        "altId" alt_id: Option<String>,
        "name" name: Option<String>,
        "requestor" requestor: Option<bool>,
        "location" location: Option<Reference>,
        "policy" policy: Vec<String>,
        "media" media: Option<Coding>,
        "network" network: Option<AuditEventNetwork>,
        "purposeOfUse" purpose_of_use: Vec<CodeableConcept>,
    }
}

fhir_struct! { backbone
    /// The network endpoint an agent acted from.
    pub struct AuditEventNetwork {
        "address" address: Option<String>,
        "type" r#type: Option<Code>,
    }
}

fhir_struct! { backbone
    /// The system that reported the event.
    pub struct AuditEventSource {
        "site" site: Option<String>,
        "observer" observer: Option<Reference>,
        "type" r#type: Vec<Coding>,
    }
}

fhir_struct! { backbone
    /// Data or objects used in the event.
    pub struct AuditEventEntity {
        "what" what: Option<Reference>,
        "type" r#type: Option<Coding>,
        "role" role: Option<Coding>,
        "lifecycle" lifecycle: Option<Coding>,
        "securityLabel" security_label: Vec<Coding>,
        "name" name: Option<String>,
        "description" description: Option<String>,
        /// Base64-encoded query parameters.
        "query" query: Option<String>,
        "detail" detail: Vec<AuditEventEntityDetail>,
    }
}

choice! {
    /// `AuditEvent.entity.detail.value[x]`.
    pub enum AuditEventDetailValue {
        "valueString" => String(String),
        "valueBase64Binary" => Base64Binary(String),
    }
}

fhir_struct! { backbone
    /// Additional information about an entity.
    pub struct AuditEventEntityDetail {
        "type" r#type: Option<String>,
    }
    choice {
        value: AuditEventDetailValue,
    }
}
