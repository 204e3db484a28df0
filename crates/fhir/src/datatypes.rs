//! FHIR R4 datatypes used by the modelled resources. Datatypes outside this set (Timing, Dosage,
//! SampledData, Signature, ...) are carried as [`RawJson`](crate::RawJson).

use crate::json::{Decimal, RawJson};
use crate::primitives::{Code, FhirDateTime, FhirInstant, Id};

fhir_struct! { element
    /// An extension: a `url` and a value under one `value[x]` key (kept as JSON), or nested
    /// extensions.
    pub struct Extension {
        /// Identifies the meaning of the extension.
        "url" url: Option<String>,
    }
}

impl Extension {
    /// The `value[x]` entry: its key (`valueString`, `valueCodeableConcept`, ...) and JSON.
    pub fn value(&self) -> Option<(&str, &RawJson)> {
        self.extra
            .iter()
            .find(|(k, _)| k.starts_with("value"))
            .map(|(k, v)| (k.as_str(), v))
    }
}

fhir_struct! { element
    /// Metadata about a resource.
    pub struct Meta {
        "versionId" version_id: Option<Id>,
        "lastUpdated" last_updated: Option<FhirInstant>,
        "source" source: Option<String>,
        "profile" profile: Vec<String>,
        "security" security: Vec<Coding>,
        "tag" tag: Vec<Coding>,
    }
}

fhir_struct! { element
    /// Human-readable XHTML summary of a resource.
    pub struct Narrative {
        /// `generated | extensions | additional | empty`.
        "status" status: Option<Code>,
        /// Limited XHTML content, as text.
        "div" div: Option<String>,
    }
}

fhir_struct! { element
    /// An identifier for a real-world entity, e.g. a medical record number.
    pub struct Identifier {
        "use" r#use: Option<Code>,
        "type" r#type: Option<CodeableConcept>,
        /// The namespace of the value (a URI).
        "system" system: Option<String>,
        "value" value: Option<String>,
        "period" period: Option<Period>,
        "assigner" assigner: Option<Box<Reference>>,
    }
}

fhir_struct! { element
    /// A person's name.
    pub struct HumanName {
        /// `usual | official | temp | nickname | anonymous | old | maiden`.
        "use" r#use: Option<Code>,
        "text" text: Option<String>,
        "family" family: Option<String>,
        "given" given: Vec<String>,
        "prefix" prefix: Vec<String>,
        "suffix" suffix: Vec<String>,
        "period" period: Option<Period>,
    }
}

fhir_struct! { element
    /// Phone, email, fax and similar contact details.
    pub struct ContactPoint {
        "system" system: Option<Code>,
        "value" value: Option<String>,
        "use" r#use: Option<Code>,
        "rank" rank: Option<u32>,
        "period" period: Option<Period>,
    }
}

fhir_struct! { element
    /// A postal or physical address.
    pub struct Address {
        "use" r#use: Option<Code>,
        "type" r#type: Option<Code>,
        "text" text: Option<String>,
        "line" line: Vec<String>,
        "city" city: Option<String>,
        "district" district: Option<String>,
        "state" state: Option<String>,
        "postalCode" postal_code: Option<String>,
        "country" country: Option<String>,
        "period" period: Option<Period>,
    }
}

fhir_struct! { element
    /// A concept given by codes from terminologies and/or text.
    pub struct CodeableConcept {
        "coding" coding: Vec<Coding>,
        "text" text: Option<String>,
    }
}

impl CodeableConcept {
    /// The first coding from `system`.
    pub fn coding_for(&self, system: &str) -> Option<&Coding> {
        self.coding
            .iter()
            .find(|c| c.system.as_deref() == Some(system))
    }

    /// The first code from `system`, e.g. `code_for("http://loinc.org")`.
    pub fn code_for(&self, system: &str) -> Option<&str> {
        self.coding_for(system)
            .and_then(|c| c.code.as_ref())
            .map(Code::as_str)
    }
}

fhir_struct! { element
    /// A code from a terminology.
    pub struct Coding {
        "system" system: Option<String>,
        "version" version: Option<String>,
        "code" code: Option<Code>,
        "display" display: Option<String>,
        "userSelected" user_selected: Option<bool>,
    }
}

