use meridian_demo::{hospital, patient, patients};

use crate::{census, config};

#[test]
fn same_seed_gives_identical_json() {
    let a: Vec<String> = census(42, 40)
        .iter()
        .map(|p| {
            serde_json::to_string(&(&p.patient, &p.resources, &p.care_team)).expect("serialises")
        })
        .collect();
    let b: Vec<String> = census(42, 40)
        .iter()
        .map(|p| {
            serde_json::to_string(&(&p.patient, &p.resources, &p.care_team)).expect("serialises")
        })
        .collect();
    assert_eq!(a, b);
}

#[test]
fn different_seed_gives_different_patients() {
    let a = census(1, 20);
    let b = census(2, 20);
    let differing = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x.patient != y.patient)
        .count();
    assert!(differing >= 18, "only {differing} of 20 patients differ");
    // Ids are positional, so they match; content must not.
    assert_eq!(a[3].patient["id"], b[3].patient["id"]);
    assert_ne!(a[3].resources, b[3].resources);
}

#[test]
fn random_access_equals_streaming() {
    let c = config(9, 30);
    let streamed: Vec<_> = patients(&c).collect();
    for i in [0, 7, 29] {
        let single = patient(&c, i);
        assert_eq!(single.patient, streamed[i].patient);
        assert_eq!(single.resources, streamed[i].resources);
        assert_eq!(single.care_team, streamed[i].care_team);
    }
}

#[test]
fn patient_does_not_depend_on_census_size() {
    // Growing the census must not change existing patients (no global state).
    let small = patient(&config(5, 10), 4);
    let large = patient(&config(5, 100_000), 4);
    assert_eq!(small.resources, large.resources);
}

#[test]
fn hospital_is_stable() {
    let a = hospital(&config(1, 1));
    let b = hospital(&config(2, 1));
    assert_eq!(a.organization, b.organization);
    assert_eq!(a.practitioners.len(), b.practitioners.len());
}
