//! Pairwise comparison: the cases a registration desk meets.

use meridian_mpi::{
    BirthDateAgreement, Demographics, Evidence, FieldAgreement, Ident, IdentifierAgreement,
    MatchBand, NameAgreement, Sex, compare, systems,
};

use crate::{date, priya};

fn without_ids(d: Demographics) -> Demographics {
    Demographics {
        identifiers: Vec::new(),
        ..d
    }
}

#[test]
fn identical_records_are_certain() {
    let c = compare(&priya(), &priya());
    assert_eq!(c.band, MatchBand::Certain);
    assert!(c.score > 0.999);
    assert!(
        c.evidence
            .contains(&Evidence::Identifier(IdentifierAgreement::SameNationalId))
    );
}

#[test]
fn formatting_honorifics_and_case_do_not_matter() {
    let a = without_ids(priya());
    let b = Demographics {
        family: "  SHARMA ".into(),
        given: vec!["Smt. PRIYA".into()],
        phone: Some("098450-12345".into()),
        postal_code: Some("560 034".into()),
        address_line: Some("No. 12, M.G. Rd, Indiranagar".into()),
        ..a.clone()
    };
    let c = compare(&a, &b);
    assert!(c.evidence.contains(&Evidence::Family(NameAgreement::Exact)));
    assert!(c.evidence.contains(&Evidence::Given(NameAgreement::Exact)));
    assert!(c.evidence.contains(&Evidence::Phone(FieldAgreement::Agree)));
    assert!(
        c.evidence
            .contains(&Evidence::PostalCode(FieldAgreement::Agree))
    );
    assert_eq!(c.band, MatchBand::Certain);
}

#[test]
fn diacritics_fold() {
    let a = Demographics {
        family: "Muñoz Pérez".into(),
        given: vec!["José".into()],
        birth_date: date(1970, 5, 20),
        sex: Some(Sex::Male),
        ..Demographics::default()
    };
    let b = Demographics {
        family: "MUNOZ PEREZ".into(),
        given: vec!["Jose".into()],
        ..a.clone()
    };
    let c = compare(&a, &b);
    assert!(c.evidence.contains(&Evidence::Family(NameAgreement::Exact)));
    assert!(c.evidence.contains(&Evidence::Given(NameAgreement::Exact)));
}

#[test]
fn nickname_matches() {
    let a = Demographics {
        family: "Roberts".into(),
        given: vec!["William".into()],
        birth_date: date(1961, 11, 2),
        sex: Some(Sex::Male),
        postal_code: Some("560001".into()),
        ..Demographics::default()
    };
    for nick in ["Bill", "Billy", "Will"] {
        let b = Demographics {
            given: vec![nick.into()],
            ..a.clone()
        };
        let c = compare(&a, &b);
        assert!(
            c.evidence
                .contains(&Evidence::Given(NameAgreement::Nickname)),
            "{nick}"
        );
        assert!(c.band >= MatchBand::Probable, "{nick}: {:?}", c.band);
    }
    // Peggy is Margaret; Bob is not William.
    let bob = Demographics {
        given: vec!["Bob".into()],
        ..a.clone()
    };
    assert!(
        compare(&a, &bob)
            .evidence
            .contains(&Evidence::Given(NameAgreement::Disagree))
    );
}

#[test]
fn indian_spelling_variants_are_exact_or_variant() {
    let a = Demographics {
        family: "Khan".into(),
        given: vec!["Mohammed".into(), "Salim".into()],
        birth_date: date(1975, 8, 15),
        sex: Some(Sex::Male),
        ..Demographics::default()
    };
    let b = Demographics {
        given: vec!["Md.".into(), "Salim".into()],
        ..a.clone()
    };
    assert!(
        compare(&a, &b)
            .evidence
            .contains(&Evidence::Given(NameAgreement::Exact))
    );

    let c = Demographics {
        family: "Reddy".into(),
        given: vec!["Lakshmi".into()],
        ..a.clone()
    };
    let d = Demographics {
        given: vec!["Laxmi".into()],
        ..c.clone()
    };
    assert!(
        compare(&c, &d)
            .evidence
            .contains(&Evidence::Given(NameAgreement::Exact))
    );

    let e = Demographics {
        given: vec!["Geetha".into()],
        ..c.clone()
    };
    let f = Demographics {
        given: vec!["Gita".into()],
        ..c.clone()
    };
    assert!(
        compare(&e, &f)
            .evidence
            .contains(&Evidence::Given(NameAgreement::Variant))
    );
}