fhir_struct! { element
    /// A measured amount. Also used for SimpleQuantity, Age, Duration, Distance and Count.
    pub struct Quantity {
        /// The value with its written precision (`1.50` stays `1.50`).
        "value" value: Option<Decimal>,
        /// `< | <= | >= | >`.
        "comparator" comparator: Option<Code>,
        "unit" unit: Option<String>,
        "system" system: Option<String>,
        "code" code: Option<Code>,
    }
}

/// A Quantity without a comparator.
pub type SimpleQuantity = Quantity;
/// A Quantity of time since birth.
pub type Age = Quantity;
/// A Quantity of time.
pub type Duration = Quantity;

fhir_struct! { element
    /// A range of quantities.
    pub struct Range {
        "low" low: Option<Quantity>,
        "high" high: Option<Quantity>,
    }
}

fhir_struct! { element
    /// A ratio of two quantities.
    pub struct Ratio {
        "numerator" numerator: Option<Quantity>,
        "denominator" denominator: Option<Quantity>,
    }
}

fhir_struct! { element
    /// A time period; either end may be open.
    pub struct Period {
        "start" start: Option<FhirDateTime>,
        "end" end: Option<FhirDateTime>,
    }
}

fhir_struct! { element
    /// A reference to another resource, by literal `reference`, logical `identifier` or both.
    pub struct Reference {
        /// `Patient/123`, an absolute URL, `urn:uuid:...` or `#contained-id`.
        "reference" reference: Option<String>,
        "type" r#type: Option<String>,
        "identifier" identifier: Option<Box<Identifier>>,
        "display" display: Option<String>,
    }
}

impl Reference {
    /// A reference to `resource_type/id`.
    pub fn to(resource_type: &str, id: &str) -> Self {
        Self {
            reference: Some(format!("{resource_type}/{id}")),
            ..Self::default()
        }
    }

    /// `(type, id)` of a literal reference of the form `Type/id`, `base/Type/id` or either
    /// with `/_history/version`. `None` for `urn:`, `#contained` and identifier-only references.
    pub fn type_and_id(&self) -> Option<(&str, &str)> {
        let r = self.reference.as_deref()?;
        let r = r.split_once("/_history/").map_or(r, |(head, _)| head);
        let (head, id) = r.rsplit_once('/')?;
        let ty = head.rsplit('/').next()?;
        let type_ok = ty.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && ty.chars().all(|c| c.is_ascii_alphabetic());
        (type_ok && Id::parse(id).is_ok()).then_some((ty, id))
    }

    /// The id when this is a literal reference to a resource of type `resource_type`.
    pub fn id_of(&self, resource_type: &str) -> Option<&str> {
        self.type_and_id()
            .filter(|(t, _)| *t == resource_type)
            .map(|(_, id)| id)
    }
}

choice! {
    /// `Annotation.author[x]`.
    pub enum AnnotationAuthor {
        "authorReference" => Reference(Reference),
        "authorString" => String(String),
    }
}

fhir_struct! { element
    /// A text note with author and time.
    pub struct Annotation {
        "time" time: Option<FhirDateTime>,
        /// Markdown text.
        "text" text: Option<String>,
    }
    choice {
        author: AnnotationAuthor,
    }
}

fhir_struct! { element
    /// Content in a format defined elsewhere (inline base64 or by URL).
    pub struct Attachment {
        "contentType" content_type: Option<Code>,
        "language" language: Option<Code>,
        /// Base64-encoded data.
        "data" data: Option<String>,
        "url" url: Option<String>,
        "size" size: Option<u32>,
        /// Base64-encoded SHA-1.
        "hash" hash: Option<String>,
        "title" title: Option<String>,
        "creation" creation: Option<FhirDateTime>,
    }
}

/// Finds the first identifier with `system`.
pub fn identifier_by_system<'a>(
    identifiers: &'a [Identifier],
    system: &str,
) -> Option<&'a Identifier> {
    identifiers
        .iter()
        .find(|i| i.system.as_deref() == Some(system))
}
