use std::collections::HashSet;

use meridian_demo::{ABHA_SYSTEM, MRN_SYSTEM};

use crate::census;

/// An independent Luhn check, so a bug in the crate's own cannot hide itself.
fn luhn_ok(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[test]
fn mrn_is_positional_and_unique() {
    let ps = census(21, 300);
    let mut seen = HashSet::new();
    for (i, p) in ps.iter().enumerate() {
        let mrn = p.patient["identifier"]
            .as_array()
            .and_then(|ids| ids.iter().find(|x| x["system"] == MRN_SYSTEM))
            .expect("an MRN");
        assert_eq!(mrn["value"], format!("MRN{i:06}"));
        assert_eq!(mrn["type"]["coding"][0]["code"], "MR");
        assert!(seen.insert(mrn["value"].to_string()));
    }
}

#[test]
fn about_half_have_valid_unique_abha_numbers() {
    let ps = crate::population();
    let mut seen = HashSet::new();
    for p in ps {
        let Some(abha) = p.patient["identifier"]
            .as_array()
            .and_then(|ids| ids.iter().find(|x| x["system"] == ABHA_SYSTEM))
        else {
            continue;
        };
        let value = abha["value"].as_str().expect("value");
        let groups: Vec<&str> = value.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            vec![2, 4, 4, 4],
            "{value}"
        );
        let digits: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
        assert_eq!(digits.len(), 14);
        assert!(luhn_ok(&digits), "Luhn fails for {value}");
        assert!(meridian_demo::luhn_valid(value));
        assert!(seen.insert(value.to_owned()), "duplicate ABHA {value}");
    }
    let share = seen.len() as f64 / ps.len() as f64;
    assert!((0.4..=0.6).contains(&share), "ABHA share {share}");
}

#[test]
fn luhn_helpers_agree_with_reference_vectors() {
    assert_eq!(meridian_demo::luhn_check_digit("7992739871"), Some(3));
    assert!(meridian_demo::luhn_valid("79927398713"));
    assert!(!meridian_demo::luhn_valid("79927398714"));
    assert!(luhn_ok(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
}

#[test]
fn patients_are_distinct_people() {
    let ps = crate::population();
    let mut keys = HashSet::new();
    for p in ps {
        let name = &p.patient["name"][0];
        let key = (
            name["family"].to_string(),
            name["given"].to_string(),
            p.patient["birthDate"].to_string(),
        );
        assert!(keys.insert(key), "two patients share name and birth date");
    }
}

#[test]
fn demographics_are_diverse() {
    let ps = crate::population();
    let families: HashSet<String> = ps
        .iter()
        .map(|p| p.patient["name"][0]["family"].to_string())
        .collect();
    assert!(families.len() > 120, "only {} family names", families.len());
    for family in [
        "\"Sharma\"",
        "\"Smith\"",
        "\"García\"",
        "\"Wang\"",
        "\"Okonkwo\"",
    ] {
        assert!(families.contains(family), "no {family}");
    }
    let genders: HashSet<String> = ps.iter().map(|p| p.patient["gender"].to_string()).collect();
    assert!(genders.contains("\"female\"") && genders.contains("\"male\""));
    let years: Vec<i64> = ps
        .iter()
        .filter_map(|p| p.patient["birthDate"].as_str()?.get(0..4)?.parse().ok())
        .collect();
    let ages: Vec<i64> = years.iter().map(|y| 2026 - y).collect();
    let children = ages.iter().filter(|a| **a < 18).count();
    let elderly = ages.iter().filter(|a| **a >= 65).count();
    assert!(
        children > 150 && elderly > 150,
        "children {children}, elderly {elderly}"
    );
    assert!(ages.iter().all(|a| (0..=97).contains(a)));
    let cities: HashSet<String> = ps
        .iter()
        .map(|p| p.patient["address"][0]["city"].to_string())
        .collect();
    assert!(cities.contains("\"Bengaluru\"") && cities.len() > 15);
    assert!(
        ps.iter()
            .all(|p| p.patient["telecom"][0]["value"].as_str().is_some())
    );
}

#[test]
fn allergies_include_explicit_no_known_allergy() {
    let ps = crate::population();
    let mut nka = 0;
    let mut allergic = 0;
    for p in ps {
        let list = &p.allergies;
        if list
            .iter()
            .any(|a| a["code"]["coding"][0]["code"] == "716186003")
        {
            nka += 1;
            assert_eq!(list.len(), 1, "NKA alongside an allergy");
        } else if !list.is_empty() {
            allergic += 1;
            for a in list.iter() {
                assert!(a["reaction"][0]["manifestation"][0]["coding"][0]["code"].is_string());
                assert!(["low", "high"].contains(&a["criticality"].as_str().unwrap_or("")));
            }
        }
    }
    assert!((500..=850).contains(&nka), "NKA {nka}");
    assert!((280..=480).contains(&allergic), "allergic {allergic}");
}
