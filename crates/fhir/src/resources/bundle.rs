//! Bundle, OperationOutcome.

use super::Resource;
use crate::datatypes::{CodeableConcept, Identifier};
use crate::error::{FhirError, FhirErrorKind};
use crate::json::RawJson;
use crate::primitives::{Code, FhirInstant};

fhir_struct! { resource "Bundle"
    /// A container of resources: a search result, a transaction, a document, a message.
    pub struct Bundle {
        "identifier" identifier: Option<Identifier>,
        /// `document | message | transaction | transaction-response | batch | batch-response |
        /// history | searchset | collection`.
        "type" r#type: Option<Code>,
        "timestamp" timestamp: Option<FhirInstant>,
        "total" total: Option<u32>,
        "link" link: Vec<BundleLink>,
        "entry" entry: Vec<BundleEntry>,
        /// Signature, not modelled: kept as JSON.
        "signature" signature: Option<RawJson>,
    }
}

fhir_struct! { backbone
    /// A link relating to this bundle (`self`, `next`, ...).
    pub struct BundleLink {
        "relation" relation: Option<String>,
        "url" url: Option<String>,
    }
}

fhir_struct! { backbone
    /// One entry: a resource and/or the request or response about it.
    pub struct BundleEntry {
        "link" link: Vec<BundleLink>,
        "fullUrl" full_url: Option<String>,
        "resource" resource: Option<Resource>,
        "search" search: Option<BundleEntrySearch>,
        "request" request: Option<BundleEntryRequest>,
        "response" response: Option<BundleEntryResponse>,
    }
}

fhir_struct! { backbone
    /// Why the entry is in a search result.
    pub struct BundleEntrySearch {
        /// `match | include | outcome`.
        "mode" mode: Option<Code>,
        "score" score: Option<crate::json::Decimal>,
    }
}

fhir_struct! { backbone
    /// The request for a transaction or batch entry.
    pub struct BundleEntryRequest {
        /// `GET | HEAD | POST | PUT | DELETE | PATCH`.
        "method" method: Option<Code>,
        "url" url: Option<String>,
        "ifNoneMatch" if_none_match: Option<String>,
        "ifModifiedSince" if_modified_since: Option<FhirInstant>,
        "ifMatch" if_match: Option<String>,
        "ifNoneExist" if_none_exist: Option<String>,
    }
}

fhir_struct! { backbone
    /// The outcome of a transaction or batch entry.
    pub struct BundleEntryResponse {
        "status" status: Option<String>,
        "location" location: Option<String>,
        "etag" etag: Option<String>,
        "lastModified" last_modified: Option<FhirInstant>,
        "outcome" outcome: Option<Resource>,
    }
}

impl Bundle {
    /// The entries' resources, in order.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.entry.iter().filter_map(|e| e.resource.as_ref())
    }
}

fhir_struct! { domain "OperationOutcome"
    /// Errors, warnings and information about an operation.
    pub struct OperationOutcome {
        "issue" issue: Vec<OperationOutcomeIssue>,
    }
}

fhir_struct! { backbone
    /// One issue.
    pub struct OperationOutcomeIssue {
        /// `fatal | error | warning | information`.
        "severity" severity: Option<Code>,
        /// An IssueType code, e.g. `invalid`, `structure`, `too-long`.
        "code" code: Option<Code>,
        "details" details: Option<CodeableConcept>,
        "diagnostics" diagnostics: Option<String>,
        "location" location: Vec<String>,
        "expression" expression: Vec<String>,
    }
}

impl OperationOutcome {
    /// An outcome reporting a read error: severity `error`, an IssueType code for the kind, the
    /// error's (data-free) message as diagnostics and its path as expression.
    pub fn from_error(err: &FhirError) -> Self {
        let code = match err.kind() {
            FhirErrorKind::TooLarge { .. } => "too-long",
            FhirErrorKind::Syntax { .. } => "structure",
            FhirErrorKind::DuplicateElement => "structure",
            _ => "invalid",
        };
        let issue = OperationOutcomeIssue {
            severity: Code::parse("error").ok(),
            code: Code::parse(code).ok(),
            diagnostics: Some(err.to_string()),
            expression: if err.path().is_empty() {
                Vec::new()
            } else {
                vec![err.path().to_owned()]
            },
            ..OperationOutcomeIssue::default()
        };
        Self {
            issue: vec![issue],
            ..Self::default()
        }
    }
}
