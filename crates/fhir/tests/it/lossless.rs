//! What the model does not name still survives read -> write, and decimals keep their text.

use meridian_fhir::{
    Decimal, MedicationStatementEffective, MedicationStatementMedication, Observation,
    ObservationValue, Patient, Resource, parse, parse_resource, to_json_vec,
};

use crate::exact;

fn round_trip(json: &str) -> String {
    let resource = parse_resource(json.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(to_json_vec(&resource).expect("write")).expect("utf-8")
}

#[test]
fn decimal_text_is_kept_everywhere() {
    let json = r#"{"resourceType":"Observation","valueQuantity":{"value":1.50,"unit":"mmol/L"},
      "component":[{"valueQuantity":{"value":-0.0}},{"valueRange":{"low":{"value":1e3},"high":{"value":2.000}}}],
      "referenceRange":[{"low":{"value":3.10}}],
      "extension":[{"url":"http://example.org/precision","valueDecimal":7.250}],
      "_status":{"extension":[{"url":"http://example.org/x","valueDecimal":0.10}]},
      "unknownElement":{"nested":[1.0,2.50]}}"#;
    let out = round_trip(json);
    assert_eq!(exact(&out), exact(json));
    for text in [
        "1.50",
        "-0.0",
        "1e3",
        "2.000",
        "3.10",
        "7.250",
        "0.10",
        "[1.0,2.50]",
    ] {
        assert!(out.contains(text), "{text} lost in {out}");
    }
    let obs: Observation = parse(json.as_bytes()).expect("observation");
    let Some(ObservationValue::Quantity(q)) = &obs.value else {
        panic!("valueQuantity")
    };
    let value = q.value.as_ref().expect("value");
    assert_eq!(value.as_str(), "1.50");
    assert!((value.to_f64() - 1.5).abs() < f64::EPSILON);
}

#[test]
fn primitive_extensions_unknown_and_modifier_elements_survive() {
    let json = r#"{"resourceType":"Patient","id":"x",
      "birthDate":"1970-03-30","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1970-03-30T14:35:45-05:00"}]},
      "name":[{"family":"Doe","_family":{"extension":[{"url":"http://example.org/own-prefix","valueString":"VV"}]},
               "modifierExtension":[{"url":"http://example.org/m","valueBoolean":true}],
               "notInR4":"kept"}],
      "modifierExtension":[{"url":"http://example.org/mod","valueCode":"x"}],
      "futureElement":[{"a":null,"b":[true,false]}]}"#;
    let out = round_trip(json);
    assert_eq!(exact(&out), exact(json));
    let p: Patient = parse(json.as_bytes()).expect("patient");
    assert!(p.extra.contains_key("_birthDate"));
    assert_eq!(p.name[0].extra["notInR4"].get(), r#""kept""#);
    assert_eq!(p.modifier_extension.len(), 1);
}

#[test]
fn contained_resources_are_typed_and_unknown_ones_kept() {
    let json = r##"{"resourceType":"Observation","id":"o",
      "contained":[{"resourceType":"Patient","id":"p","gender":"male"},
                   {"resourceType":"Specimen","id":"s","collection":{"quantity":{"value":2.50}}}],
      "subject":{"reference":"#p"}}"##;
    let obs: Observation = parse(json.as_bytes()).expect("observation");
    assert!(
        matches!(&obs.contained[0], Resource::Patient(p) if p.gender.as_ref().map(|g| g.as_str()) == Some("male"))
    );
    assert!(
        matches!(&obs.contained[1], Resource::Other(o) if o.resource_type() == "Specimen" && o.id() == Some("s"))
    );
    assert_eq!(exact(&round_trip(json)), exact(json));
}

