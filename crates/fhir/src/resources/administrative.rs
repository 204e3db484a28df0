//! Patient, Practitioner, Organization.

use crate::datatypes::{
    Address, Attachment, CodeableConcept, ContactPoint, HumanName, Identifier, Period, Reference,
    identifier_by_system,
};
use crate::primitives::{Code, FhirDate, FhirDateTime};

choice! {
    /// `Patient.deceased[x]`.
    pub enum PatientDeceased {
        "deceasedBoolean" => Boolean(bool),
        "deceasedDateTime" => DateTime(FhirDateTime),
    }
}

choice! {
    /// `Patient.multipleBirth[x]`.
    pub enum PatientMultipleBirth {
        "multipleBirthBoolean" => Boolean(bool),
        "multipleBirthInteger" => Integer(i32),
    }
}

fhir_struct! { domain "Patient"
    /// Demographics of a person receiving care.
    pub struct Patient {
        "identifier" identifier: Vec<Identifier>,
        "active" active: Option<bool>,
        "name" name: Vec<HumanName>,
        "telecom" telecom: Vec<ContactPoint>,
        /// `male | female | other | unknown`.
        "gender" gender: Option<Code>,
        "birthDate" birth_date: Option<FhirDate>,
        "address" address: Vec<Address>,
        "maritalStatus" marital_status: Option<CodeableConcept>,
        "photo" photo: Vec<Attachment>,
        "contact" contact: Vec<PatientContact>,
        "communication" communication: Vec<PatientCommunication>,
        "generalPractitioner" general_practitioner: Vec<Reference>,
        "managingOrganization" managing_organization: Option<Reference>,
        "link" link: Vec<PatientLink>,
    }
    choice {
        deceased: PatientDeceased,
        multiple_birth: PatientMultipleBirth,
    }
}

fhir_struct! { backbone
    /// A contact party (guardian, partner, friend) for the patient.
    pub struct PatientContact {
        "relationship" relationship: Vec<CodeableConcept>,
        "name" name: Option<HumanName>,
        "telecom" telecom: Vec<ContactPoint>,
        "address" address: Option<Address>,
        "gender" gender: Option<Code>,
        "organization" organization: Option<Reference>,
        "period" period: Option<Period>,
    }
}

fhir_struct! { backbone
    /// A language the patient may use.
    pub struct PatientCommunication {
        "language" language: Option<CodeableConcept>,
        "preferred" preferred: Option<bool>,
    }
}

fhir_struct! { backbone
    /// A link to another Patient or RelatedPerson for the same person.
    pub struct PatientLink {
        "other" other: Option<Reference>,
        /// `replaced-by | replaces | refer | seealso`.
        "type" r#type: Option<Code>,
    }
}

impl Patient {
    /// The name to show: the first `official` name, else the first `usual`, else the first.
    pub fn primary_name(&self) -> Option<&HumanName> {
        let by_use = |u: &str| {
            self.name
                .iter()
                .find(|n| n.r#use.as_ref().is_some_and(|c| c.as_str() == u))
        };
        by_use("official")
            .or_else(|| by_use("usual"))
            .or_else(|| self.name.first())
    }

    /// Family name of [`Self::primary_name`].
    pub fn family_name(&self) -> Option<&str> {
        self.primary_name()?.family.as_deref()
    }

    /// Given names of [`Self::primary_name`], in order.
    pub fn given_names(&self) -> Vec<&str> {
        self.primary_name()
            .map(|n| n.given.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The first identifier from `system` (e.g. a medical record number namespace).
    pub fn identifier(&self, system: &str) -> Option<&Identifier> {
        identifier_by_system(&self.identifier, system)
    }

    /// Whether the record says the patient has died (`deceasedBoolean: true` or a date).
    pub fn is_deceased(&self) -> bool {
        matches!(
            self.deceased,
            Some(PatientDeceased::Boolean(true) | PatientDeceased::DateTime(_))
        )
    }
}

fhir_struct! { domain "Practitioner"
    /// A person with a formal role in providing care.
    pub struct Practitioner {
        "identifier" identifier: Vec<Identifier>,
        "active" active: Option<bool>,
        "name" name: Vec<HumanName>,
        "telecom" telecom: Vec<ContactPoint>,
        "address" address: Vec<Address>,
        "gender" gender: Option<Code>,
        "birthDate" birth_date: Option<FhirDate>,
        "photo" photo: Vec<Attachment>,
        "qualification" qualification: Vec<PractitionerQualification>,
        "communication" communication: Vec<CodeableConcept>,
    }
}

fhir_struct! { backbone
    /// A certification, licence or training.
    pub struct PractitionerQualification {
        "identifier" identifier: Vec<Identifier>,
        "code" code: Option<CodeableConcept>,
        "period" period: Option<Period>,
        "issuer" issuer: Option<Reference>,
    }
}

impl Practitioner {
    /// The first identifier from `system` (e.g. `http://hl7.org/fhir/sid/us-npi`).
    pub fn identifier(&self, system: &str) -> Option<&Identifier> {
        identifier_by_system(&self.identifier, system)
    }
}

fhir_struct! { domain "Organization"
    /// A formally recognised group: a hospital, a practice, an insurer.
    pub struct Organization {
        "identifier" identifier: Vec<Identifier>,
        "active" active: Option<bool>,
        "type" r#type: Vec<CodeableConcept>,
        "name" name: Option<String>,
        "alias" alias: Vec<String>,
        "telecom" telecom: Vec<ContactPoint>,
        "address" address: Vec<Address>,
        "partOf" part_of: Option<Reference>,
        "contact" contact: Vec<OrganizationContact>,
        "endpoint" endpoint: Vec<Reference>,
    }
}

fhir_struct! { backbone
    /// A contact for the organisation for a purpose.
    pub struct OrganizationContact {
        "purpose" purpose: Option<CodeableConcept>,
        "name" name: Option<HumanName>,
        "telecom" telecom: Vec<ContactPoint>,
        "address" address: Option<Address>,
    }
}

impl Organization {
    /// The first identifier from `system`.
    pub fn identifier(&self, system: &str) -> Option<&Identifier> {
        identifier_by_system(&self.identifier, system)
    }
}