#[test]
fn day_month_swap_is_recognised() {
    let a = without_ids(priya());
    let b = Demographics {
        birth_date: date(1988, 9, 3),
        ..a.clone()
    };
    let c = compare(&a, &b);
    assert!(
        c.evidence
            .contains(&Evidence::BirthDate(BirthDateAgreement::DayMonthSwapped))
    );
    assert!(c.band >= MatchBand::Probable, "{:?}", c.band);
    // A swap is weaker evidence than an exact date, but far stronger than a different one.
    let other = Demographics {
        birth_date: date(1971, 6, 22),
        ..a.clone()
    };
    let exact = compare(&a, &a).weight;
    let different = compare(&a, &other).weight;
    assert!(c.weight < exact && c.weight > different + 10.0);
}

#[test]
fn transposed_digits_and_one_digit_typos() {
    let a = without_ids(priya());
    // 1988 written 1898: the two middle year digits exchanged.
    let year = Demographics {
        birth_date: date(1898, 3, 9),
        ..a.clone()
    };
    let c = compare(&a, &year);
    assert!(
        c.evidence
            .contains(&Evidence::BirthDate(BirthDateAgreement::TransposedDigits))
    );
    assert!(c.band >= MatchBand::Probable, "{:?}", c.band);

    let twelve = Demographics {
        birth_date: date(1988, 3, 12),
        ..a.clone()
    };
    let twenty_one = Demographics {
        birth_date: date(1988, 3, 21),
        ..a.clone()
    };
    let t = compare(&twelve, &twenty_one);
    assert!(
        t.evidence
            .contains(&Evidence::BirthDate(BirthDateAgreement::TransposedDigits))
    );
    assert!(t.band >= MatchBand::Probable, "{:?}", t.band);

    let day = Demographics {
        birth_date: date(1988, 3, 19),
        ..a.clone()
    };
    let d = compare(&a, &day);
    assert!(
        d.evidence
            .contains(&Evidence::BirthDate(BirthDateAgreement::OneDigitTypo))
    );

    let off_by_one = Demographics {
        birth_date: date(1989, 3, 9),
        ..a.clone()
    };
    let o = compare(&a, &off_by_one);
    assert!(
        o.evidence
            .contains(&Evidence::BirthDate(BirthDateAgreement::YearOffByOne))
    );
    let off_by_ten = Demographics {
        birth_date: date(1978, 3, 9),
        ..a.clone()
    };
    let o = compare(&a, &off_by_ten);
    assert!(
        o.evidence
            .contains(&Evidence::BirthDate(BirthDateAgreement::YearOffByTen))
    );
}

#[test]
fn missing_birth_date_still_matches_on_names_and_contact() {
    let a = without_ids(priya());
    let b = Demographics {
        birth_date: None,
        ..a.clone()
    };
    let c = compare(&a, &b);
    assert!(
        !c.evidence
            .iter()
            .any(|e| matches!(e, Evidence::BirthDate(_)))
    );
    assert!(c.band >= MatchBand::Possible, "{:?}", c.band);
    // Not Certain: the birth date is part of the core of identity.
    assert_ne!(c.band, MatchBand::Certain);
}

#[test]
fn age_derived_birth_date_is_weaker() {
    let a = Demographics {
        family: "Yadav".into(),
        given: vec!["Ram".into()],
        birth_date: date(1960, 1, 1),
        sex: Some(Sex::Male),
        ..Demographics::default()
    };
    let real = Demographics {
        birth_date: date(1960, 7, 14),
        ..a.clone()
    };
    let both_real = compare(&real, &real).weight;
    let both_placeholder = compare(&a, &a).weight;
    assert!(both_placeholder < both_real - 5.0);
    let estimated = compare(
        &a,
        &Demographics {
            birth_date: date(1961, 4, 2),
            ..a.clone()
        },
    );
    assert!(
        estimated
            .evidence
            .contains(&Evidence::BirthDate(BirthDateAgreement::EstimatedYear))
    );
}

#[test]
fn twins_are_not_certain() {
    let a = without_ids(priya());
    let twin = Demographics {
        given: vec!["Riya".into()],
        ..a.clone()
    };
    let c = compare(&a, &twin);
    assert_ne!(c.band, MatchBand::Certain);
    assert_eq!(c.band, MatchBand::Unlikely);
    assert!(c.evidence.contains(&Evidence::PossibleTwin));
    // Same rule with twins of different sex and rhyming names.
    let ram = Demographics {
        family: "Verma".into(),
        given: vec!["Ram".into()],
        sex: Some(Sex::Male),
        ..a.clone()
    };
    let shyam = Demographics {
        given: vec!["Shyam".into()],
        ..ram.clone()
    };
    assert_eq!(compare(&ram, &shyam).band, MatchBand::Unlikely);
    // Twins sharing a middle name are shown at most as Possible.
    let sophie = Demographics {
        given: vec!["Sophie".into(), "Victoria".into()],
        ..a.clone()
    };
    let laura = Demographics {
        given: vec!["Laura".into(), "Victoria".into()],
        ..a.clone()
    };
    assert!(compare(&sophie, &laura).band <= MatchBand::Possible);
}

