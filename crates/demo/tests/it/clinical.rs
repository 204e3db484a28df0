//! Values must be correlated with each patient's problems and treatments.

use meridian_demo::{DemoConfig, patients};

use crate::{NOW, mean, of_type, population};

#[test]
fn diabetics_have_higher_hba1c_and_glucose() {
    let (mut dm_a1c, mut other_a1c, mut dm_glu, mut other_glu) = (vec![], vec![], vec![], vec![]);
    for p in population() {
        let (a1c, glu) = (p.values("4548-4"), p.values("2345-7"));
        if p.has_condition("E11.9") {
            dm_a1c.extend(a1c);
            dm_glu.extend(glu);
        } else {
            other_a1c.extend(a1c);
            other_glu.extend(glu);
        }
    }
    assert!(dm_a1c.len() > 50 && other_a1c.len() > 50);
    let (d, o) = (mean(&dm_a1c), mean(&other_a1c));
    assert!(
        d > 6.8 && o < 6.0 && d - o > 1.2,
        "HbA1c diabetic {d:.2} vs others {o:.2}"
    );
    let (dg, og) = (mean(&dm_glu), mean(&other_glu));
    assert!(dg > og + 30.0, "glucose diabetic {dg:.0} vs others {og:.0}");
}

#[test]
fn metformin_brings_hba1c_down_after_a_new_diagnosis() {
    // Diabetes diagnosed inside the window: the first HbA1c after diagnosis exceeds the last.
    let mut falls = 0;
    let mut rises = 0;
    for p in population() {
        let Some(dx) = p
            .conditions
            .iter()
            .find(|c| c.0 == "E11.9" && c.1 > p.first_encounter)
        else {
            continue;
        };
        let after: Vec<f64> = p
            .obs
            .iter()
            .filter(|o| o.code == "4548-4" && o.time >= dx.2)
            .map(|o| o.value)
            .collect();
        if after.len() >= 2 {
            if after[0] > after[after.len() - 1] {
                falls += 1;
            } else {
                rises += 1;
            }
        }
    }
    assert!(
        falls > 0 && falls > rises * 2,
        "falls {falls}, rises {rises}"
    );
}

#[test]
fn ckd_means_low_and_falling_egfr_and_higher_potassium() {
    let (mut ckd_egfr, mut other_egfr, mut ckd_k, mut other_k) = (vec![], vec![], vec![], vec![]);
    let mut slopes = vec![];
    let mut critical_k = 0;
    for p in population() {
        let egfr = p.values("33914-3");
        let k = p.values("2823-3");
        if p.has_condition("N18.30") {
            if egfr.len() >= 3 {
                slopes.push(egfr[egfr.len() - 1] - egfr[0]);
            }
            ckd_egfr.extend(egfr);
            for o in p
                .obs
                .iter()
                .filter(|o| o.code == "2823-3" && o.value >= 6.5)
            {
                assert_eq!(o.flag, "HH");
                critical_k += 1;
            }
            ckd_k.extend(k);
        } else {
            other_egfr.extend(egfr);
            other_k.extend(k);
        }
    }
    let (c, o) = (mean(&ckd_egfr), mean(&other_egfr));
    assert!(c < 60.0 && o > c + 20.0, "eGFR CKD {c:.0} vs others {o:.0}");
    assert!(
        mean(&slopes) < 0.0,
        "eGFR should fall: mean change {:.1}",
        mean(&slopes)
    );
    assert!(mean(&ckd_k) > mean(&other_k) + 0.25);
    assert!(critical_k >= 1, "no critical potassium among CKD patients");
    let share = f64::from(critical_k) / ckd_k.len() as f64;
    assert!(share < 0.08, "critical potassium too common: {share:.3}");
}

#[test]
fn warfarin_keeps_inr_mostly_therapeutic() {
    let (mut on, mut off) = (vec![], vec![]);
    let mut therapeutic_ranges = 0;
    for p in population() {
        let inr = p.values("6301-6");
        if p.has_medication("855332") {
            assert!(p.has_condition("I48.91"), "warfarin without AF");
            therapeutic_ranges += p
                .obs
                .iter()
                .filter(|o| o.code == "6301-6" && o.ranges == 2)
                .count();
            on.extend(inr);
        } else {
            assert!(
                p.obs
                    .iter()
                    .filter(|o| o.code == "6301-6")
                    .all(|o| o.ranges == 1)
            );
            off.extend(inr);
        }
    }
    assert!(on.len() > 30, "only {} INRs on warfarin", on.len());
    assert!(therapeutic_ranges > 0);
    let in_range = on.iter().filter(|v| (2.0..=3.0).contains(*v)).count() as f64 / on.len() as f64;
    assert!(
        (0.55..=0.85).contains(&in_range),
        "therapeutic share {in_range:.2}"
    );
    assert!(on.iter().any(|v| *v > 3.0), "never above range");
    assert!(off.iter().all(|v| *v < 1.5), "INR off warfarin too high");
}

#[test]
fn medications_follow_conditions() {
    let mut checked = 0;
    for p in population() {
        if p.has_medication("861007") {
            assert!(p.has_condition("E11.9"));
            checked += 1;
        }
        if p.has_medication("745679") {
            assert!(p.has_condition("J45.909") || p.has_condition("J44.9"));
            checked += 1;
        }
        if p.has_medication("197361") {
            assert!(p.has_condition("I10"));
            checked += 1;
        }
    }
    assert!(checked > 100);
}

#[test]
fn hypertensives_have_higher_blood_pressure() {
    let (mut htn, mut other) = (vec![], vec![]);
    for p in population() {
        let adult = p.patient["birthDate"].as_str().unwrap_or("") < "1990";
        let sys = p.values("8480-6");
        if p.has_condition("I10") {
            htn.extend(sys);
        } else if adult {
            other.extend(sys);
        }
    }
    assert!(
        mean(&htn) > mean(&other) + 10.0,
        "{} vs {}",
        mean(&htn),
        mean(&other)
    );
}

#[test]
fn observation_budget_tracks_hint() {
    let count = |hint: usize, years: u32, n: usize| {
        let c = DemoConfig {
            seed: 47,
            patients: n,
            years_of_history: years,
            now: NOW,
            observations_per_patient_hint: hint,
        };
        let total: usize = patients(&c)
            .map(|p| of_type(&p, "Observation").count())
            .sum();
        total as f64 / n as f64
    };
    let shared = population()
        .iter()
        .map(|p| p.observation_resources)
        .sum::<usize>() as f64
        / population().len() as f64;
    assert!(
        (85.0..=115.0).contains(&shared),
        "mean {shared:.1} observations for hint 100"
    );
    let rich = count(300, 5, 200);
    assert!(rich > 2.4 * shared, "hint 300 gives {rich:.1}");
    let sparse = count(20, 3, 400);
    assert!(sparse < shared / 2.5, "hint 20 gives {sparse:.1}");
}
