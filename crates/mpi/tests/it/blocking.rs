//! Blocking keys: small, stable, not the name, and shared by true duplicates.

use meridian_mpi::{BirthDate, Demographics, Ident, blocking_keys, systems};

use crate::{date, priya};

fn share(a: &Demographics, b: &Demographics) -> bool {
    let ka = blocking_keys(a);
    blocking_keys(b).iter().any(|k| ka.contains(k))
}

#[test]
fn three_to_six_keys_for_a_full_record() {
    let keys = blocking_keys(&priya());
    assert!((3..=6).contains(&keys.len()), "{}", keys.len());
    let mut two_ids = priya();
    two_ids
        .identifiers
        .push(Ident::new(systems::NHS_NUMBER, "943 476 5919"));
    two_ids.identifiers.push(Ident::new("urn:oid:1.2.3", "X1"));
    assert!(blocking_keys(&two_ids).len() <= 6);
}

#[test]
fn keys_do_not_contain_names_phone_or_identifier() {
    let d = priya();
    for k in blocking_keys(&d) {
        let lower = k.to_lowercase();
        for secret in [
            "sharma",
            "priya",
            "9845012345",
            "98450",
            "5012",
            "indiranagar",
        ] {
            assert!(!lower.contains(secret), "{k} contains {secret}");
        }
        assert!(k.len() <= 24, "{k}");
    }
}

#[test]
fn keys_are_deterministic_and_formatting_free() {
    let a = priya();
    let b = Demographics {
        family: "SHARMA".into(),
        given: vec!["Ms. Priya".into()],
        phone: Some("09845012345".into()),
        postal_code: Some("560 034".into()),
        identifiers: vec![Ident::new(systems::ABHA, "91501234567890")],
        ..a.clone()
    };
    assert_eq!(blocking_keys(&a), blocking_keys(&a));
    assert_eq!(blocking_keys(&a), blocking_keys(&b));
}

#[test]
fn duplicates_with_common_errors_share_a_key() {
    // Without phone and identifier, so that the name and date keys must do the work.
    let a = Demographics {
        phone: None,
        identifiers: Vec::new(),
        ..priya()
    };
    let cases: Vec<(&str, Demographics)> = vec![
        (
            "family typo",
            Demographics {
                family: "Shrama".into(),
                ..a.clone()
            },
        ),
        (
            "given typo",
            Demographics {
                given: vec!["Prya".into()],
                ..a.clone()
            },
        ),
        (
            "day/month swapped",
            Demographics {
                birth_date: date(1988, 9, 3),
                ..a.clone()
            },
        ),
        (
            "year typo",
            Demographics {
                birth_date: date(1998, 3, 9),
                ..a.clone()
            },
        ),
        (
            "missing birth date",
            Demographics {
                birth_date: None,
                ..a.clone()
            },
        ),
        (
            "married name",
            Demographics {
                family: "Iyer".into(),
                ..a.clone()
            },
        ),
        (
            "family typo and day/month swapped",
            Demographics {
                family: "Sarma".into(),
                birth_date: date(1988, 9, 3),
                ..a.clone()
            },
        ),
        (
            "names exchanged, no birth date",
            Demographics {
                family: "Priya".into(),
                given: vec!["Sharma".into()],
                birth_date: None,
                ..a.clone()
            },
        ),
    ];
    for (what, b) in &cases {
        assert!(share(&a, b), "{what}");
    }
    let bill = Demographics {
        family: "Smith".into(),
        given: vec!["William".into()],
        birth_date: date(1950, 6, 1),
        ..Demographics::default()
    };
    let nick = Demographics {
        family: "Smyth".into(),
        given: vec!["Bill".into()],
        ..bill.clone()
    };
    assert!(share(&bill, &nick), "nickname and surname typo");
}

#[test]
fn phone_and_identifier_keys_block_on_their_own() {
    let a = priya();
    let b = Demographics {
        family: "Verma".into(),
        given: vec!["Kavya".into()],
        birth_date: None,
        postal_code: None,
        phone: None,
        ..a.clone()
    };
    assert!(share(&a, &b), "same ABHA");
    let c = Demographics {
        identifiers: Vec::new(),
        phone: a.phone.clone(),
        ..b
    };
    assert!(share(&a, &c), "same phone");
}

#[test]
fn unrelated_people_usually_share_no_key() {
    let a = priya();
    let b = Demographics {
        family: "Fernandes".into(),
        given: vec!["Joseph".into()],
        birth_date: Some(BirthDate {
            year: 1950,
            month: 12,
            day: 25,
        }),
        identifiers: Vec::new(),
        postal_code: Some("403001".into()),
        phone: Some("9822000000".into()),
        ..a.clone()
    };
    assert!(!share(&a, &b));
}

#[test]
fn an_empty_record_has_no_keys() {
    assert!(blocking_keys(&Demographics::default()).is_empty());
}
