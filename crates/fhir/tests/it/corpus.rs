//! Every example of a modelled type from the FHIR R4 specification reads into the typed model
//! and writes back with the same elements, values and decimal text.

use std::path::PathBuf;

use meridian_fhir::{Observation, Patient, Resource, parse, parse_resource, to_json_vec};

use crate::exact;

const MODELLED: [&str; 18] = [
    "Patient",
    "Practitioner",
    "Organization",
    "Encounter",
    "Condition",
    "AllergyIntolerance",
    "MedicationStatement",
    "Observation",
    "DiagnosticReport",
    "ServiceRequest",
    "MedicationRequest",
    "ChargeItem",
    "DocumentReference",
    "Composition",
    "Provenance",
    "AuditEvent",
    "Bundle",
    "OperationOutcome",
];

/// `$MERIDIAN_SHARED/fhir/r4-examples`, else `shared/` beside the repository.
fn examples_dir() -> PathBuf {
    let shared = std::env::var_os("MERIDIAN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    shared.join("fhir/r4-examples")
}

fn examples() -> Vec<(String, Vec<u8>)> {
    let dir = examples_dir();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("example corpus at {}: {e}", dir.display()));
    let mut files: Vec<_> = entries
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.file_name()
                    .expect("file name")
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(&p).expect("read example"),
            )
        })
        .collect();
    files.sort();
    files
}

fn resource_type(bytes: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(bytes).expect("example is JSON");
    v["resourceType"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn every_modelled_example_round_trips_exactly() {
    let files = examples();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, bytes) in &files {
        let rt = resource_type(bytes);
        if !MODELLED.contains(&rt.as_str()) {
            continue;
        }
        checked += 1;
        let resource = match parse_resource(bytes) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: read: {e}"));
                continue;
            }
        };
        if matches!(resource, Resource::Other(_)) || resource.resource_type() != rt {
            failures.push(format!("{name}: not read as the typed {rt}"));
            continue;
        }
        let out = to_json_vec(&resource).expect("write");
        let (original, written) = (
            std::str::from_utf8(bytes).expect("utf-8"),
            std::str::from_utf8(&out).expect("utf-8"),
        );
        let as_value = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("JSON");
        if as_value(original) != as_value(written) {
            failures.push(format!("{name}: written JSON differs as serde_json::Value"));
        } else if exact(original) != exact(written) {
            failures.push(format!("{name}: written JSON differs in number text"));
        }
    }
    println!(
        "round trip: {} of {checked} modelled examples (of {} files) pass",
        checked - failures.len(),
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The corpus holds 173 examples of modelled types; a much lower count means it was not found.
    assert!(
        checked >= 165,
        "only {checked} modelled examples found in {}",
        examples_dir().display()
    );
}

#[test]
fn typed_parse_reads_every_patient_and_observation_example() {
    let mut patients = 0;
    let mut observations = 0;
    for (name, bytes) in examples() {
        match resource_type(&bytes).as_str() {
            "Patient" => {
                let p: Patient = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(p.id.is_some(), "{name}: id");
                patients += 1;
            }
            "Observation" => {
                let o: Observation = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(o.code.is_some(), "{name}: code");
                observations += 1;
            }
            _ => {}
        }
    }
    assert_eq!((patients, observations), (11, 42));
}

#[test]
fn bundles_keep_unmodelled_resources_whole() {
    let (_, bytes) = examples()
        .into_iter()
        .find(|(n, _)| n == "bundle-example.json")
        .expect("example");
    let Resource::Bundle(bundle) = parse_resource(&bytes).expect("bundle") else {
        panic!("not a bundle")
    };
    let types: Vec<&str> = bundle.resources().map(Resource::resource_type).collect();
    assert_eq!(types, ["MedicationRequest", "Medication"]);
    let other = bundle.resources().find_map(|r| match r {
        Resource::Other(o) => Some(o),
        _ => None,
    });
    let other = other.expect("an unmodelled resource in the bundle");
    assert_eq!(other.resource_type(), "Medication");
    assert!(other.json().get().starts_with(r#"{"resourceType":""#));
    assert!(other.id().is_some());
}
