use std::collections::HashMap;

use serde_json::Value;

use crate::{census, loinc, of_type};

const UCUM: &str = "http://unitsofmeasure.org";

/// LOINC code -> (UCUM code, category, plausible minimum, plausible maximum, decimals).
fn allowed() -> Table {
    HashMap::from([
        ("8867-4", ("/min", "vital-signs", 30.0, 220.0, 0)),
        ("8480-6", ("mm[Hg]", "vital-signs", 60.0, 230.0, 0)),
        ("8462-4", ("mm[Hg]", "vital-signs", 30.0, 140.0, 0)),
        ("8310-5", ("Cel", "vital-signs", 34.5, 41.5, 1)),
        ("9279-1", ("/min", "vital-signs", 8.0, 70.0, 0)),
        ("59408-5", ("%", "vital-signs", 75.0, 100.0, 0)),
        ("29463-7", ("kg", "vital-signs", 1.5, 220.0, 1)),
        ("8302-2", ("cm", "vital-signs", 40.0, 215.0, 1)),
        ("39156-5", ("kg/m2", "vital-signs", 10.0, 60.0, 1)),
        ("2345-7", ("mg/dL", "laboratory", 40.0, 600.0, 0)),
        ("2951-2", ("mmol/L", "laboratory", 115.0, 165.0, 0)),
        ("2823-3", ("mmol/L", "laboratory", 2.5, 7.5, 1)),
        ("2160-0", ("mg/dL", "laboratory", 0.1, 8.0, 2)),
        (
            "33914-3",
            ("mL/min/{1.73_m2}", "laboratory", 10.0, 200.0, 0),
        ),
        ("718-7", ("g/dL", "laboratory", 5.0, 21.0, 1)),
        ("6690-2", ("10*3/uL", "laboratory", 1.0, 40.0, 1)),
        ("777-3", ("10*3/uL", "laboratory", 30.0, 800.0, 0)),
        ("4548-4", ("%", "laboratory", 4.0, 15.0, 1)),
        ("1742-6", ("U/L", "laboratory", 5.0, 300.0, 0)),
        ("1920-8", ("U/L", "laboratory", 5.0, 300.0, 0)),
        ("2093-3", ("mg/dL", "laboratory", 80.0, 400.0, 0)),
        ("10839-9", ("ng/mL", "laboratory", 0.0, 50.0, 2)),
        ("6301-6", ("{INR}", "laboratory", 0.7, 10.0, 1)),
    ])
}

/// Critical limits as a typical hospital laboratory defines them (independent of the crate).
fn critical(code: &str) -> (Option<f64>, Option<f64>) {
    match code {
        "2823-3" => (Some(2.8), Some(6.2)),
        "2951-2" => (Some(120.0), Some(160.0)),
        "2345-7" => (Some(50.0), Some(400.0)),
        "718-7" => (Some(7.0), Some(20.0)),
        "6301-6" => (None, Some(5.0)),
        "59408-5" => (Some(88.0), None),
        "8310-5" => (Some(35.0), Some(40.0)),
        _ => (None, None),
    }
}

struct Checked {
    flags: HashMap<String, usize>,
    count: usize,
}

type Table = HashMap<&'static str, (&'static str, &'static str, f64, f64, u32)>;

