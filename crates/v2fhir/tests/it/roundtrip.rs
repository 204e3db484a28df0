//! Patient -> ADT^A08 -> read_inbound -> Patient keeps what PID can carry.

use meridian_fhir::Patient;
use meridian_v2fhir::{Inbound, adt, read_inbound};

use crate::outbound::header;
use crate::{config, fixture, parse};

fn through_a08(p: &Patient) -> Patient {
    let text = adt(&header(), &config(), "A08", p)
        .expect("builds")
        .encode();
    match read_inbound(&parse(&text), &config()) {
        Ok(Inbound::Adt(a)) => {
            assert_eq!(a.event, "A08");
            assert_eq!(a.encounter, None, "PV1-2 N: no visit");
            assert_eq!(a.identifiers, a.patient.identifier);
            a.patient
        }
        other => panic!("expected an ADT, got {other:?}"),
    }
}

#[test]
fn patient_survives_a08_whole() {
    let original: Patient = fixture("patient");
    let back = through_a08(&original);
    // Everything the fixture holds maps both ways; only the server id stays behind, and PID-3
    // leads with the MRN.
    let mut identifier = original.identifier.clone();
    identifier.sort_by_key(|i| i.system.as_deref() != Some(config().mrn_system.as_str()));
    let expected = Patient {
        id: None,
        identifier,
        ..original.clone()
    };
    assert_eq!(back.name, expected.name);
    assert_eq!(back.birth_date, expected.birth_date);
    assert_eq!(back.gender, expected.gender);
    assert_eq!(back.identifier, expected.identifier);
    assert_eq!(back.telecom, expected.telecom);
    assert_eq!(back.address, expected.address);
    assert_eq!(back.deceased, expected.deceased);
    assert_eq!(back, expected);
}

#[test]
fn unicode_patient_keeps_names_dates_and_identifiers() {
    let original: Patient = fixture("patient_unicode");
    let back = through_a08(&original);
    let names = |p: &Patient| -> Vec<(Option<String>, Vec<String>, Option<String>)> {
        p.name
            .iter()
            .map(|n| {
                (
                    n.family.clone(),
                    n.given.clone(),
                    n.r#use.as_ref().map(|u| u.as_str().to_owned()),
                )
            })
            .collect()
    };
    assert_eq!(names(&back), names(&original));
    assert_eq!(
        back.birth_date, original.birth_date,
        "month precision both ways"
    );
    assert_eq!(back.gender, original.gender);
    assert_eq!(back.identifier.len(), 1);
    assert_eq!(back.identifier[0].system, original.identifier[0].system);
    assert_eq!(back.identifier[0].value, original.identifier[0].value);
    assert_eq!(back.deceased, original.deceased);
    assert_eq!(back.address[0].r#type, original.address[0].r#type);
    // Two prefixes travel as one XPN.5: the one known loss.
    assert_eq!(back.name[0].prefix, ["Prof Dr"]);
}

#[test]
fn delimiters_and_line_breaks_survive() {
    let mut p: Patient = fixture("patient");
    p.name[0].family = Some("Smith|Jones^&~\\".to_owned());
    p.address[0].line = vec!["Line one\\".to_owned(), "c/o A & B".to_owned()];
    let back = through_a08(&p);
    assert_eq!(back.name[0].family, p.name[0].family);
    assert_eq!(back.address[0].line, p.address[0].line);
}
