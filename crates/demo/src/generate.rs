//! One patient at a time: plan the visits, place diagnoses and treatments on them, then walk
//! the visits in order and write every resource as it happens.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::codes::{self, ALLERGENS, Allergen, Analyte, Cond, Med};
use crate::model::{Chronic, Episode, MedPlan, Person, round_to};
use crate::note::{NoteInput, NoteKind, Vitals, soap_note};
use crate::people::{
    self, NURSE, PHARMACIST, PHYSICIAN_CARDIO, PHYSICIAN_ED, PHYSICIAN_IM, PHYSICIAN_PEDS, RADIOLOGIST,
};
use crate::resources::{
    self, AllergySpec, ConditionSpec, Measured, MedSpec, NoteSpec, ObsContext, org_reference,
    staff_reference,
};
use crate::rng::Rng;
use crate::time::{
    MINUTES_PER_DAY, MINUTES_PER_YEAR, format_date, format_local, local_day, utc_of_local,
};
use crate::{ABHA_SYSTEM, DemoPatient, MRN_SYSTEM};

/// Normalised configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) seed: u64,
    pub(crate) now: i64,
    pub(crate) years: u32,
    pub(crate) hint: usize,
}

/// The population mean of the visit-budget weight below, so that the mean number of
/// observations per patient tracks `observations_per_patient_hint`. Measured on 20,000
/// patients; see the `observation_budget_tracks_hint` test.
const MEAN_COMPLEXITY: f64 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ambulatory,
    Emergency,
    Inpatient,
}

#[derive(Debug)]
struct Visit {
    kind: Kind,
    start: i64,
    end: i64,
    episode: Episode,
    attending: usize,
}

const DAY: i64 = MINUTES_PER_DAY;

fn is_major(c: Cond) -> bool {
    !matches!(c, Cond::Obesity | Cond::Gerd)
}

fn plan_visits(p: &Person, s: &Settings, rng: &mut Rng) -> Vec<(Kind, i64, i64)> {
    let ws = p.window_start;
    let we = s.now - 6 * 60;
    let child = p.age_at(s.now) < 18;
    let has = |c: Cond| p.chronic.iter().any(|x| x.cond == c);
    let major = p.chronic.iter().filter(|c| is_major(c.cond)).count() as f64;
    let budget = s.hint as f64 * (0.5 + 0.3 * major) / MEAN_COMPLEXITY;
    let flag = |b: bool, v: f64| if b { v } else { 0.0 };
    let years = ((we - ws) as f64 / MINUTES_PER_YEAR as f64).max(0.05);
    let warfarin = has(Cond::AtrialFibrillation);
    // Observations per clinic visit depend on how often the patient comes: annual labs are
    // spread over the year's visits, HbA1c is quarterly, CKD and warfarin labs come every time.
    let amb_est = |visits_per_year: f64| {
        let vpy = visits_per_year.max(0.3);
        if child {
            7.6
        } else {
            7.15 + (12.0 / vpy).min(12.0)
                + flag(has(Cond::Diabetes), 1.0 + (4.0 / vpy).min(1.0))
                + flag(has(Cond::Ckd3), 4.0)
                + flag(warfarin, 0.75)
        }
    };
    let first_guess = budget / amb_est(1.0);
    let amb_est = amb_est(first_guess / years);
    let (p_inp, p_emer) = if child {
        (0.02, 0.12)
    } else {
        (
            (0.02 + 0.015 * major).min(0.1),
            (0.06 + 0.025 * major).min(0.2),
        )
    };
    let window_days = ((we - ws) / DAY).max(1);
    let max_visits = usize::try_from(window_days / 4).unwrap_or(1).max(1);

    let mut kinds: Vec<(Kind, i64)> = Vec::new();
    let mut spent = 0.0;
    while spent < budget && kinds.len() < max_visits {
        let x = rng.f64();
        let (kind, days, est) = if x < p_inp {
            let d = rng.int(2, 5);
            (Kind::Inpatient, d, d as f64 * 20.0 + 12.0)
        } else if x < p_inp + p_emer {
            (Kind::Emergency, 0, 19.0)
        } else {
            (Kind::Ambulatory, 0, amb_est)
        };
        spent += est;
        kinds.push((kind, days));
    }
    if kinds.is_empty() {
        kinds.push((Kind::Ambulatory, 0));
    }

    let n = kinds.len() as i64;
    let slot = ((we - ws) / n).max(60);
    let mut out = Vec::with_capacity(kinds.len());
    let mut prev_end = ws - 60;
    for (i, (mut kind, mut days)) in kinds.into_iter().enumerate() {
        let slot_start = ws + i as i64 * slot;
        let slot_end = slot_start + slot;
        let lower = (prev_end + 30).max(slot_start);
        if kind == Kind::Inpatient && (days + 1) * DAY > slot_end - lower {
            let fit = (slot_end - lower) / DAY - 1;
            if fit >= 1 {
                days = days.min(fit);
            } else {
                kind = Kind::Emergency;
            }
        }
        let mut start = lower + rng.int(0, ((slot_end - lower) / 2).max(0));
        if kind == Kind::Ambulatory {
            // Clinics run 09:00–16:30 local time.
            let snapped = utc_of_local(local_day(start), 9 * 60 + rng.int(0, 450));
            if snapped >= lower {
                start = snapped;
            }
        }
        let mut end = match kind {
            Kind::Ambulatory => start + rng.int(20, 45),
            Kind::Emergency => start + rng.int(150, 360),
            Kind::Inpatient => utc_of_local(local_day(start) + days, 11 * 60 + rng.int(0, 180)),
        };
        if end > we {
            if !out.is_empty() {
                break;
            }
            // The first visit must exist: make it a short clinic visit that fits.
            kind = Kind::Ambulatory;
            start = (we - 60).max(ws).min(start);
            end = start + 30;
        }
        prev_end = end;
        out.push((kind, start, end));
    }
    out
}

