//! Errors name the kind, path and position, and never the offending value.

use meridian_fhir::{
    Bundle, FhirError, FhirErrorKind, Observation, Patient, ReadOptions, parse, parse_resource,
    parse_resource_with,
};

/// Neither the Display nor the Debug text of `err` may contain `secret`.
fn assert_no_leak(err: &FhirError, secret: &str) {
    let (display, debug) = (err.to_string(), format!("{err:?}"));
    assert!(
        !display.contains(secret),
        "display leaks {secret:?}: {display}"
    );
    assert!(!debug.contains(secret), "debug leaks {secret:?}: {debug}");
}

#[test]
fn truncated_json_is_a_syntax_error_with_position() {
    let json = br#"{"resourceType":"Patient","name":[{"family":"Smith"#;
    let err = parse_resource(json).expect_err("input must be refused");
    assert!(matches!(err.kind(), FhirErrorKind::Syntax { .. }), "{err}");
    assert_eq!(err.line(), Some(1));
    assert!(err.column().is_some_and(|c| c > 40), "{err:?}");
    assert!(err.path().starts_with("Patient.name[0]"), "{}", err.path());
    assert_no_leak(&err, "Smith");
}

#[test]
fn trailing_garbage_is_a_syntax_error() {
    let err =
        parse::<Patient>(br#"{"resourceType":"Patient"} x"#).expect_err("input must be refused");
    assert!(matches!(err.kind(), FhirErrorKind::Syntax { .. }), "{err}");
}

#[test]
fn wrong_resource_type_names_both_types() {
    let err = parse::<Patient>(br#"{"resourceType":"Observation","status":"final"}"#)
        .expect_err("input must be refused");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::WrongResourceType {
            expected: "Patient".into(),
            found: "Observation".into()
        }
    );
    assert!(
        err.to_string()
            .contains("expected a Patient resource, found Observation"),
        "{err}"
    );
}

#[test]
fn resource_type_that_is_free_text_is_not_echoed() {
    let err = parse::<Patient>(br#"{"resourceType":"John Smith 1970-01-01"}"#)
        .expect_err("input must be refused");
    assert!(matches!(
        err.kind(),
        FhirErrorKind::WrongResourceType { .. }
    ));
    assert_no_leak(&err, "John");
}

#[test]
fn missing_resource_type() {
    let err = parse::<Patient>(br#"{"id":"a"}"#).expect_err("input must be refused");
    assert_eq!(err.kind(), &FhirErrorKind::MissingResourceType);
    let err = parse_resource(br#"{"id":"a"}"#).expect_err("input must be refused");
    assert_eq!(err.kind(), &FhirErrorKind::MissingResourceType);
}

#[test]
fn impossible_date_is_an_invalid_primitive_at_its_path() {
    let json = br#"{"resourceType":"Patient","birthDate":"2023-02-30"}"#;
    let err = parse::<Patient>(json).expect_err("input must be refused");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidPrimitive { primitive: "date" }
    );
    assert_eq!(err.path(), "Patient.birthDate");
    assert!(err.to_string().contains("real calendar day"), "{err}");
    assert_no_leak(&err, "2023-02-30");
}

#[test]
fn string_where_a_number_belongs_reports_path_not_value() {
    let json = br#"{"resourceType":"Observation","status":"final",
      "component":[{"valueQuantity":{"value":1}},
                   {"valueQuantity":{"value":"John Smith"}}]}"#;
    let err = parse_resource(json).expect_err("input must be refused");
    assert_eq!(err.path(), "Observation.component[1].valueQuantity.value");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidElement {
            reason: "expected a decimal number, found a string".into()
        }
    );
    assert_eq!(err.line(), Some(3));
    assert_no_leak(&err, "John Smith");
}

#[test]
fn number_where_a_string_belongs_does_not_echo_the_number() {
    let err = parse::<Patient>(br#"{"resourceType":"Patient","name":[{"family":48213977}]}"#)
        .expect_err("input must be refused");
    assert_eq!(err.path(), "Patient.name[0].family");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidElement {
            reason: "expected a string, found an integer".into()
        }
    );
    assert_no_leak(&err, "48213977");
}

#[test]
fn out_of_range_integer_does_not_echo_the_value() {
    let err = parse::<Bundle>(br#"{"resourceType":"Bundle","total":-73911}"#)
        .expect_err("input must be refused");
    assert_eq!(err.path(), "Bundle.total");
    assert!(
        matches!(err.kind(), FhirErrorKind::InvalidElement { .. }),
        "{err}"
    );
    assert_no_leak(&err, "73911");
}

#[test]
fn invalid_id_code_and_instant() {
    let err = parse::<Patient>(br#"{"resourceType":"Patient","id":"has a space"}"#)
        .expect_err("input must be refused");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidPrimitive { primitive: "id" }
    );
    let err = parse::<Patient>(br#"{"resourceType":"Patient","gender":" female"}"#)
        .expect_err("input must be refused");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidPrimitive { primitive: "code" }
    );
    assert_eq!(err.path(), "Patient.gender");
    let err = parse::<Observation>(br#"{"resourceType":"Observation","issued":"2013-04-03"}"#)
        .expect_err("input must be refused");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidPrimitive {
            primitive: "instant"
        }
    );
}

#[test]
fn two_forms_of_one_choice_element_are_refused() {
    let json = br#"{"resourceType":"Observation","valueString":"a","valueBoolean":true}"#;
    let err = parse::<Observation>(json).expect_err("input must be refused");
    assert!(
        matches!(err.kind(), FhirErrorKind::InvalidElement { reason } if reason.contains("choice")),
        "{err}"
    );
}

#[test]
fn duplicate_keys_are_refused() {
    let err = parse::<Patient>(br#"{"resourceType":"Patient","gender":"male","gender":"female"}"#)
        .expect_err("input must be refused");
    assert_eq!(err.kind(), &FhirErrorKind::DuplicateElement);
    let err = parse::<Patient>(br#"{"resourceType":"Patient","_x":1,"_x":2}"#)
        .expect_err("input must be refused");
    assert_eq!(err.kind(), &FhirErrorKind::DuplicateElement);
}

#[test]
fn errors_inside_bundle_entries_have_the_full_path() {
    let json = br#"{"resourceType":"Bundle","type":"collection","entry":[
        {"resource":{"resourceType":"Patient","id":"a"}},
        {"resource":{"resourceType":"Patient","birthDate":"1970-13-01"}}]}"#;
    let err = parse_resource(json).expect_err("input must be refused");
    assert_eq!(err.path(), "Bundle.entry[1].resource.birthDate");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidPrimitive { primitive: "date" }
    );
    assert_no_leak(&err, "1970-13-01");
}

#[test]
fn errors_in_a_resource_not_starting_with_resource_type_do_not_leak() {
    let json = br#"{"resourceType":"Bundle","entry":[
        {"resource":{"name":[{"family":99887766}],"resourceType":"Patient"}}]}"#;
    let err = parse_resource(json).expect_err("input must be refused");
    assert!(
        err.path().starts_with("Bundle.entry[0].resource"),
        "{}",
        err.path()
    );
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidElement {
            reason: "expected a string, found an integer".into()
        }
    );
    assert_no_leak(&err, "99887766");
}