#[test]
fn conflicting_abha_pushes_towards_non_match() {
    let a = priya();
    let b = Demographics {
        identifiers: vec![Ident::new(systems::ABHA, "91-7777-8888-9999")],
        ..a.clone()
    };
    let c = compare(&a, &b);
    assert!(
        c.evidence
            .contains(&Evidence::Identifier(IdentifierAgreement::Conflicting))
    );
    assert!(c.band <= MatchBand::Possible, "{:?}", c.band);
    let without = compare(&without_ids(a.clone()), &without_ids(b.clone()));
    assert!(c.weight < without.weight - 5.0);
}

#[test]
fn same_abha_pushes_towards_match() {
    // Names written differently and no birth date: weak on their own.
    let a = Demographics {
        family: "Sharma".into(),
        given: vec!["Priya".into()],
        sex: Some(Sex::Female),
        identifiers: vec![Ident::new(systems::ABHA, "91-5012-3456-7890")],
        ..Demographics::default()
    };
    let b = Demographics {
        family: "Sarma".into(),
        identifiers: vec![Ident::new(
            "https://healthid.abdm.gov.in/",
            "91501234567890",
        )],
        ..a.clone()
    };
    let with = compare(&a, &b);
    assert!(
        with.evidence
            .contains(&Evidence::Identifier(IdentifierAgreement::SameNationalId))
    );
    let without = compare(&without_ids(a), &without_ids(b));
    assert!(with.weight > without.weight + 15.0);
    assert!(with.band >= MatchBand::Probable);
    assert!(without.band < MatchBand::Probable);
}

#[test]
fn different_facility_numbers_weigh_little() {
    let lab = "urn:oid:2.16.356.10.1";
    let a = Demographics {
        identifiers: vec![Ident::new(lab, "LAB001")],
        ..without_ids(priya())
    };
    let b = Demographics {
        identifiers: vec![Ident::new(lab, "LAB002")],
        ..a.clone()
    };
    let c = compare(&a, &b);
    assert!(
        c.evidence
            .contains(&Evidence::Identifier(IdentifierAgreement::ConflictingMrn))
    );
    assert_eq!(c.band, MatchBand::Certain);
    let same = compare(&a, &a);
    assert!(
        same.evidence
            .contains(&Evidence::Identifier(IdentifierAgreement::SameMrn))
    );
}

#[test]
fn sex_disagreement_weighs_against_but_does_not_veto() {
    let a = without_ids(priya());
    let b = Demographics {
        sex: Some(Sex::Male),
        ..a.clone()
    };
    let c = compare(&a, &b);
    assert!(
        c.evidence
            .contains(&Evidence::Sex(FieldAgreement::Disagree))
    );
    assert!(c.weight < compare(&a, &a).weight);
    assert!(c.band >= MatchBand::Probable, "{:?}", c.band);
    // Unknown is missing, not a disagreement.
    let unknown = Demographics {
        sex: Some(Sex::Unknown),
        ..a.clone()
    };
    assert!(
        !compare(&a, &unknown)
            .evidence
            .iter()
            .any(|e| matches!(e, Evidence::Sex(_)))
    );
}

#[test]
fn exchanged_family_and_given_names() {
    let a = Demographics {
        family: "Kumar".into(),
        given: vec!["Rajesh".into()],
        birth_date: date(1982, 4, 30),
        sex: Some(Sex::Male),
        ..Demographics::default()
    };
    let b = Demographics {
        family: "Rajesh".into(),
        given: vec!["Kumar".into()],
        ..a.clone()
    };
    let c = compare(&a, &b);
    assert!(c.evidence.contains(&Evidence::NamesSwapped));
    assert!(c.band >= MatchBand::Probable, "{:?}", c.band);
}

#[test]
fn married_surname_change_is_possible() {
    let a = without_ids(priya());
    let b = Demographics {
        family: "Iyer".into(),
        ..a.clone()
    };
    let c = compare(&a, &b);
    assert!(
        c.evidence
            .contains(&Evidence::Family(NameAgreement::Disagree))
    );
    assert!(c.band >= MatchBand::Possible);
    assert_ne!(c.band, MatchBand::Certain);
}

