use std::collections::HashSet;

use meridian_demo::{DemoPatient, hospital};
use serde_json::Value;

use crate::{NOW_LOCAL, NOW_UTC, census, config, of_type};

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn collect_references<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "reference" {
                    if let Some(s) = x.as_str() {
                        out.push(s);
                    }
                } else {
                    collect_references(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_references(x, out)),
        _ => {}
    }
}

#[test]
fn every_resource_has_type_and_valid_unique_id() {
    let h = hospital(&config(11, 1));
    let mut ids: HashSet<String> = HashSet::new();
    let mut add = |r: &Value| {
        let t = r["resourceType"].as_str().expect("resourceType");
        let id = r["id"].as_str().expect("id");
        assert!(valid_id(id), "bad id {id}");
        assert!(ids.insert(format!("{t}/{id}")), "duplicate {t}/{id}");
    };
    add(&h.organization);
    h.practitioners.iter().for_each(|p| add(&p.resource));
    let ps = census(11, 150);
    for p in &ps {
        add(&p.patient);
        p.resources.iter().for_each(&mut add);
    }
    // Ids are unique across types too (they carry a type prefix).
    let bare: HashSet<&str> = ps
        .iter()
        .flat_map(|p| p.resources.iter())
        .map(|r| r["id"].as_str().unwrap_or(""))
        .collect();
    let total: usize = ps.iter().map(|p| p.resources.len()).sum();
    assert_eq!(bare.len(), total);
}

#[test]
fn ids_follow_the_documented_patterns() {
    let p = crate::census(4, 124).pop().expect("a patient");
    assert_eq!(p.patient["id"], "pat-000123");
    for r in &p.resources {
        let id = r["id"].as_str().unwrap_or("");
        let prefix = match r["resourceType"].as_str().unwrap_or("") {
            "Observation" => "obs-000123-",
            "Encounter" => "enc-000123-",
            "Condition" => "cond-000123-",
            "AllergyIntolerance" => "alg-000123-",
            "MedicationStatement" => "med-000123-",
            "DocumentReference" => "doc-000123-",
            other => panic!("unexpected type {other}"),
        };
        assert!(id.starts_with(prefix), "{id}");
    }
    assert!(p.resources.iter().any(|r| {
        r["id"]
            .as_str()
            .is_some_and(|s| s.len() == 16 && s.starts_with("obs-"))
    }));
}

#[test]
fn every_reference_resolves() {
    let h = hospital(&config(12, 1));
    let mut known: HashSet<String> = HashSet::new();
    known.insert("Organization/org-meridian".into());
    for p in &h.practitioners {
        known.insert(format!(
            "Practitioner/{}",
            p.resource["id"].as_str().unwrap_or("")
        ));
    }
    for p in census(12, 60) {
        let mut local = known.clone();
        local.insert(format!(
            "Patient/{}",
            p.patient["id"].as_str().unwrap_or("")
        ));
        for r in &p.resources {
            local.insert(format!(
                "{}/{}",
                r["resourceType"].as_str().unwrap_or(""),
                r["id"].as_str().unwrap_or("")
            ));
        }
        let mut refs = Vec::new();
        collect_references(&p.patient, &mut refs);
        p.resources
            .iter()
            .for_each(|r| collect_references(r, &mut refs));
        for reference in refs {
            assert!(local.contains(reference), "dangling {reference}");
        }
    }
}

fn timestamp(r: &Value) -> &str {
    let v = match r["resourceType"].as_str().unwrap_or("") {
        "Encounter" => &r["period"]["start"],
        "Condition" | "AllergyIntolerance" => &r["recordedDate"],
        "MedicationStatement" => &r["dateAsserted"],
        "Observation" => &r["effectiveDateTime"],
        "DocumentReference" => &r["date"],
        _ => &Value::Null,
    };
    v.as_str().unwrap_or("")
}

fn check_chronology(p: &DemoPatient) {
    let mut prev = "";
    for r in &p.resources {
        let t = timestamp(r);
        // Every clinical time is written in IST, so text order is time order.
        assert!(t.len() == 25 && t.ends_with("+05:30"), "bad time {t}");
        assert!(t >= prev, "{} at {t} precedes {prev}", r["id"]);
        assert!(t <= NOW_LOCAL, "{} at {t} is after now", r["id"]);
        prev = t;
    }
}