#[test]
fn resource_type_need_not_come_first() {
    let json = r#"{"resourceType":"Bundle","type":"collection","entry":[
      {"resource":{"id":"p","gender":"other","resourceType":"Patient"}},
      {"resource":{"id":"m","dose":{"value":0.50},"resourceType":"MedicationRequest"}}]}"#;
    let Resource::Bundle(bundle) = parse_resource(json.as_bytes()).expect("bundle") else {
        panic!("bundle")
    };
    let types: Vec<&str> = bundle.resources().map(Resource::resource_type).collect();
    assert_eq!(types, ["Patient", "MedicationRequest"]);
    assert!(matches!(
        bundle.resources().next(),
        Some(Resource::Patient(_))
    ));
    assert_eq!(exact(&round_trip(json)), exact(json));
    let top = r#"{"id":"q","resourceType":"Patient","active":true}"#;
    assert!(
        matches!(parse_resource(top.as_bytes()), Ok(Resource::Patient(p)) if p.active == Some(true))
    );
}

#[test]
fn pretty_input_is_written_compact_with_strings_untouched() {
    let json = "{\n  \"resourceType\": \"Patient\",\n  \"x\": { \"a b\" : [ 1 , \"  spaced \\\" text \" ] }\n}";
    assert_eq!(
        round_trip(json),
        r#"{"resourceType":"Patient","x":{"a b":[1,"  spaced \" text "]}}"#
    );
}

#[test]
fn choice_forms_keep_their_key() {
    for (key, value) in [
        ("valueString", r#""moderate""#),
        ("valueBoolean", "false"),
        ("valueInteger", "3"),
        ("valueTime", r#""12:30:00""#),
        ("valueDateTime", r#""2020-01""#),
        (
            "valueSampledData",
            r#"{"origin":{"value":0.0},"period":10.00,"dimensions":1,"data":"1 2"}"#,
        ),
        (
            "valueRatio",
            r#"{"numerator":{"value":1},"denominator":{"value":128.0}}"#,
        ),
    ] {
        let json = format!(r#"{{"resourceType":"Observation","{key}":{value}}}"#);
        let obs: Observation = parse(json.as_bytes()).expect("observation");
        assert_eq!(obs.value.as_ref().map(ObservationValue::key), Some(key));
        assert_eq!(exact(&round_trip(&json)), exact(&json), "{key}");
    }
}

#[test]
fn decimal_construction_checks_json_number_syntax() {
    assert_eq!(
        "1.50"
            .parse::<Decimal>()
            .map(|d| d.to_string())
            .ok()
            .as_deref(),
        Some("1.50")
    );
    for bad in ["", "1.", ".5", "01", "1e", "+1", "NaN", "1.5 "] {
        assert!(bad.parse::<Decimal>().is_err(), "{bad:?}");
    }
    assert_eq!(
        Decimal::from_f64(72.5).map(|d| d.to_string()).as_deref(),
        Some("72.5")
    );
    assert_eq!(
        Decimal::from_f64(3.0).map(|d| d.to_string()).as_deref(),
        Some("3")
    );
    assert!(Decimal::from_f64(f64::NAN).is_none());
    assert_eq!(Decimal::from(-4).as_str(), "-4");
}

#[test]
fn medication_statement_choices_round_trip() {
    let json = r#"{"resourceType":"MedicationStatement","id":"ms1","status":"active",
      "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"197361"}]},
      "subject":{"reference":"Patient/p1"},"effectivePeriod":{"start":"2024-01-01"},
      "dosage":[{"doseAndRate":[{"doseQuantity":{"value":2.50,"unit":"mg"}}]}]}"#;
    let Resource::MedicationStatement(ms) = parse_resource(json.as_bytes()).expect("read") else {
        panic!("not typed")
    };
    assert_eq!(ms.subject_patient_id(), Some("p1"));
    assert!(matches!(
        ms.medication,
        Some(MedicationStatementMedication::CodeableConcept(_))
    ));
    assert!(matches!(
        ms.effective,
        Some(MedicationStatementEffective::Period(_))
    ));
    assert_eq!(exact(&round_trip(json)), exact(json));
}
