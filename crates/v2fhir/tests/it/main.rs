//! Integration tests for meridian-v2fhir: inbound messages from `test_data/inbound` (checked
//! value by value and against `.expected` snapshots), outbound messages read back, hl7apy
//! strict validation of every outbound message type, and Patient -> ADT -> Patient round trips.
//!
//! Snapshots: set `MERIDIAN_BLESS=1` to rewrite `test_data/inbound/*.expected`, then review the
//! diff.

mod inbound;
mod outbound;
mod roundtrip;
mod validate;

use std::path::PathBuf;

use meridian_fhir::FhirResource;
use meridian_hl7v2::{Message, ParseOptions};
use meridian_v2fhir::{Inbound, MappingConfig};

/// The configuration every test uses: our authority `MERIDIAN`, local time +01:00.
pub(crate) fn config() -> MappingConfig {
    MappingConfig::new("MERIDIAN", "MERIDIAN", "GOODHEALTH", 60)
}

pub(crate) fn test_data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(rel)
}

/// A test file's text.
pub(crate) fn read_text(rel: &str) -> String {
    let path = test_data(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// An HL7 test file, written one segment per line for review, with `\r` terminators.
pub(crate) fn hl7(rel: &str) -> String {
    read_text(rel).trim_end().replace('\n', "\r")
}

pub(crate) fn parse(text: &str) -> Message<'_> {
    meridian_hl7v2::parse(text.as_bytes(), &ParseOptions::lenient())
        .expect("test message parses")
        .message
}

/// Reads `test_data/inbound/<name>.hl7` with [`config`].
pub(crate) fn read(name: &str) -> Inbound {
    let text = hl7(&format!("inbound/{name}.hl7"));
    meridian_v2fhir::read_inbound(&parse(&text), &config())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A FHIR resource from `test_data/outbound/<name>.json`.
pub(crate) fn fixture<T: FhirResource>(name: &str) -> T {
    meridian_fhir::parse(read_text(&format!("outbound/{name}.json")).as_bytes())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Compact JSON of a resource or element.
pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    String::from_utf8(meridian_fhir::to_json_vec(value).expect("serialises")).expect("utf-8")
}
