//! DiagnosticReport, ServiceRequest, MedicationRequest, ChargeItem: what results, orders,
//! prescriptions and charges travel as (HL7 v2 ORU, ORM/OML, RDE and DFT map to these).

use crate::datatypes::{Annotation, CodeableConcept, Identifier, Period, Quantity, Reference};
use crate::json::{Decimal, RawJson};
use crate::primitives::{Code, FhirDateTime, FhirInstant};

choice! {
    /// `DiagnosticReport.effective[x]`.
    pub enum DiagnosticReportEffective {
        "effectiveDateTime" => DateTime(FhirDateTime),
        "effectivePeriod" => Period(Period),
    }
}

fhir_struct! { domain "DiagnosticReport"
    /// The findings of a set of diagnostic tests (a lab panel, an imaging study's report).
    pub struct DiagnosticReport {
        "identifier" identifier: Vec<Identifier>,
        "basedOn" based_on: Vec<Reference>,
        /// `registered | partial | preliminary | final | amended | corrected | appended | cancelled | entered-in-error | unknown`.
        "status" status: Option<Code>,
        "category" category: Vec<CodeableConcept>,
        "code" code: Option<CodeableConcept>,
        "subject" subject: Option<Reference>,
        "encounter" encounter: Option<Reference>,
        "issued" issued: Option<FhirInstant>,
        "performer" performer: Vec<Reference>,
        "resultsInterpreter" results_interpreter: Vec<Reference>,
        "specimen" specimen: Vec<Reference>,
        "result" result: Vec<Reference>,
        "imagingStudy" imaging_study: Vec<Reference>,
        /// Key images, not modelled: kept as JSON.
        "media" media: Vec<RawJson>,
        "conclusion" conclusion: Option<String>,
        "conclusionCode" conclusion_code: Vec<CodeableConcept>,
        /// Attachments (the rendered report), not modelled: kept as JSON.
        "presentedForm" presented_form: Vec<RawJson>,
    }
    choice {
        effective: DiagnosticReportEffective,
    }
}

choice! {
    /// `ServiceRequest.occurrence[x]`.
    pub enum ServiceRequestOccurrence {
        "occurrenceDateTime" => DateTime(FhirDateTime),
        "occurrencePeriod" => Period(Period),
        "occurrenceTiming" => Timing(RawJson),
    }
}

fhir_struct! { domain "ServiceRequest"
    /// An order for a diagnostic test or procedure (a lab panel, an imaging study).
    pub struct ServiceRequest {
        "identifier" identifier: Vec<Identifier>,
        "instantiatesCanonical" instantiates_canonical: Vec<String>,
        "basedOn" based_on: Vec<Reference>,
        "replaces" replaces: Vec<Reference>,
        "requisition" requisition: Option<Identifier>,
        /// `draft | active | on-hold | revoked | completed | entered-in-error | unknown`.
        "status" status: Option<Code>,
        /// `proposal | plan | directive | order | original-order | reflex-order | ...`.
        "intent" intent: Option<Code>,
        "category" category: Vec<CodeableConcept>,
        /// `routine | urgent | asap | stat`.
        "priority" priority: Option<Code>,
        "doNotPerform" do_not_perform: Option<bool>,
        "code" code: Option<CodeableConcept>,
        "orderDetail" order_detail: Vec<CodeableConcept>,
        "subject" subject: Option<Reference>,
        "encounter" encounter: Option<Reference>,
        "authoredOn" authored_on: Option<FhirDateTime>,
        "requester" requester: Option<Reference>,
        "performerType" performer_type: Option<CodeableConcept>,
        "performer" performer: Vec<Reference>,
        "reasonCode" reason_code: Vec<CodeableConcept>,
        "reasonReference" reason_reference: Vec<Reference>,
        "specimen" specimen: Vec<Reference>,
        "bodySite" body_site: Vec<CodeableConcept>,
        "note" note: Vec<Annotation>,
        "patientInstruction" patient_instruction: Option<String>,
    }
    choice {
        occurrence: ServiceRequestOccurrence,
    }
}