/// Puts each problem diagnosed inside the window on a visit, and drops those no visit can
/// diagnose (for example a condition whose minimum age the patient reaches only after the last
/// visit).
fn place_diagnoses(p: &mut Person, visits: &[(Kind, i64, i64)], rng: &mut Rng) {
    let mut keep = Vec::with_capacity(p.chronic.len());
    for mut c in std::mem::take(&mut p.chronic) {
        if c.pre_existing {
            c.visit = 0;
            keep.push(c);
            continue;
        }
        let earliest = c.onset;
        let candidates: Vec<usize> = visits
            .iter()
            .enumerate()
            .filter(|(i, v)| *i >= 1 && v.1 >= earliest + 7 * DAY)
            .map(|(i, _)| i)
            .collect();
        let Some(&k) = candidates.get(rng.below(candidates.len())) else {
            continue;
        };
        c.visit = k;
        c.onset = (visits[k].1 - rng.int(7, 120) * DAY).max(earliest);
        keep.push(c);
    }
    keep.sort_by_key(|c| (c.visit, c.onset, c.cond));
    p.chronic = keep;
}

fn plan_meds(p: &mut Person, visits: &[(Kind, i64, i64)], rng: &mut Rng, index: usize) {
    let mut meds: Vec<MedPlan> = Vec::new();
    for (ci, c) in p.chronic.iter().enumerate() {
        let mut wanted: Vec<Med> = Vec::with_capacity(2);
        match c.cond {
            Cond::Diabetes if rng.chance(0.95) => wanted.push(Med::Metformin),
            Cond::Hypertension => {
                let ace = rng.chance(0.75);
                if ace {
                    wanted.push(Med::Lisinopril);
                }
                if !ace || rng.chance(0.35) {
                    wanted.push(Med::Amlodipine);
                }
            }
            Cond::HeartFailure => wanted.push(Med::Lisinopril),
            Cond::Hyperlipidemia | Cond::CoronaryDisease if rng.chance(0.9) => {
                wanted.push(Med::Atorvastatin);
            }
            Cond::AtrialFibrillation if rng.chance(0.75) => wanted.push(Med::Warfarin),
            Cond::Asthma | Cond::Copd => wanted.push(Med::Salbutamol),
            _ => {}
        }
        for med in wanted {
            if meds.iter().any(|m| m.med == med) {
                continue;
            }
            let start = if c.pre_existing {
                (c.onset + rng.int(7, 60) * DAY).min(p.window_start - DAY)
            } else {
                visits[c.visit].1
            };
            meds.push(MedPlan {
                med,
                reason: ci,
                start,
                visit: c.visit,
                id: String::new(),
            });
        }
    }
    meds.sort_by_key(|m| (m.visit, m.start));
    for (n, m) in meds.iter_mut().enumerate() {
        m.id = format!("med-{index:06}-{:02}", n + 1);
    }
    p.meds = meds;
}

fn known(p: &Person, c: Cond, visit: usize) -> bool {
    p.chronic.iter().any(|x| x.cond == c && x.visit <= visit)
}