#[test]
fn resources_are_chronological_and_never_after_now() {
    for p in census(13, 120) {
        check_chronology(&p);
        for o in of_type(&p, "Observation") {
            let issued = o["issued"].as_str().unwrap_or("");
            assert!(
                issued.ends_with('Z') && issued <= NOW_UTC,
                "issued {issued}"
            );
        }
        for e in of_type(&p, "Encounter") {
            let start = e["period"]["start"].as_str().unwrap_or("");
            let end = e["period"]["end"].as_str().unwrap_or("");
            assert!(start < end && end <= NOW_LOCAL, "{start}..{end}");
        }
    }
}

#[test]
fn clinical_resources_point_at_their_patient_and_encounter() {
    for p in census(14, 30) {
        let subject = format!("Patient/{}", p.patient["id"].as_str().unwrap_or(""));
        let mut encounters: HashSet<String> = HashSet::new();
        for r in &p.resources {
            let t = r["resourceType"].as_str().unwrap_or("");
            let who = if t == "AllergyIntolerance" {
                &r["patient"]
            } else {
                &r["subject"]
            };
            assert_eq!(who["reference"], subject.as_str());
            match t {
                "Encounter" => {
                    encounters.insert(format!("Encounter/{}", r["id"].as_str().unwrap_or("")));
                    assert_eq!(r["status"], "finished");
                    assert_eq!(
                        r["serviceProvider"]["reference"],
                        "Organization/org-meridian"
                    );
                    let who = r["participant"][0]["individual"]["reference"].as_str();
                    assert!(who.is_some_and(|w| w.starts_with("Practitioner/prac-")));
                    let class = r["class"]["code"].as_str().unwrap_or("");
                    assert!(["AMB", "EMER", "IMP"].contains(&class));
                }
                "Observation" | "Condition" => {
                    let e = r["encounter"]["reference"].as_str().unwrap_or("");
                    assert!(encounters.contains(e), "{} before its encounter", r["id"]);
                }
                _ => {}
            }
        }
    }
}

#[test]
fn conditions_carry_icd10_and_snomed_with_statuses() {
    let mut acute = 0;
    for p in census(15, 200) {
        for c in of_type(&p, "Condition") {
            let coding = c["code"]["coding"].as_array().expect("coding");
            assert_eq!(coding[0]["system"], "http://hl7.org/fhir/sid/icd-10-cm");
            assert_eq!(coding[1]["system"], "http://snomed.info/sct");
            assert!(coding.iter().all(|x| x["display"].as_str().is_some()));
            let status = c["clinicalStatus"]["coding"][0]["code"]
                .as_str()
                .unwrap_or("");
            assert!(status == "active" || status == "resolved");
            assert_eq!(c["verificationStatus"]["coding"][0]["code"], "confirmed");
            assert!(c["onsetDateTime"].as_str().is_some());
            assert!(c["onsetDateTime"].as_str() <= c["recordedDate"].as_str());
            if status == "resolved" {
                acute += 1;
                assert!(c["abatementDateTime"].as_str().is_some());
            }
        }
    }
    assert!(acute > 0, "no acute episodes in 200 patients");
}

#[test]
fn medications_are_linked_to_conditions() {
    let mut total = 0;
    for p in census(16, 200) {
        let conditions: HashSet<String> = of_type(&p, "Condition")
            .map(|c| format!("Condition/{}", c["id"].as_str().unwrap_or("")))
            .collect();
        for m in of_type(&p, "MedicationStatement") {
            total += 1;
            let reason = m["reasonReference"][0]["reference"].as_str().unwrap_or("");
            assert!(conditions.contains(reason));
            assert_eq!(
                m["medicationCodeableConcept"]["coding"][0]["system"],
                "http://www.nlm.nih.gov/research/umls/rxnorm"
            );
            assert!(
                m["dosage"][0]["text"]
                    .as_str()
                    .is_some_and(|t| !t.is_empty())
            );
        }
    }
    assert!(total > 50, "only {total} medication statements");
}
