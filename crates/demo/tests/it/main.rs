//! Integration tests for meridian-demo: one binary, a module per area.

mod clinical;
mod config;
mod determinism;
mod hospital;
mod identifiers;
mod notes;
mod observations;
mod structure;
mod throughput;

use std::sync::OnceLock;

use meridian_demo::{CivilDateTime, DemoConfig, DemoPatient, patients};
use serde_json::Value;

/// 2026-01-15 09:30 UTC, i.e. 15:00 in Bengaluru.
pub(crate) const NOW: CivilDateTime = CivilDateTime::new(2026, 1, 15, 9, 30);
pub(crate) const NOW_LOCAL: &str = "2026-01-15T15:00:00+05:30";
pub(crate) const NOW_UTC: &str = "2026-01-15T09:30:00Z";

pub(crate) fn config(seed: u64, patients: usize) -> DemoConfig {
    DemoConfig {
        seed,
        patients,
        years_of_history: 3,
        now: NOW,
        observations_per_patient_hint: 100,
    }
}

pub(crate) fn census(seed: u64, n: usize) -> Vec<DemoPatient> {
    patients(&config(seed, n)).collect()
}

pub(crate) fn of_type<'a>(p: &'a DemoPatient, t: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    p.resources.iter().filter(move |r| r["resourceType"] == t)
}

pub(crate) fn loinc(obs: &Value) -> &str {
    obs["code"]["coding"][0]["code"].as_str().unwrap_or("")
}

pub(crate) fn quantity(obs: &Value) -> Option<f64> {
    obs["valueQuantity"]["value"].as_f64()
}

pub(crate) fn has_medication(p: &DemoPatient, rxnorm: &str) -> bool {
    of_type(p, "MedicationStatement")
        .any(|m| m["medicationCodeableConcept"]["coding"][0]["code"] == rxnorm)
}

pub(crate) fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        f64::NAN
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

/// One measured quantity, flattened (blood pressure components appear as 8480-6 and 8462-4).
#[derive(Debug, Clone)]
pub(crate) struct Obs {
    pub(crate) code: String,
    pub(crate) time: String,
    pub(crate) value: f64,
    pub(crate) flag: String,
    pub(crate) ranges: usize,
}

/// What the population-level tests need from one patient, without keeping every resource.
#[derive(Debug)]
pub(crate) struct Summary {
    pub(crate) patient: Value,
    /// (ICD-10-CM code, onset, recorded, clinical status)
    pub(crate) conditions: Vec<(String, String, String, String)>,
    pub(crate) meds: Vec<String>,
    pub(crate) allergies: Vec<Value>,
    pub(crate) first_encounter: String,
    pub(crate) obs: Vec<Obs>,
    pub(crate) observation_resources: usize,
}

impl Summary {
    pub(crate) fn has_condition(&self, icd: &str) -> bool {
        self.conditions.iter().any(|c| c.0 == icd)
    }

    pub(crate) fn has_medication(&self, rxnorm: &str) -> bool {
        self.meds.iter().any(|m| m == rxnorm)
    }

    pub(crate) fn values(&self, code: &str) -> Vec<f64> {
        self.obs
            .iter()
            .filter(|o| o.code == code)
            .map(|o| o.value)
            .collect()
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_owned()
}

pub(crate) fn summarise(p: &DemoPatient) -> Summary {
    let mut s = Summary {
        patient: p.patient.clone(),
        conditions: Vec::new(),
        meds: Vec::new(),
        allergies: Vec::new(),
        first_encounter: String::new(),
        obs: Vec::new(),
        observation_resources: 0,
    };
    for r in &p.resources {
        match r["resourceType"].as_str().unwrap_or("") {
            "Condition" => s.conditions.push((
                text(&r["code"]["coding"][0]["code"]),
                text(&r["onsetDateTime"]),
                text(&r["recordedDate"]),
                text(&r["clinicalStatus"]["coding"][0]["code"]),
            )),
            "MedicationStatement" => {
                s.meds
                    .push(text(&r["medicationCodeableConcept"]["coding"][0]["code"]));
            }
            "AllergyIntolerance" => s.allergies.push(r.clone()),
            "Encounter" if s.first_encounter.is_empty() => {
                s.first_encounter = text(&r["period"]["start"]);
            }
            "Observation" => {
                s.observation_resources += 1;
                let time = text(&r["effectiveDateTime"]);
                let holders: Vec<&Value> = match r["component"].as_array() {
                    Some(c) => c.iter().collect(),
                    None => vec![r],
                };
                for h in holders {
                    s.obs.push(Obs {
                        code: text(&h["code"]["coding"][0]["code"]),
                        time: time.clone(),
                        value: h["valueQuantity"]["value"].as_f64().unwrap_or(f64::NAN),
                        flag: text(&h["interpretation"][0]["coding"][0]["code"]),
                        ranges: h["referenceRange"].as_array().map_or(0, Vec::len),
                    });
                }
            }
            _ => {}
        }
    }
    s
}

/// A 1,500-patient census shared by the population tests, generated once per test run.
pub(crate) fn population() -> &'static [Summary] {
    static POPULATION: OnceLock<Vec<Summary>> = OnceLock::new();
    POPULATION.get_or_init(|| patients(&config(40, 1500)).map(|p| summarise(&p)).collect())
}