fn choose_episode(p: &Person, kind: Kind, k: usize, t: i64, rng: &mut Rng) -> Episode {
    let age = p.age_at(t);
    let child = age < 18;
    let w = |b: bool, v: u32| if b { v } else { 0 };
    match kind {
        Kind::Ambulatory => Episode::Routine,
        Kind::Emergency => {
            let options = [
                Episode::Acute(Cond::ChestPain),
                Episode::Acute(Cond::Uti),
                Episode::Acute(Cond::Gastroenteritis),
                Episode::Acute(Cond::Uri),
                Episode::Flare(Cond::Asthma),
                Episode::Flare(Cond::Copd),
            ];
            let weights = [
                w(!child, if age >= 30 { 3 } else { 1 }) + w(known(p, Cond::CoronaryDisease, k), 4),
                if p.female { 4 } else { 2 },
                if child { 4 } else { 3 },
                if child { 5 } else { 3 },
                w(known(p, Cond::Asthma, k), 4),
                w(known(p, Cond::Copd, k), 4),
            ];
            options[rng.weighted(&weights)]
        }
        Kind::Inpatient => {
            let options = [
                Episode::Acute(Cond::Pneumonia),
                Episode::Acute(Cond::Nstemi),
                Episode::Flare(Cond::HeartFailure),
                Episode::Flare(Cond::Copd),
                Episode::Acute(Cond::Uti),
                Episode::Acute(Cond::Gastroenteritis),
            ];
            let cad = known(p, Cond::CoronaryDisease, k);
            let risk = p.has(Cond::Diabetes, t) || p.has(Cond::Hypertension, t);
            let weights = [
                3 + w(known(p, Cond::Copd, k), 3) + w(age > 65, 2),
                if cad { 5 } else { w(age > 45 && risk, 1) },
                w(known(p, Cond::HeartFailure, k), 5),
                w(known(p, Cond::Copd, k), 3),
                if age > 65 { 2 } else { 1 },
                if child { 3 } else { 1 },
            ];
            options[rng.weighted(&weights)]
        }
    }
}

fn is_cardiac(e: Episode) -> bool {
    matches!(
        e,
        Episode::Acute(Cond::Nstemi | Cond::ChestPain) | Episode::Flare(Cond::HeartFailure)
    )
}

struct Round {
    t: i64,
    labs: bool,
    weight: bool,
    severity: f64,
    day: i64,
}

/// Running state while walking one patient's visits.
struct Walk<'a> {
    p: &'a Person,
    s: &'a Settings,
    index: usize,
    subject: Value,
    nurse: Value,
    lab: Value,
    out: Vec<Value>,
    obs_n: usize,
    last_routine: Option<i64>,
    last_a1c: Option<i64>,
    last_height: Option<(i64, f64)>,
    vitals: Vitals,
    results: Vec<(Analyte, f64, &'static str)>,
}

const BMP: [Analyte; 5] = [
    Analyte::Glucose,
    Analyte::Sodium,
    Analyte::Potassium,
    Analyte::Creatinine,
    Analyte::Egfr,
];
const CBC: [Analyte; 3] = [Analyte::Hemoglobin, Analyte::Wbc, Analyte::Platelets];

fn obs_id(index: usize, n: &mut usize) -> String {
    *n += 1;
    format!("obs-{index:06}-{n:05}")
}

fn add(list: &mut Vec<Analyte>, items: &[Analyte]) {
    for a in items {
        if !list.contains(a) {
            list.push(*a);
        }
    }
}