#[test]
fn not_an_object() {
    let err = parse_resource(b"[\"Jane Doe\"]").expect_err("input must be refused");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::InvalidElement {
            reason: "expected a FHIR resource object, found an array".into()
        }
    );
    assert_no_leak(&err, "Jane");
}

#[test]
fn input_over_the_size_limit_is_refused_before_parsing() {
    let json = br#"{"resourceType":"Patient","id":"a"}"#;
    let err = parse_resource_with(json, &ReadOptions { max_bytes: 10 })
        .expect_err("input must be refused");
    assert_eq!(
        err.kind(),
        &FhirErrorKind::TooLarge {
            limit: 10,
            actual: json.len()
        }
    );
    assert!(
        err.to_string().contains("over the limit of 10 bytes"),
        "{err}"
    );
    assert!(
        parse_resource_with(
            json,
            &ReadOptions {
                max_bytes: json.len()
            }
        )
        .is_ok()
    );
}

#[test]
fn display_reads_as_location_then_problem() {
    let err = parse::<Patient>(br#"{"resourceType":"Patient","birthDate":"1970-02-31"}"#)
        .expect_err("input must be refused");
    assert_eq!(
        err.to_string(),
        "Patient.birthDate (line 1, column 51): invalid FHIR date: expected YYYY, YYYY-MM or YYYY-MM-DD naming a real calendar day"
    );
}

/// `levels` Observations, each contained in the next, with `resourceType` last so that every
/// level goes through the buffered replay (a fresh parser with a fresh recursion limit).
fn nested_reordered(levels: usize) -> String {
    let mut json = String::from(r#"{"id":"leaf","resourceType":"Observation"}"#);
    for _ in 1..levels {
        json = format!(r#"{{"contained":[{json}],"resourceType":"Observation"}}"#);
    }
    json
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let err = parse_resource(nested_reordered(200).as_bytes()).expect_err("input must be refused");
    assert!(
        matches!(err.kind(), FhirErrorKind::InvalidElement { reason } if reason.contains("nested too deeply")),
        "{err}"
    );
    // Up to the limit it reads, on a test thread's default 2 MiB stack, in a debug build.
    assert!(parse_resource(nested_reordered(64).as_bytes()).is_ok());
    assert!(parse_resource(nested_reordered(65).as_bytes()).is_err());
    // The limit is per read, not leaked across reads.
    assert!(parse_resource(nested_reordered(64).as_bytes()).is_ok());
}

#[test]
fn keys_that_are_not_element_names_are_masked_in_paths() {
    let err = parse_resource(br#"{"resourceType":"Patient","John Smith":[1,"#)
        .expect_err("input must be refused");
    assert!(err.path().starts_with("Patient.?"), "{}", err.path());
    assert_no_leak(&err, "John");
}
