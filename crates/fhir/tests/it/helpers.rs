//! Accessors the store and app rely on.

use meridian_fhir::{
    Code, Extension, FhirDate, FhirError, FhirErrorKind, HumanName, Observation, OperationOutcome,
    Patient, Reference, parse, parse_resource, to_json_vec,
};

#[test]
fn observation_subject_codes_and_effective_time() {
    let json = br#"{"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://snomed.info/sct","code":"27113001"},
                        {"system":"http://loinc.org","code":"29463-7"},
                        {"system":"http://loinc.org","code":"3141-9"}]},
      "subject":{"reference":"Patient/example"},
      "effectivePeriod":{"start":"2013-04-02T09:30:10+01:00"}}"#;
    let obs: Observation = parse(json).expect("observation");
    assert_eq!(obs.subject_patient_id(), Some("example"));
    assert_eq!(obs.loinc_code(), Some("29463-7"));
    assert_eq!(obs.code_for("http://snomed.info/sct"), Some("27113001"));
    assert_eq!(obs.effective_epoch_millis(), Some(1_364_891_410_000));
}

#[test]
fn effective_forms_are_all_sortable() {
    let at = |effective: &str| {
        let json = format!(r#"{{"resourceType":"Observation",{effective}}}"#);
        parse::<Observation>(json.as_bytes())
            .expect("observation")
            .effective_epoch_millis()
    };
    assert_eq!(
        at(r#""effectiveDateTime":"1970-01-01T00:00:01Z""#),
        Some(1_000)
    );
    assert_eq!(
        at(r#""effectiveInstant":"1970-01-01T00:00:01.250Z""#),
        Some(1_250)
    );
    assert_eq!(at(r#""effectiveDateTime":"1970-01-02""#), Some(86_400_000));
    assert_eq!(
        at(r#""effectivePeriod":{"end":"1970-01-01T01:00:00+01:00"}"#),
        Some(0)
    );
    assert_eq!(at(r#""effectiveTiming":{"event":["1970-01-01"]}"#), None);
}

#[test]
fn subject_that_is_not_a_patient_reference() {
    let subject = |r: &str| Reference {
        reference: Some(r.into()),
        ..Reference::default()
    };
    let obs = |r: &str| Observation {
        subject: Some(subject(r)),
        ..Observation::default()
    };
    assert_eq!(obs("Group/g1").subject_patient_id(), None);
    assert_eq!(
        obs("urn:uuid:3e9f1c5a-1b2c-4d6e-9f00-aa11bb22cc33").subject_patient_id(),
        None
    );
    assert_eq!(obs("#contained").subject_patient_id(), None);
    assert_eq!(
        obs("http://example.org/fhir/Patient/p9/_history/2").subject_patient_id(),
        Some("p9")
    );
    assert_eq!(subject("Patient/p1").type_and_id(), Some(("Patient", "p1")));
    assert_eq!(
        Reference::to("Practitioner", "x").reference.as_deref(),
        Some("Practitioner/x")
    );
}

#[test]
fn patient_names_and_identifiers() {
    let json = br#"{"resourceType":"Patient","id":"p",
      "identifier":[{"system":"urn:oid:1.2.36.146.595.217.0.1","value":"12345"},
                    {"system":"http://example.org/mrn","value":"MRN-7"}],
      "name":[{"use":"usual","given":["Jim"]},
              {"use":"official","family":"Chalmers","given":["Peter","James"]}],
      "deceasedBoolean":false}"#;
    let p: Patient = parse(json).expect("patient");
    assert_eq!(p.family_name(), Some("Chalmers"));
    assert_eq!(p.given_names(), ["Peter", "James"]);
    assert_eq!(
        p.identifier("http://example.org/mrn")
            .and_then(|i| i.value.as_deref()),
        Some("MRN-7")
    );
    assert!(p.identifier("http://nowhere").is_none());
    assert!(!p.is_deceased());
}

#[test]
fn hand_built_resources_write_only_what_is_set() {
    let patient = Patient {
        id: "p1".parse().ok(),
        gender: Code::parse("female").ok(),
        birth_date: FhirDate::parse("1980-07").ok(),
        name: vec![HumanName {
            family: Some("Doe".into()),
            ..HumanName::default()
        }],
        ..Patient::default()
    };
    let out = String::from_utf8(to_json_vec(&patient).expect("write")).expect("utf-8");
    assert_eq!(
        out,
        r#"{"resourceType":"Patient","id":"p1","name":[{"family":"Doe"}],"gender":"female","birthDate":"1980-07"}"#
    );
    let back = parse_resource(out.as_bytes()).expect("read back");
    assert_eq!(back, patient.into());
}

#[test]
fn extension_value_and_date_accessors() {
    let json = br#"{"resourceType":"Patient","birthDate":"1974-12-25",
      "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
                    "valueAddress":{"city":"Amsterdam"}}]}"#;
    let p: Patient = parse(json).expect("patient");
    let ext: &Extension = &p.extension[0];
    let (key, value) = ext.value().expect("value[x]");
    assert_eq!(
        (key, value.get()),
        ("valueAddress", r#"{"city":"Amsterdam"}"#)
    );
    let birth = p.birth_date.as_ref().expect("birthDate");
    assert_eq!(birth.ymd(), (1974, Some(12), Some(25)));
    assert_eq!(birth.sort_key(), 19_741_225);
    assert_eq!(birth.as_str(), "1974-12-25");
}

#[test]
fn operation_outcome_from_error_is_data_free() {
    let err: FhirError =
        parse::<Patient>(br#"{"resourceType":"Patient","birthDate":"1999-02-29"}"#)
            .expect_err("input must be refused");
    let oo = OperationOutcome::from_error(&err);
    let out = String::from_utf8(to_json_vec(&oo).expect("write")).expect("utf-8");
    assert!(out.contains(r#""code":"invalid""#), "{out}");
    assert!(
        out.contains(r#""expression":["Patient.birthDate"]"#),
        "{out}"
    );
    assert!(!out.contains("1999-02-29"), "{out}");
    assert!(matches!(
        err.kind(),
        FhirErrorKind::InvalidPrimitive { primitive: "date" }
    ));
}

#[test]
fn set_id_and_stamp_typed_and_unmodelled_resources() {
    let mut typed =
        parse_resource(br#"{"resourceType":"Patient","meta":{"tag":[{"code":"demo"}]}}"#)
            .expect("patient");
    typed.set_id("p-1").expect("id");
    typed.stamp("2", "2024-05-01T10:00:00Z").expect("stamp");
    let out = String::from_utf8(to_json_vec(&typed).expect("write")).expect("utf-8");
    assert_eq!(
        out,
        r#"{"resourceType":"Patient","id":"p-1","meta":{"versionId":"2","lastUpdated":"2024-05-01T10:00:00Z","tag":[{"code":"demo"}]}}"#
    );
    assert_eq!(typed.id(), Some("p-1"));

    let mut other =
        parse_resource(br#"{"resourceType":"Specimen","meta":{"source":"lab"},"x":{"v":1.50}}"#)
            .expect("specimen");
    other.set_id("s1").expect("id");
    other
        .stamp("1", "2024-05-01T10:00:00+02:00")
        .expect("stamp");
    assert_eq!(other.id(), Some("s1"));
    let out = String::from_utf8(to_json_vec(&other).expect("write")).expect("utf-8");
    assert_eq!(
        out,
        r#"{"resourceType":"Specimen","meta":{"versionId":"1","lastUpdated":"2024-05-01T10:00:00+02:00","source":"lab"},"x":{"v":1.50},"id":"s1"}"#
    );

    let err = typed
        .set_id("not an id")
        .expect_err("input must be refused");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidPrimitive { primitive: "id" }
    );
    let err = typed
        .stamp("3", "2024-05-01")
        .expect_err("input must be refused");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidPrimitive {
            primitive: "instant"
        }
    );
}