impl Walk<'_> {
    fn panels(
        &mut self,
        visit: &Visit,
        k: usize,
        round: usize,
        r: &Round,
        rng: &mut Rng,
    ) -> Vec<Analyte> {
        let p = self.p;
        let t = r.t;
        let age = p.age_at(t);
        let mut list: Vec<Analyte> = Vec::with_capacity(12);
        let warfarin = p.takes(Med::Warfarin, t);
        match visit.kind {
            Kind::Ambulatory if age >= 18 => {
                if self.last_routine.is_none_or(|t0| t - t0 > 330 * DAY) {
                    add(&mut list, &BMP);
                    add(&mut list, &CBC);
                    add(&mut list, &[Analyte::Alt, Analyte::Ast]);
                    if age >= 20 {
                        add(&mut list, &[Analyte::Cholesterol]);
                    }
                    if age >= 30 || known(p, Cond::Diabetes, k) {
                        add(&mut list, &[Analyte::Hba1c]);
                    }
                    self.last_routine = Some(t);
                }
                if known(p, Cond::Diabetes, k) {
                    if self.last_a1c.is_none_or(|t0| t - t0 > 80 * DAY) {
                        add(&mut list, &[Analyte::Hba1c]);
                    }
                    add(&mut list, &[Analyte::Glucose]);
                }
                if known(p, Cond::Ckd3, k) {
                    add(&mut list, &BMP);
                }
            }
            Kind::Ambulatory => {
                if known(p, Cond::Anemia, k) && rng.chance(0.5) {
                    add(&mut list, &CBC);
                }
            }
            Kind::Emergency => match visit.episode {
                Episode::Acute(Cond::ChestPain) => {
                    add(&mut list, &BMP);
                    add(&mut list, &CBC);
                    add(&mut list, &[Analyte::TroponinI]);
                }
                Episode::Acute(Cond::Uri) => {
                    if rng.chance(0.4) {
                        add(&mut list, &CBC);
                    }
                }
                Episode::Flare(Cond::Asthma) => add(&mut list, &CBC),
                _ => {
                    add(&mut list, &CBC);
                    add(&mut list, &BMP);
                }
            },
            Kind::Inpatient => {
                add(&mut list, &BMP);
                add(&mut list, &CBC);
                let cardiac = is_cardiac(visit.episode);
                if round == 0 {
                    add(&mut list, &[Analyte::Alt, Analyte::Ast]);
                    if cardiac {
                        add(&mut list, &[Analyte::TroponinI]);
                    }
                    if known(p, Cond::Diabetes, k)
                        && self.last_a1c.is_none_or(|t0| t - t0 > 80 * DAY)
                    {
                        add(&mut list, &[Analyte::Hba1c]);
                    }
                } else if r.day == 1 && visit.episode == Episode::Acute(Cond::Nstemi) {
                    add(&mut list, &[Analyte::TroponinI]);
                }
            }
        }
        if warfarin && (visit.kind != Kind::Ambulatory || age >= 18) {
            add(&mut list, &[Analyte::Inr]);
        }
        if age < 18 {
            list.retain(|a| *a != Analyte::Egfr);
        }
        if list.contains(&Analyte::Hba1c) {
            self.last_a1c = Some(t);
        }
        list
    }

    fn measure(&self, a: Analyte, value: f64, t: i64) -> Measured {
        let p = self.p;
        let info = codes::analyte_info(a);
        let value = round_to(value, info.decimals);
        let therapeutic = (a == Analyte::Inr && p.takes(Med::Warfarin, t)).then_some((2.0, 3.0));
        Measured {
            analyte: a,
            value,
            range: codes::range_for(a, p.female, p.age_at(t)),
            therapeutic,
        }
    }

    fn round(&mut self, visit: &Visit, k: usize, n: usize, r: &Round, enc: &Value, rng: &mut Rng) {
        let p = self.p;
        let t = r.t;
        let age = p.age_at(t);
        let ep = visit.episode;
        let sev = r.severity;
        let ctx = ObsContext {
            subject: &self.subject,
            encounter: enc,
            performer: &self.nurse,
            effective: t,
            issued: (t + 2).min(self.s.now),
            lab: false,
        };
        let mut emitted: Vec<Value> = Vec::with_capacity(9);
        let mut v = Vitals::default();

        let hr = self.measure(
            Analyte::HeartRate,
            p.vital(Analyte::HeartRate, t, ep, sev, rng),
            t,
        );
        v.hr = Some(hr.value);
        let id = obs_id(self.index, &mut self.obs_n);
        emitted.push(resources::observation(id, &ctx, &hr));
        if age >= 3 {
            let sys = p.vital(Analyte::Systolic, t, ep, sev, rng);
            let dia = p.vital(Analyte::Diastolic, t, ep, sev, rng).min(sys - 20.0);
            let sys = self.measure(Analyte::Systolic, sys, t);
            let dia = self.measure(Analyte::Diastolic, dia, t);
            v.sbp = Some(sys.value);
            v.dbp = Some(dia.value);
            let id = obs_id(self.index, &mut self.obs_n);
            emitted.push(resources::blood_pressure(id, &ctx, &sys, &dia));
        }
        for (a, slot) in [
            (Analyte::Temperature, &mut v.temp),
            (Analyte::RespRate, &mut v.rr),
            (Analyte::SpO2, &mut v.spo2),
        ] {
            let m = self.measure(a, p.vital(a, t, ep, sev, rng), t);
            *slot = Some(m.value);
            let id = obs_id(self.index, &mut self.obs_n);
            emitted.push(resources::observation(id, &ctx, &m));
        }
        if r.weight {
            let w = self.measure(
                Analyte::Weight,
                p.vital(Analyte::Weight, t, ep, sev, rng),
                t,
            );
            v.weight = Some(w.value);
            let id = obs_id(self.index, &mut self.obs_n);
            emitted.push(resources::observation(id, &ctx, &w));
            let height_due =
                n == 0 && (age < 18 || self.last_height.is_none_or(|(t0, _)| t - t0 > 365 * DAY));
            if height_due {
                let h = self.measure(
                    Analyte::Height,
                    p.vital(Analyte::Height, t, ep, sev, rng),
                    t,
                );
                self.last_height = Some((t, h.value));
                let id = obs_id(self.index, &mut self.obs_n);
                emitted.push(resources::observation(id, &ctx, &h));
            }
            if let Some((_, h)) = self.last_height.filter(|_| age >= 2) {
                let metres = h / 100.0;
                let bmi = self.measure(Analyte::Bmi, w.value / (metres * metres), t);
                v.bmi = Some(bmi.value);
                let id = obs_id(self.index, &mut self.obs_n);
                emitted.push(resources::observation(id, &ctx, &bmi));
            }
        }
        self.out.append(&mut emitted);
        // Keep earlier weight/BMI for the note when this round did not weigh the patient.
        v.weight = v.weight.or(self.vitals.weight);
        v.bmi = v.bmi.or(self.vitals.bmi);
        self.vitals = v;

        if !r.labs {
            return;
        }
        let analytes = self.panels(visit, k, n, r, rng);
        if analytes.is_empty() {
            return;
        }
        let drawn = t + 10;
        let issued = (drawn + rng.int(45, 240)).min(self.s.now);
        let ctx = ObsContext {
            subject: &self.subject,
            encounter: enc,
            performer: &self.lab,
            effective: drawn,
            issued,
            lab: true,
        };
        let mut results = Vec::with_capacity(analytes.len());
        // eGFR is derived from this draw's creatinine, not from a second sample.
        let mut creatinine: Option<f64> = None;
        for a in analytes {
            let raw = match (a, creatinine) {
                (Analyte::Egfr, Some(c)) => crate::model::mdrd(c, p.age_at(drawn) as f64, p.female),
                _ => p.lab(a, drawn, ep, sev, rng),
            };
            let m = self.measure(a, raw, drawn);
            if a == Analyte::Creatinine {
                creatinine = Some(m.value);
            }
            results.push((a, m.value, m.flag().map_or("N", |f| f.0)));
            let id = obs_id(self.index, &mut self.obs_n);
            self.out.push(resources::observation(id, &ctx, &m));
        }
        self.results = results;
    }
}