fn check_quantity(
    table: &Table,
    code: &str,
    holder: &Value,
    category: &str,
    checked: &mut Checked,
) {
    let (ucum, cat, lo, hi, decimals) = *table
        .get(code)
        .unwrap_or_else(|| panic!("unexpected LOINC {code}"));
    assert_eq!(category, cat, "{code} category");
    let q = &holder["valueQuantity"];
    assert_eq!(q["system"], UCUM);
    assert_eq!(q["code"], ucum, "{code} unit");
    assert!(q["unit"].as_str().is_some_and(|u| !u.is_empty()));
    let v = q["value"].as_f64().expect("numeric value");
    assert!((lo..=hi).contains(&v), "{code} value {v} implausible");
    if decimals == 0 {
        assert!(q["value"].is_i64(), "{code} should be an integer: {v}");
    } else {
        let scaled = v * 10f64.powi(decimals as i32);
        assert!(
            (scaled - scaled.round()).abs() < 1e-6,
            "{code} {v} has too many decimals"
        );
    }
    checked.count += 1;

    let Some(range) = holder["referenceRange"].get(0) else {
        assert!(
            holder["interpretation"].is_null(),
            "{code} flag without range"
        );
        return;
    };
    let low = range["low"]["value"].as_f64();
    let high = range["high"]["value"].as_f64();
    assert!(low.is_some() || high.is_some());
    for bound in ["low", "high"] {
        if !range[bound].is_null() {
            assert_eq!(range[bound]["code"], ucum);
        }
    }
    let flag = holder["interpretation"][0]["coding"][0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{code} has a range but no interpretation"));
    assert_eq!(
        holder["interpretation"][0]["coding"][0]["system"],
        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
    );
    let above = high.is_some_and(|h| v > h);
    let below = low.is_some_and(|l| v < l);
    match flag {
        "N" => assert!(
            !above && !below,
            "{code} {v} flagged N outside {low:?}..{high:?}"
        ),
        "H" | "HH" => assert!(above, "{code} {v} flagged {flag} but high is {high:?}"),
        "L" | "LL" => assert!(below, "{code} {v} flagged {flag} but low is {low:?}"),
        other => panic!("unknown flag {other}"),
    }
    let (cl, ch) = critical(code);
    if let Some(ch) = ch {
        assert_eq!(flag == "HH", v > ch, "{code} {v} flagged {flag}");
    }
    if let Some(cl) = cl {
        assert_eq!(flag == "LL", v < cl, "{code} {v} flagged {flag}");
    }
    *checked.flags.entry(flag.to_owned()).or_default() += 1;
}

#[test]
fn observation_codes_units_ranges_and_flags_are_consistent() {
    let table = allowed();
    let mut checked = Checked {
        flags: HashMap::new(),
        count: 0,
    };
    for p in census(31, 400) {
        for o in of_type(&p, "Observation") {
            assert_eq!(o["status"], "final");
            assert_eq!(o["code"]["coding"][0]["system"], "http://loinc.org");
            let category = o["category"][0]["coding"][0]["code"].as_str().unwrap_or("");
            let code = loinc(o);
            if code == "85354-9" {
                assert_eq!(category, "vital-signs");
                assert!(o["valueQuantity"].is_null());
                let comps = o["component"].as_array().expect("components");
                assert_eq!(comps.len(), 2);
                assert_eq!(comps[0]["code"]["coding"][0]["code"], "8480-6");
                assert_eq!(comps[1]["code"]["coding"][0]["code"], "8462-4");
                let sys = comps[0]["valueQuantity"]["value"].as_f64().unwrap_or(0.0);
                let dia = comps[1]["valueQuantity"]["value"].as_f64().unwrap_or(0.0);
                assert!(sys > dia, "BP {sys}/{dia}");
                for c in comps {
                    let cc = c["code"]["coding"][0]["code"].as_str().unwrap_or("");
                    check_quantity(&table, cc, c, category, &mut checked);
                }
            } else {
                check_quantity(&table, code, o, category, &mut checked);
            }
        }
    }
    assert!(checked.count > 30_000, "only {} quantities", checked.count);
    for flag in ["N", "H", "L", "HH"] {
        assert!(
            checked.flags.get(flag).copied().unwrap_or(0) > 0,
            "never flagged {flag}: {:?}",
            checked.flags
        );
    }
}

#[test]
fn all_allowed_codes_appear_in_a_census() {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for p in census(32, 400) {
        for o in of_type(&p, "Observation") {
            *seen.entry(loinc(o).to_owned()).or_default() += 1;
            for c in o["component"].as_array().into_iter().flatten() {
                let code = c["code"]["coding"][0]["code"].as_str().unwrap_or("");
                *seen.entry(code.to_owned()).or_default() += 1;
            }
        }
    }
    for code in allowed().keys() {
        assert!(seen.contains_key(*code), "{code} never generated");
    }
}

#[test]
fn bmi_matches_weight_and_height() {
    for p in census(33, 60) {
        let mut height: Option<f64> = None;
        let mut weight: Option<f64> = None;
        for o in of_type(&p, "Observation") {
            let v = o["valueQuantity"]["value"].as_f64();
            match loinc(o) {
                "8302-2" => height = v,
                "29463-7" => weight = v,
                "39156-5" => {
                    let (h, w, b) = (
                        height.expect("height"),
                        weight.expect("weight"),
                        v.unwrap_or(0.0),
                    );
                    let expected = w / (h / 100.0).powi(2);
                    assert!((expected - b).abs() <= 0.051, "BMI {b} vs {expected}");
                }
                _ => {}
            }
        }
    }
}

#[test]
fn egfr_agrees_with_creatinine_by_mdrd() {
    let mut n = 0;
    for p in census(34, 200) {
        let female = p.patient["gender"] == "female";
        let mut creat: Option<(String, f64)> = None;
        for o in of_type(&p, "Observation") {
            let t = o["effectiveDateTime"].as_str().unwrap_or("").to_owned();
            match loinc(o) {
                "2160-0" => creat = crate::quantity(o).map(|c| (t, c)),
                "33914-3" => {
                    let (ct, c) = creat.clone().expect("creatinine before eGFR");
                    assert_eq!(ct, t, "eGFR from a different draw");
                    let egfr = crate::quantity(o).unwrap_or(0.0);
                    // Sex and age only shift it; check it is monotone-plausible.
                    let max_factor = 175.0 * c.powf(-1.154) * 18f64.powf(-0.203);
                    assert!(egfr <= max_factor + 0.5, "eGFR {egfr} for creatinine {c}");
                    if female {
                        assert!(egfr <= max_factor * 0.742 + 0.5);
                    }
                    n += 1;
                }
                _ => {}
            }
        }
    }
    assert!(n > 300);
}

#[test]
fn warfarin_inr_carries_a_therapeutic_range() {
    let mut found = 0;
    for p in census(35, 300) {
        for o in of_type(&p, "Observation").filter(|o| loinc(o) == "6301-6") {
            if o["referenceRange"].as_array().map_or(0, Vec::len) == 2 {
                found += 1;
                assert!(crate::has_medication(&p, "855332"));
                assert_eq!(
                    o["referenceRange"][0]["type"]["coding"][0]["code"],
                    "normal"
                );
                assert_eq!(
                    o["referenceRange"][1]["type"]["coding"][0]["code"],
                    "therapeutic"
                );
                assert_eq!(o["referenceRange"][1]["low"]["value"], 2.0);
                assert_eq!(o["referenceRange"][1]["high"]["value"], 3.0);
            }
        }
    }
    assert!(found > 0);
}