choice! {
    /// `MedicationRequest.medication[x]`.
    pub enum MedicationRequestMedication {
        "medicationCodeableConcept" => CodeableConcept(CodeableConcept),
        "medicationReference" => Reference(Reference),
    }
}

fhir_struct! { domain "MedicationRequest"
    /// A prescription or medication order.
    pub struct MedicationRequest {
        "identifier" identifier: Vec<Identifier>,
        /// `active | on-hold | cancelled | completed | entered-in-error | stopped | draft | unknown`.
        "status" status: Option<Code>,
        "statusReason" status_reason: Option<CodeableConcept>,
        /// `proposal | plan | order | original-order | reflex-order | filler-order | instance-order | option`.
        "intent" intent: Option<Code>,
        "category" category: Vec<CodeableConcept>,
        "priority" priority: Option<Code>,
        "doNotPerform" do_not_perform: Option<bool>,
        "subject" subject: Option<Reference>,
        "encounter" encounter: Option<Reference>,
        "authoredOn" authored_on: Option<FhirDateTime>,
        "requester" requester: Option<Reference>,
        "recorder" recorder: Option<Reference>,
        "reasonCode" reason_code: Vec<CodeableConcept>,
        "reasonReference" reason_reference: Vec<Reference>,
        "basedOn" based_on: Vec<Reference>,
        "groupIdentifier" group_identifier: Option<Identifier>,
        "note" note: Vec<Annotation>,
        /// Dosage instructions, not modelled: kept as JSON.
        "dosageInstruction" dosage_instruction: Vec<RawJson>,
        /// Dispense request, not modelled: kept as JSON.
        "dispenseRequest" dispense_request: Option<RawJson>,
        "substitution" substitution: Option<RawJson>,
        "priorPrescription" prior_prescription: Option<Reference>,
    }
    choice {
        medication: MedicationRequestMedication,
    }
}

choice! {
    /// `ChargeItem.occurrence[x]`.
    pub enum ChargeItemOccurrence {
        "occurrenceDateTime" => DateTime(FhirDateTime),
        "occurrencePeriod" => Period(Period),
        "occurrenceTiming" => Timing(RawJson),
    }
}

fhir_struct! { domain "ChargeItem"
    /// A billable item: what was provided, to whom, when, how many.
    pub struct ChargeItem {
        "identifier" identifier: Vec<Identifier>,
        "definitionUri" definition_uri: Vec<String>,
        "definitionCanonical" definition_canonical: Vec<String>,
        /// `planned | billable | not-billable | aborted | billed | entered-in-error | unknown`.
        "status" status: Option<Code>,
        "partOf" part_of: Vec<Reference>,
        "code" code: Option<CodeableConcept>,
        "subject" subject: Option<Reference>,
        "context" context: Option<Reference>,
        /// Performers, not modelled: kept as JSON.
        "performer" performer: Vec<RawJson>,
        "performingOrganization" performing_organization: Option<Reference>,
        "requestingOrganization" requesting_organization: Option<Reference>,
        "costCenter" cost_center: Option<Reference>,
        "quantity" quantity: Option<Quantity>,
        "bodysite" bodysite: Vec<CodeableConcept>,
        "factorOverride" factor_override: Option<Decimal>,
        "priceOverride" price_override: Option<RawJson>,
        "overrideReason" override_reason: Option<String>,
        "enterer" enterer: Option<Reference>,
        "enteredDate" entered_date: Option<FhirDateTime>,
        "reason" reason: Vec<CodeableConcept>,
        "service" service: Vec<Reference>,
        "account" account: Vec<Reference>,
        "note" note: Vec<Annotation>,
        "supportingInformation" supporting_information: Vec<Reference>,
    }
    choice {
        occurrence: ChargeItemOccurrence,
    }
}

macro_rules! subject_patient {
    ($($t:ty),*) => {$(
        impl $t {
            /// The patient id when `subject` is a literal reference to a Patient (`Patient/<id>`).
            pub fn subject_patient_id(&self) -> Option<&str> {
                self.subject.as_ref()?.id_of("Patient")
            }
        }
    )*};
}

subject_patient!(DiagnosticReport, ServiceRequest, MedicationRequest, ChargeItem);