fn rounds_for(visit: &Visit, rng: &mut Rng) -> Vec<Round> {
    let mut rounds = Vec::with_capacity(4);
    let start = visit.start;
    let end = visit.end;
    match visit.kind {
        Kind::Ambulatory => rounds.push(Round {
            t: start + 5,
            labs: true,
            weight: true,
            severity: 0.0,
            day: 0,
        }),
        Kind::Emergency => {
            rounds.push(Round {
                t: start + 10,
                labs: true,
                weight: true,
                severity: 1.0,
                day: 0,
            });
            rounds.push(Round {
                t: (start + 120).min(end - 25),
                labs: false,
                weight: false,
                severity: 0.85,
                day: 0,
            });
        }
        Kind::Inpatient => {
            let r0 = start + 15;
            rounds.push(Round {
                t: r0,
                labs: true,
                weight: true,
                severity: 1.0,
                day: 0,
            });
            let d0 = local_day(start);
            let last = local_day(end);
            for d in 0..=(last - d0) {
                let day = d0 + d;
                let severity = (1.0 - 0.3 * d as f64).max(0.1);
                let morning = utc_of_local(day, 6 * 60 + rng.int(0, 20));
                if d >= 1 && morning > r0 + 60 && morning < end - 60 {
                    rounds.push(Round {
                        t: morning,
                        labs: true,
                        weight: true,
                        severity,
                        day: d,
                    });
                }
                let evening = utc_of_local(day, 18 * 60 + rng.int(0, 20));
                if evening > r0 + 120 && evening < end - 60 {
                    rounds.push(Round {
                        t: evening,
                        labs: false,
                        weight: false,
                        severity,
                        day: d,
                    });
                }
            }
        }
    }
    rounds
}