#[test]
fn household_members_are_not_matched() {
    // Father and son: same surname, address and phone; different given name and birth date.
    let father = Demographics {
        family: "Patil".into(),
        given: vec!["Suresh".into()],
        birth_date: date(1958, 2, 11),
        sex: Some(Sex::Male),
        identifiers: Vec::new(),
        postal_code: Some("411004".into()),
        address_line: Some("7 Tilak Road, Sadashiv Peth".into()),
        phone: Some("9822012345".into()),
    };
    let son = Demographics {
        given: vec!["Amit".into()],
        birth_date: date(1986, 10, 3),
        ..father.clone()
    };
    assert_eq!(compare(&father, &son).band, MatchBand::Unlikely);
}

#[test]
fn newborn_placeholder_name_is_treated_as_missing() {
    let baby = Demographics {
        family: "Sharma".into(),
        given: vec!["B/O Sunita".into()],
        birth_date: date(2025, 2, 14),
        sex: Some(Sex::Male),
        phone: Some("9845012345".into()),
        postal_code: Some("560034".into()),
        ..Demographics::default()
    };
    let named = Demographics {
        given: vec!["Aarav".into()],
        ..baby.clone()
    };
    let c = compare(&baby, &named);
    assert!(!c.evidence.iter().any(|e| matches!(e, Evidence::Given(_))));
    assert!(!c.evidence.contains(&Evidence::PossibleTwin));
    assert!(c.band >= MatchBand::Possible, "{:?}", c.band);
}

#[test]
fn typing_slips_in_short_names_are_typos_but_other_names_are_not() {
    let a = without_ids(priya());
    for slip in ["Priua", "Pirya", "Pria", "Priyq"] {
        let b = Demographics {
            given: vec![slip.into()],
            ..a.clone()
        };
        let c = compare(&a, &b);
        assert!(
            c.evidence.contains(&Evidence::Given(NameAgreement::Typo))
                || c.evidence
                    .contains(&Evidence::Given(NameAgreement::Variant)),
            "{slip}: {:?}",
            c.evidence
        );
        assert!(c.band >= MatchBand::Probable, "{slip}");
    }
    // Different first letters are different names, not slips.
    let sita = Demographics {
        given: vec!["Sita".into()],
        ..a.clone()
    };
    let gita = Demographics {
        given: vec!["Gita".into()],
        ..a.clone()
    };
    let c = compare(&sita, &gita);
    assert!(
        c.evidence
            .contains(&Evidence::Given(NameAgreement::Disagree))
    );
    assert_eq!(c.band, MatchBand::Unlikely);
}

#[test]
fn scores_are_probabilities_and_bands_follow_scores() {
    let a = without_ids(priya());
    let variants = [
        a.clone(),
        Demographics {
            birth_date: None,
            ..a.clone()
        },
        Demographics {
            family: "Verma".into(),
            ..a.clone()
        },
        Demographics {
            given: vec!["Kavya".into()],
            birth_date: date(1990, 1, 5),
            ..a.clone()
        },
        Demographics::default(),
    ];
    for v in &variants {
        let c = compare(&a, v);
        assert!((0.0..=1.0).contains(&c.score), "{}", c.score);
        match c.band {
            MatchBand::Certain => assert!(c.score >= 0.999),
            MatchBand::Probable => assert!(c.score >= 0.9),
            MatchBand::Possible => assert!(c.score >= 0.5),
            MatchBand::Unlikely => assert!(c.score < 0.5),
        }
    }
    // Nothing in common: no evidence, unlikely.
    let empty = compare(&Demographics::default(), &Demographics::default());
    assert!(empty.evidence.is_empty());
    assert_eq!(empty.band, MatchBand::Unlikely);
}

#[test]
fn comparison_is_symmetric() {
    let set = meridian_mpi::eval::synthetic_population(9, 600, 0.2);
    let (pairs, _) = meridian_mpi::eval::candidate_pairs(&set);
    assert!(pairs.len() > 300);
    for (i, j) in pairs {
        let ab = compare(&set.records[i], &set.records[j]);
        let ba = compare(&set.records[j], &set.records[i]);
        assert_eq!(ab.band, ba.band, "pair {i} {j}");
        assert!((ab.weight - ba.weight).abs() < 1e-9, "pair {i} {j}");
        let mut ea = ab.evidence.clone();
        let mut eb = ba.evidence.clone();
        ea.sort_by_key(|e| format!("{e:?}"));
        eb.sort_by_key(|e| format!("{e:?}"));
        assert_eq!(ea, eb, "pair {i} {j}");
    }
}