fn allergies(w: &mut Walk<'_>, rng: &mut Rng, enc: &Value, t: i64, recorder: usize) -> String {
    let index = w.index;
    let draw = rng.f64();
    if draw >= 0.72 {
        return "Not yet recorded.".to_owned();
    }
    if draw < 0.45 {
        let id = format!("alg-{index:06}-01");
        w.out.push(resources::allergy(&AllergySpec {
            id: &id,
            allergen: None,
            subject: &w.subject,
            encounter: enc,
            recorded: t,
            recorder,
            reaction: codes::URTICARIA,
            severity: "mild",
            criticality: "low",
        }));
        return "No known allergies.".to_owned();
    }
    let first = rng.below(ALLERGENS.len());
    let mut chosen = vec![ALLERGENS[first]];
    if rng.chance(0.2) {
        let second = ALLERGENS[(first + 1 + rng.below(ALLERGENS.len() - 1)) % ALLERGENS.len()];
        chosen.push(second);
    }
    let mut summary = Vec::with_capacity(chosen.len());
    for (n, allergen) in chosen.into_iter().enumerate() {
        let (reaction, severity, criticality) = match allergen {
            Allergen::Penicillin if rng.chance(0.25) => (codes::ANAPHYLAXIS, "severe", "high"),
            Allergen::Penicillin => (codes::URTICARIA, "moderate", "low"),
            Allergen::Sulfonamide => (codes::SKIN_ERUPTION, "mild", "low"),
            Allergen::Aspirin if rng.chance(0.3) => (codes::ANGIOEDEMA, "moderate", "high"),
            Allergen::Aspirin => (codes::URTICARIA, "mild", "low"),
            Allergen::Peanut if rng.chance(0.5) => (codes::ANAPHYLAXIS, "severe", "high"),
            Allergen::Peanut => (codes::URTICARIA, "moderate", "low"),
            Allergen::Latex => (codes::URTICARIA, "mild", "low"),
        };
        let id = format!("alg-{index:06}-{:02}", n + 1);
        w.out.push(resources::allergy(&AllergySpec {
            id: &id,
            allergen: Some(allergen),
            subject: &w.subject,
            encounter: enc,
            recorded: t,
            recorder,
            reaction,
            severity,
            criticality,
        }));
        summary.push(format!(
            "{} ({})",
            codes::allergen_info(allergen).text,
            reaction.1.to_lowercase()
        ));
    }
    format!("{}.", summary.join("; "))
}

fn patient_resource(
    p: &Person,
    s: &Settings,
    index: usize,
    rng: &mut Rng,
    primary: usize,
) -> Value {
    let name = people::person_name(rng, p.culture, p.female);
    let addr = people::address(rng, p.culture);
    let mut identifiers = vec![json!({
        "use": "usual",
        "type": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
            "code": "MR",
            "display": "Medical record number",
        }] },
        "system": MRN_SYSTEM,
        "value": format!("MRN{index:06}"),
        "assigner": org_reference(),
    })];
    if rng.chance(0.5) {
        identifiers.push(json!({
            "use": "official",
            "type": { "text": "ABHA number" },
            "system": ABHA_SYSTEM,
            "value": crate::ids::abha_number(crate::ids::abha_body(s.seed, index as u64)),
        }));
    }
    let text = format!("{} {}", name.given.join(" "), name.family);
    let mut address = json!({
        "use": "home",
        "type": "physical",
        "line": [addr.line],
        "city": addr.city,
        "country": addr.country,
    });
    if let Some(obj) = address.as_object_mut() {
        if let Some(state) = addr.state {
            obj.insert("state".into(), Value::from(state));
        }
        if let Some(pc) = addr.postal_code {
            obj.insert("postalCode".into(), Value::from(pc));
        }
    }
    json!({
        "resourceType": "Patient",
        "id": format!("pat-{index:06}"),
        "identifier": identifiers,
        "active": true,
        "name": [{
            "use": "official",
            "text": text,
            "family": name.family,
            "given": name.given,
        }],
        "telecom": [{ "system": "phone", "value": addr.phone, "use": "mobile" }],
        "gender": p.gender,
        "birthDate": format_date(p.birth_day),
        "address": [address],
        "generalPractitioner": [staff_reference(primary)],
        "managingOrganization": org_reference(),
    })
}

pub(crate) fn generate(s: &Settings, index: usize) -> DemoPatient {
    let mut rng = Rng::new(s.seed, 1, index as u64);
    let culture = people::pick_culture(&mut rng);
    let mut p = Person::new(&mut rng, culture, s.now, s.years);
    let child = p.age_at(s.now) < 18;
    let cardiac = p.chronic.iter().any(|c| {
        matches!(
            c.cond,
            Cond::AtrialFibrillation | Cond::CoronaryDisease | Cond::HeartFailure
        )
    });
    let primary = if child {
        PHYSICIAN_PEDS
    } else if cardiac && rng.chance(0.5) {
        PHYSICIAN_CARDIO
    } else {
        PHYSICIAN_IM
    };
    let patient = patient_resource(&p, s, index, &mut rng, primary);

    let planned = plan_visits(&p, s, &mut rng);
    place_diagnoses(&mut p, &planned, &mut rng);
    for (n, c) in p.chronic.iter_mut().enumerate() {
        c.id = format!("cond-{index:06}-{:03}", n + 1);
    }
    plan_meds(&mut p, &planned, &mut rng, index);
    let visits: Vec<Visit> = planned
        .iter()
        .enumerate()
        .map(|(k, &(kind, start, end))| {
            let episode = choose_episode(&p, kind, k, start, &mut rng);
            let attending = match kind {
                Kind::Ambulatory => primary,
                Kind::Emergency => PHYSICIAN_ED,
                Kind::Inpatient if is_cardiac(episode) => PHYSICIAN_CARDIO,
                Kind::Inpatient if child => PHYSICIAN_PEDS,
                Kind::Inpatient => PHYSICIAN_IM,
            };
            Visit {
                kind,
                start,
                end,
                episode,
                attending,
            }
        })
        .collect();

    let subject = resources::reference("Patient", &format!("pat-{index:06}"));
    let mut w = Walk {
        p: &p,
        s,
        index,
        subject,
        nurse: json!([staff_reference(NURSE)]),
        lab: json!([org_reference()]),
        out: Vec::with_capacity(s.hint + s.hint / 3 + 16),
        obs_n: 0,
        last_routine: None,
        last_a1c: None,
        last_height: None,
        vitals: Vitals::default(),
        results: Vec::new(),
    };
    let mut care_team: BTreeSet<usize> = BTreeSet::new();
    care_team.insert(primary);
    let mut acute_n = p.chronic.len();
    let mut allergy_summary = String::from("Not yet recorded.");

    for (k, visit) in visits.iter().enumerate() {
        care_team.insert(visit.attending);
        care_team.insert(NURSE);
        care_team.insert(RADIOLOGIST);
        let enc_id = format!("enc-{index:06}-{:04}", k + 1);
        let enc = resources::reference("Encounter", &enc_id);
        let acute_id = if let Episode::Acute(_) = visit.episode {
            acute_n += 1;
            Some(format!("cond-{index:06}-{acute_n:03}"))
        } else {
            None
        };
        let problems: Vec<Cond> = p
            .chronic
            .iter()
            .filter(|c| c.visit <= k)
            .map(|c| c.cond)
            .collect();
        w.out.push(encounter(&EncounterSpec {
            id: &enc_id,
            visit,
            subject: &w.subject,
            acute_id: acute_id.as_deref(),
            chronic: &p.chronic,
            has_problems: !problems.is_empty(),
        }));
        if let (Some(id), Episode::Acute(cond)) = (&acute_id, visit.episode) {
            let onset = (visit.start - rng.int(6 * 60, 3 * DAY)).max(p.birth_min);
            let abatement = (visit.end + rng.int(3, 10) * DAY).min(s.now);
            w.out.push(resources::condition(&ConditionSpec {
                id,
                cond,
                subject: &w.subject,
                encounter: &enc,
                onset,
                recorded: visit.start,
                abatement: Some(abatement),
                recorder: visit.attending,
            }));
        }
        for c in p.chronic.iter().filter(|c| c.visit == k) {
            w.out.push(resources::condition(&ConditionSpec {
                id: &c.id,
                cond: c.cond,
                subject: &w.subject,
                encounter: &enc,
                onset: c.onset,
                recorded: visit.start,
                abatement: None,
                recorder: visit.attending,
            }));
        }
        if k == 0 {
            allergy_summary = allergies(&mut w, &mut rng, &enc, visit.start, visit.attending);
        }
        for m in p.meds.iter().filter(|m| m.visit == k) {
            care_team.insert(PHARMACIST);
            w.out.push(resources::medication_statement(&MedSpec {
                id: &m.id,
                med: m.med,
                subject: &w.subject,
                encounter: &enc,
                start: m.start,
                asserted: visit.start,
                reason_id: &p.chronic[m.reason].id,
                source: visit.attending,
            }));
        }

        let rounds = rounds_for(visit, &mut rng);
        w.results.clear();
        let meds_now: Vec<Med> = p
            .meds
            .iter()
            .filter(|m| m.visit <= k)
            .map(|m| m.med)
            .collect();
        let setting = match visit.kind {
            Kind::Ambulatory if problems.is_empty() => "Outpatient clinic",
            Kind::Ambulatory => "Outpatient follow-up",
            Kind::Emergency => "Emergency department",
            Kind::Inpatient => "Inpatient ward",
        };
        let age = p.age_at(visit.start);
        let mut note_n = 0;
        for (n, r) in rounds.iter().enumerate() {
            w.round(visit, k, n, r, &enc, &mut rng);
            if n == 0 && visit.kind == Kind::Inpatient {
                let next = rounds.get(1).map_or(visit.end, |r| r.t);
                let written = (r.t + 90).min(next - 5).max(r.t + 11);
                note_n += 1;
                let text = soap_note(&NoteInput {
                    kind: NoteKind::Admission,
                    written,
                    age,
                    gender: p.gender,
                    setting,
                    episode: visit.episode,
                    problems: &problems,
                    meds: &meds_now,
                    allergies: &allergy_summary,
                    vitals: &w.vitals,
                    results: &w.results,
                    author: visit.attending,
                });
                let id = format!("doc-{index:06}-{:04}-{note_n}", k + 1);
                w.out.push(resources::document_reference(&NoteSpec {
                    id: &id,
                    history_and_physical: true,
                    subject: &w.subject,
                    encounter: &enc,
                    author: visit.attending,
                    date: written,
                    period: (visit.start, visit.end),
                    text: &text,
                }));
            }
        }
        note_n += 1;
        let kind = if visit.kind == Kind::Inpatient {
            NoteKind::Discharge
        } else {
            NoteKind::Progress
        };
        let text = soap_note(&NoteInput {
            kind,
            written: visit.end,
            age,
            gender: p.gender,
            setting,
            episode: visit.episode,
            problems: &problems,
            meds: &meds_now,
            allergies: &allergy_summary,
            vitals: &w.vitals,
            results: &w.results,
            author: visit.attending,
        });
        let id = format!("doc-{index:06}-{:04}-{note_n}", k + 1);
        w.out.push(resources::document_reference(&NoteSpec {
            id: &id,
            history_and_physical: false,
            subject: &w.subject,
            encounter: &enc,
            author: visit.attending,
            date: visit.end,
            period: (visit.start, visit.end),
            text: &text,
        }));
    }

    DemoPatient {
        patient,
        resources: w.out,
        care_team: care_team
            .into_iter()
            .map(|i| people::STAFF[i].id.to_owned())
            .collect(),
    }
}

struct EncounterSpec<'a> {
    id: &'a str,
    visit: &'a Visit,
    subject: &'a Value,
    acute_id: Option<&'a str>,
    chronic: &'a [Chronic],
    has_problems: bool,
}

fn encounter(e: &EncounterSpec<'_>) -> Value {
    let v = e.visit;
    let (code, display, type_text) = match v.kind {
        Kind::Ambulatory if e.has_problems => ("AMB", "ambulatory", "Outpatient follow-up"),
        Kind::Ambulatory => ("AMB", "ambulatory", "Outpatient visit"),
        Kind::Emergency => ("EMER", "emergency", "Emergency department visit"),
        Kind::Inpatient => ("IMP", "inpatient encounter", "Inpatient admission"),
    };
    let mut enc = json!({
        "resourceType": "Encounter",
        "id": e.id,
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": code,
            "display": display,
        },
        "type": [{ "text": type_text }],
        "subject": e.subject,
        "participant": [{
            "type": [{ "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                "code": "ATND",
                "display": "attender",
            }] }],
            "individual": staff_reference(v.attending),
        }],
        "period": { "start": format_local(v.start), "end": format_local(v.end) },
        "serviceProvider": org_reference(),
    });
    let Some(obj) = enc.as_object_mut() else {
        return enc;
    };
    let flare_id = match v.episode {
        Episode::Flare(c) => e
            .chronic
            .iter()
            .find(|x| x.cond == c)
            .map(|x| x.id.as_str()),
        _ => None,
    };
    match (e.acute_id.or(flare_id), v.episode) {
        (Some(id), _) => {
            obj.insert(
                "reasonReference".into(),
                json!([resources::reference("Condition", id)]),
            );
        }
        (None, _) => {
            let text = if e.has_problems {
                "Chronic disease follow-up"
            } else {
                "Routine health check"
            };
            obj.insert("reasonCode".into(), json!([{ "text": text }]));
        }
    }
    if v.kind == Kind::Inpatient {
        obj.insert(
            "hospitalization".into(),
            json!({
                "admitSource": { "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/admit-source",
                    "code": "emd",
                    "display": "From accident/emergency department",
                }] },
                "dischargeDisposition": { "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/discharge-disposition",
                    "code": "home",
                    "display": "Home",
                }] },
            }),
        );
    }
    enc
}
