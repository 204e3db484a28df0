//! The latent patient: demographics, chronic problems, treatments, and the physiology that
//! turns them into correlated, drifting measurements.
//!
//! Each person carries individual set points (their "normal" heart rate, haemoglobin, …);
//! conditions shift those set points, treatments pull them back, time drifts them, and each
//! measurement adds a little noise. That is what makes a diabetic's HbA1c high and falling
//! after metformin starts, or a CKD patient's eGFR sink year by year.

use crate::codes::{Analyte, Cond, Med};
use crate::people::Culture;
use crate::rng::Rng;
use crate::time::{MINUTES_PER_DAY, MINUTES_PER_YEAR, age_years, local_day};

/// A long-term problem, diagnosed before the history window or at one of its visits.
#[derive(Debug)]
pub(crate) struct Chronic {
    pub(crate) cond: Cond,
    pub(crate) onset: i64,
    /// Index of the visit at which the problem is recorded.
    pub(crate) visit: usize,
    pub(crate) pre_existing: bool,
    pub(crate) id: String,
}

#[derive(Debug)]
pub(crate) struct MedPlan {
    pub(crate) med: Med,
    /// Index into [`Person::chronic`] of the condition the medicine treats.
    pub(crate) reason: usize,
    pub(crate) start: i64,
    /// Index of the visit at which the medication statement is recorded.
    pub(crate) visit: usize,
    pub(crate) id: String,
}

/// What brought the patient in, beyond routine care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Episode {
    Routine,
    /// A new acute problem (an acute [`Cond`]), recorded as a resolved encounter diagnosis.
    Acute(Cond),
    /// A flare of an existing chronic problem.
    Flare(Cond),
}

#[derive(Debug)]
pub(crate) struct Person {
    pub(crate) female: bool,
    pub(crate) gender: &'static str,
    pub(crate) culture: Culture,
    pub(crate) birth_day: i64,
    pub(crate) birth_min: i64,
    pub(crate) chronic: Vec<Chronic>,
    pub(crate) meds: Vec<MedPlan>,
    pub(crate) window_start: i64,
    // Individual set points.
    adult_height: f64,
    bmi0: f64,
    bmi_slope: f64,
    child_bmi_factor: f64,
    hr0: f64,
    sbp0: f64,
    dbp0: f64,
    sbp_htn: f64,
    dbp_htn: f64,
    temp0: f64,
    hb0: f64,
    wbc0: f64,
    plt0: f64,
    alt0: f64,
    ast0: f64,
    chol0: f64,
    chol_hld: f64,
    a1c0: f64,
    a1c_untreated: f64,
    a1c_treated: f64,
    a1c_drift: f64,
    creat0: f64,
    egfr_at_onset: f64,
    egfr_slope: f64,
    na0: f64,
    k0: f64,
}

/// Minimum age (years) at which each chronic problem is generated.
fn min_onset_age(c: Cond) -> f64 {
    match c {
        Cond::Asthma => 2.0,
        Cond::Anemia => 1.0,
        Cond::Obesity => 18.0,
        Cond::Gerd => 18.0,
        Cond::Diabetes | Cond::Hypertension | Cond::Hyperlipidemia => 25.0,
        Cond::Ckd3 | Cond::CoronaryDisease => 40.0,
        Cond::Copd => 45.0,
        Cond::AtrialFibrillation | Cond::HeartFailure => 50.0,
        _ => 0.0,
    }
}

fn min(a: f64, b: f64) -> f64 {
    a.min(b)
}

/// Draws an age (years) from a mix that resembles a general hospital's registered population.
fn draw_age(rng: &mut Rng) -> f64 {
    match rng.weighted(&[6, 14, 28, 32, 20]) {
        0 => rng.range(0.05, 2.0),
        1 => rng.range(2.0, 18.0),
        2 => rng.range(18.0, 40.0),
        3 => rng.range(40.0, 65.0),
        _ => rng.range(65.0, 95.9),
    }
}

impl Person {
    /// Demographics, set points and chronic problems. Onsets of problems that will be
    /// diagnosed inside the window are placed later, once visits are planned.
    pub(crate) fn new(rng: &mut Rng, culture: Culture, now: i64, years: u32) -> Person {
        let sex_draw = rng.f64();
        let (female, gender) = if sex_draw < 0.497 {
            (true, "female")
        } else if sex_draw < 0.995 {
            (false, "male")
        } else {
            (rng.chance(0.5), "other")
        };
        let age = draw_age(rng);
        let birth_min = now - (age * MINUTES_PER_YEAR as f64) as i64;
        // Births are dated to the local day; the minute matters only for the window.
        let birth_day = local_day(birth_min);
        let history = i64::from(years) * MINUTES_PER_YEAR;
        let window_start = (now - history).max(birth_min + MINUTES_PER_DAY);

        let mean_h = crate::people::mean_adult_height(culture, female);
        let adult = age >= 18.0;
        let mut p = Person {
            female,
            gender,
            culture,
            birth_day,
            birth_min,
            chronic: Vec::new(),
            meds: Vec::new(),
            window_start,
            adult_height: rng.normal(mean_h, 6.5),
            bmi0: rng.normal(23.8, 3.2).clamp(17.5, 29.9),
            bmi_slope: rng.normal(0.1, 0.25),
            child_bmi_factor: rng.normal(1.0, 0.07),
            hr0: rng.normal(74.0, 7.0),
            sbp0: rng.normal(117.0, 7.0),
            dbp0: rng.normal(75.0, 5.0),
            sbp_htn: rng.normal(153.0, 7.0),
            dbp_htn: rng.normal(94.0, 4.0),
            temp0: rng.normal(36.7, 0.12),
            hb0: if female {
                rng.normal(13.2, 0.7)
            } else {
                rng.normal(14.9, 0.8)
            },
            wbc0: rng.normal(7.0, 1.2),
            plt0: rng.normal(255.0, 40.0),
            alt0: rng.normal(24.0, 6.0),
            ast0: rng.normal(23.0, 4.0),
            chol0: rng.normal(180.0, 15.0),
            chol_hld: rng.normal(252.0, 14.0),
            a1c0: if adult && age > 40.0 && rng.chance(0.2) {
                rng.range(5.7, 6.3)
            } else {
                rng.normal(5.2, 0.15)
            },
            a1c_untreated: rng.range(8.2, 10.6),
            a1c_treated: rng.range(6.6, 8.6),
            a1c_drift: rng.normal(0.1, 0.15),
            creat0: if female {
                rng.normal(0.76, 0.09)
            } else {
                rng.normal(0.98, 0.1)
            },
            egfr_at_onset: rng.range(50.0, 59.0),
            egfr_slope: rng.range(0.8, 4.0),
            na0: rng.normal(139.5, 1.5),
            k0: rng.normal(4.2, 0.2),
        };

        // Chronic problems, with prevalence rising with age as in an adult outpatient register.
        let a = age;
        let mut has = Vec::new();
        let dm = a >= 25.0 && rng.chance(min(0.30, (a - 25.0) * 0.0065));
        if dm {
            has.push(Cond::Diabetes);
        }
        let htn =
            a >= 22.0 && rng.chance(min(0.55, (a - 20.0) * 0.0105 + if dm { 0.1 } else { 0.0 }));
        if htn {
            has.push(Cond::Hypertension);
        }
        let boost = |flag: bool, v: f64| if flag { v } else { 0.0 };
        if a >= 25.0 && rng.chance(min(0.4, (a - 25.0) * 0.006 + boost(dm, 0.12))) {
            has.push(Cond::Hyperlipidemia);
        }
        let ckd = a >= 40.0
            && rng.chance(min(
                0.3,
                (a - 40.0) * 0.002 + boost(dm, 0.08) + boost(htn, 0.05),
            ));
        if ckd {
            has.push(Cond::Ckd3);
        }
        let af = a >= 50.0 && rng.chance(min(0.14, (a - 50.0) * 0.0035));
        if af {
            has.push(Cond::AtrialFibrillation);
        }
        let cad = a >= 40.0
            && rng.chance(min(
                0.22,
                (a - 40.0) * 0.0035 + boost(dm, 0.04) + boost(htn, 0.03),
            ));
        if cad {
            has.push(Cond::CoronaryDisease);
        }
        if a >= 50.0
            && rng.chance(min(
                0.16,
                (a - 50.0) * 0.002 + boost(cad, 0.06) + boost(af, 0.06),
            ))
        {
            has.push(Cond::HeartFailure);
        }
        if a >= 2.0 && rng.chance(0.07) {
            has.push(Cond::Asthma);
        }
        if a >= 45.0 && rng.chance(0.04 + (a - 45.0) * 0.001) {
            has.push(Cond::Copd);
        }
        if a >= 1.0 && rng.chance(if female { 0.07 } else { 0.03 } + boost(ckd, 0.1)) {
            has.push(Cond::Anemia);
        }
        if adult && rng.chance(0.13 + boost(dm, 0.12)) {
            has.push(Cond::Obesity);
            p.bmi0 = rng.range(30.5, 38.0);
        }
        if adult && rng.chance(0.07) {
            has.push(Cond::Gerd);
        }

        let last_pre = window_start - 30 * MINUTES_PER_DAY;
        for cond in has {
            let earliest = birth_min + (min_onset_age(cond) * MINUTES_PER_YEAR as f64) as i64;
            let in_window_possible = earliest < now - 30 * MINUTES_PER_DAY;
            let pre_possible = earliest < last_pre;
            let pre = pre_possible && (!in_window_possible || rng.chance(0.72));
            if !pre && !in_window_possible {
                continue;
            }
            let onset = if pre {
                // Most chronic problems in the register began within the last 15 years.
                let lo = earliest.max(last_pre - 15 * MINUTES_PER_YEAR);
                rng.int(lo, last_pre)
            } else {
                // Placed at a visit later; keep the earliest allowed moment for now.
                earliest.max(window_start)
            };
            p.chronic.push(Chronic {
                cond,
                onset,
                visit: 0,
                pre_existing: pre,
                id: String::new(),
            });
        }
        p
    }

    pub(crate) fn age_at(&self, t: i64) -> i64 {
        age_years(self.birth_day, local_day(t))
    }

    fn age_f(&self, t: i64) -> f64 {
        ((t - self.birth_min) as f64 / MINUTES_PER_YEAR as f64).max(0.0)
    }

    /// Whether a condition has begun (diagnosed or not) at time `t`.
    pub(crate) fn has(&self, c: Cond, t: i64) -> bool {
        self.chronic.iter().any(|x| x.cond == c && x.onset <= t)
    }

    /// Years on a medicine at time `t`, if started.
    fn on(&self, m: Med, t: i64) -> Option<f64> {
        self.meds
            .iter()
            .filter(|x| x.med == m && x.start <= t)
            .map(|x| (t - x.start) as f64 / MINUTES_PER_YEAR as f64)
            .reduce(f64::max)
    }

    pub(crate) fn takes(&self, m: Med, t: i64) -> bool {
        self.on(m, t).is_some()
    }

    fn onset_of(&self, c: Cond) -> Option<i64> {
        self.chronic.iter().find(|x| x.cond == c).map(|x| x.onset)
    }

    fn years_in_window(&self, t: i64) -> f64 {
        (t - self.window_start) as f64 / MINUTES_PER_YEAR as f64
    }

    /// Treatment effect ramping from 0 to 1 over about two months.
    fn ramp(&self, m: Med, t: i64) -> f64 {
        self.on(m, t).map_or(0.0, |y| (y / 0.17).min(1.0))
    }

    pub(crate) fn height(&self, t: i64) -> f64 {
        let age = self.age_f(t);
        if age >= 18.0 {
            let shrink = if age > 60.0 { (age - 60.0) * 0.1 } else { 0.0 };
            return self.adult_height - shrink;
        }
        // Median length/height by age (cm), relative to a median adult of 172/160 cm.
        const AGES: [f64; 14] = [
            0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0,
        ];
        const BOYS: [f64; 14] = [
            50.0, 67.5, 75.5, 87.5, 95.5, 102.5, 109.5, 116.0, 128.0, 138.5, 149.5, 163.0, 170.0,
            172.0,
        ];
        const GIRLS: [f64; 14] = [
            49.5, 66.0, 74.0, 86.0, 94.5, 101.5, 108.5, 115.0, 127.0, 138.5, 150.5, 157.5, 159.5,
            160.0,
        ];
        let (table, adult_ref) = if self.female {
            (&GIRLS, 160.0)
        } else {
            (&BOYS, 172.0)
        };
        interpolate(&AGES, table, age) * self.adult_height / adult_ref
    }

    fn bmi(&self, t: i64) -> f64 {
        let age = self.age_f(t);
        if age >= 18.0 {
            return (self.bmi0 + self.bmi_slope * self.years_in_window(t)).clamp(16.0, 45.0);
        }
        const AGES: [f64; 9] = [0.0, 0.5, 1.0, 2.0, 5.0, 8.0, 12.0, 15.0, 18.0];
        const BMI: [f64; 9] = [13.4, 17.2, 17.2, 16.4, 15.4, 15.8, 17.8, 19.8, 21.5];
        interpolate(&AGES, &BMI, age) * self.child_bmi_factor
    }

    /// A vital sign at time `t`; `severity` (0–1) scales the effect of an acute episode.
    pub(crate) fn vital(
        &self,
        a: Analyte,
        t: i64,
        episode: Episode,
        severity: f64,
        rng: &mut Rng,
    ) -> f64 {
        let age = self.age_f(t);
        let s = severity;
        let acute = |c: Cond| episode == Episode::Acute(c);
        let flare = |c: Cond| episode == Episode::Flare(c);
        match a {
            Analyte::HeartRate => {
                let base = if age < 1.0 {
                    128.0
                } else if age < 6.0 {
                    105.0
                } else if age < 13.0 {
                    88.0
                } else {
                    self.hr0
                };
                let mut v = base + rng.normal(0.0, 4.0);
                if self.has(Cond::AtrialFibrillation, t) {
                    v += 8.0 + rng.normal(0.0, 9.0);
                }
                if acute(Cond::Pneumonia) {
                    v += 22.0 * s;
                } else if acute(Cond::Gastroenteritis) || acute(Cond::Nstemi) {
                    v += 12.0 * s;
                } else if acute(Cond::ChestPain) || acute(Cond::Uti) {
                    v += 8.0 * s;
                } else if matches!(episode, Episode::Flare(_)) {
                    v += 14.0 * s;
                }
                v.clamp(35.0, 190.0)
            }
            Analyte::Systolic | Analyte::Diastolic => {
                let systolic = a == Analyte::Systolic;
                if age < 13.0 {
                    let v = if systolic {
                        94.0 + 1.2 * age + rng.normal(0.0, 5.0)
                    } else {
                        57.0 + 0.9 * age + rng.normal(0.0, 4.0)
                    };
                    return v;
                }
                let aging = if age > 40.0 { (age - 40.0) * 0.25 } else { 0.0 };
                let (normal, htn) = if systolic {
                    (self.sbp0 + aging, self.sbp_htn)
                } else {
                    (self.dbp0 + aging * 0.2, self.dbp_htn)
                };
                let mut v = if self.has(Cond::Hypertension, t) {
                    let (l, am) = if systolic { (13.0, 11.0) } else { (7.0, 6.0) };
                    let drift = self.years_in_window(t) * 1.0;
                    htn + drift
                        - l * self.ramp(Med::Lisinopril, t)
                        - am * self.ramp(Med::Amlodipine, t)
                } else {
                    normal
                };
                if self.has(Cond::HeartFailure, t) {
                    v -= if systolic { 8.0 } else { 4.0 };
                }
                if acute(Cond::ChestPain) || acute(Cond::Nstemi) {
                    v += if systolic { 12.0 } else { 6.0 } * s;
                }
                if acute(Cond::Gastroenteritis) {
                    v -= if systolic { 10.0 } else { 6.0 } * s;
                }
                v + rng.normal(0.0, if systolic { 6.0 } else { 4.0 })
            }
            Analyte::Temperature => {
                let mut v = self.temp0 + rng.normal(0.0, 0.15);
                if acute(Cond::Pneumonia) {
                    v += 1.7 * s;
                } else if acute(Cond::Uti) {
                    v += 1.1 * s;
                } else if acute(Cond::Uri) || acute(Cond::Gastroenteritis) {
                    v += 0.7 * s;
                }
                v
            }
            Analyte::RespRate => {
                let base = if age < 1.0 {
                    40.0
                } else if age < 6.0 {
                    26.0
                } else if age < 13.0 {
                    21.0
                } else {
                    15.0
                };
                let mut v = base + rng.normal(0.0, 1.4);
                if self.has(Cond::Copd, t) {
                    v += 2.0;
                }
                if acute(Cond::Pneumonia) {
                    v += 8.0 * s;
                } else if matches!(episode, Episode::Flare(_)) {
                    v += 7.0 * s;
                }
                v
            }
            Analyte::SpO2 => {
                let mut v = if self.has(Cond::Copd, t) {
                    93.0 + rng.normal(0.0, 1.2)
                } else {
                    98.0 + rng.normal(0.0, 0.9)
                };
                if acute(Cond::Pneumonia) {
                    v -= 5.5 * s;
                } else if flare(Cond::Copd) || flare(Cond::Asthma) || flare(Cond::HeartFailure) {
                    v -= 4.5 * s;
                }
                v.min(100.0)
            }
            Analyte::Height => self.height(t) + rng.normal(0.0, 0.3),
            Analyte::Weight => {
                let h = self.height(t) / 100.0;
                let mut w = self.bmi(t) * h * h;
                if flare(Cond::HeartFailure) {
                    w += 2.5 * s;
                }
                w + rng.normal(0.0, if age < 2.0 { 0.05 } else { 0.4 })
            }
            // Other analytes are laboratory results.
            _ => self.lab(a, t, episode, severity, rng),
        }
    }

    /// Latent eGFR (mL/min/1.73 m²) of a patient with CKD at time `t`.
    fn ckd_egfr(&self, t: i64, onset: i64) -> f64 {
        let years = (t - onset) as f64 / MINUTES_PER_YEAR as f64;
        if years < 0.0 {
            (self.egfr_at_onset - years * self.egfr_slope).min(88.0)
        } else {
            (self.egfr_at_onset - years * self.egfr_slope).max(27.0)
        }
    }

    /// A laboratory result at time `t`, before rounding.
    pub(crate) fn lab(
        &self,
        a: Analyte,
        t: i64,
        episode: Episode,
        severity: f64,
        rng: &mut Rng,
    ) -> f64 {
        let age = self.age_f(t);
        let s = severity;
        let acute = |c: Cond| episode == Episode::Acute(c);
        match a {
            Analyte::Hba1c => self.hba1c(t, rng),
            Analyte::Glucose => {
                let a1c = self.hba1c(t, rng);
                // Estimated average glucose from HbA1c (ADAG), less a little for the many
                // morning (near-fasting) draws.
                let spread = 7.0 + (a1c - 5.0).max(0.0) * 4.0;
                let offset = if self.has(Cond::Diabetes, t) {
                    14.0
                } else {
                    18.0
                };
                (28.7 * a1c - 46.7 - offset + rng.normal(0.0, spread)).max(58.0)
            }
            Analyte::Creatinine => self.creatinine(t, episode, s, rng),
            Analyte::Egfr => {
                // Reported from the rounded creatinine so the two always agree.
                let creat = round_to(self.creatinine(t, episode, s, rng), 2);
                mdrd(creat, age, self.female)
            }
            Analyte::Potassium => {
                let ckd = self.has(Cond::Ckd3, t);
                if ckd && rng.chance(0.03) {
                    return rng.range(6.5, 7.05);
                }
                if rng.chance(0.015) {
                    return rng.range(3.0, 3.45);
                }
                let mut v = self.k0 + rng.normal(0.0, 0.18);
                if ckd {
                    v += 0.45;
                }
                if self.takes(Med::Lisinopril, t) {
                    v += 0.15;
                }
                if acute(Cond::Gastroenteritis) {
                    v -= 0.7 * s;
                }
                v
            }
            Analyte::Sodium => {
                let mut v = self.na0 + rng.normal(0.0, 1.3);
                if self.has(Cond::HeartFailure, t) {
                    v -= 3.0;
                }
                if acute(Cond::Gastroenteritis) {
                    v -= 4.0 * s;
                }
                if age > 80.0 {
                    v -= 1.5;
                }
                v
            }
            Analyte::Hemoglobin => {
                let mut v = if age < 13.0 {
                    12.4 + (self.hb0 - 14.0) * 0.3
                } else {
                    self.hb0
                };
                if self.has(Cond::Ckd3, t) {
                    v -= 1.2;
                }
                if self.has(Cond::Anemia, t) {
                    v -= 2.6;
                }
                v + rng.normal(0.0, 0.3)
            }
            Analyte::Wbc => {
                let mut v = self.wbc0 + rng.normal(0.0, 0.6);
                if acute(Cond::Pneumonia) {
                    v += 8.5 * s;
                } else if acute(Cond::Uti) {
                    v += 4.5 * s;
                } else if acute(Cond::Gastroenteritis) {
                    v += 2.0 * s;
                }
                v.max(2.5)
            }
            Analyte::Platelets => (self.plt0 + rng.normal(0.0, 14.0)).max(60.0),
            Analyte::Alt => {
                let mut v = self.alt0 + rng.normal(0.0, 4.0);
                if self.has(Cond::Obesity, t) {
                    v += 14.0;
                }
                if self.takes(Med::Atorvastatin, t) {
                    v += 4.0;
                }
                // Now and then a transaminase rise (fatty liver, statin, intercurrent illness).
                if rng.chance(0.025) {
                    v += rng.range(30.0, 110.0);
                }
                v.max(8.0)
            }
            Analyte::Ast => {
                let mut v = self.ast0 + rng.normal(0.0, 3.0);
                if self.has(Cond::Obesity, t) {
                    v += 6.0;
                }
                if acute(Cond::Nstemi) {
                    v += 25.0 * s;
                }
                v.max(10.0)
            }
            Analyte::Cholesterol => {
                let untreated = if self.has(Cond::Hyperlipidemia, t) {
                    self.chol_hld
                } else {
                    self.chol0.min(215.0)
                };
                // Atorvastatin 20 mg lowers total cholesterol by roughly 30 %.
                untreated * (1.0 - 0.3 * self.ramp(Med::Atorvastatin, t)) + rng.normal(0.0, 8.0)
            }
            Analyte::TroponinI => {
                if acute(Cond::Nstemi) {
                    rng.range(0.35, 3.6) * s.max(0.15)
                } else if acute(Cond::ChestPain) {
                    rng.range(0.0, 0.035)
                } else {
                    rng.range(0.0, 0.025)
                }
            }
            Analyte::Inr => {
                if self.takes(Med::Warfarin, t) {
                    match rng.weighted(&[10, 70, 15, 5]) {
                        0 => rng.range(1.4, 1.95),
                        1 => rng.range(2.0, 3.0),
                        2 => rng.range(3.05, 4.5),
                        _ => rng.range(5.1, 7.4),
                    }
                } else {
                    rng.normal(1.0, 0.05)
                }
            }
            // Vital signs are never requested here; answer with the vital model.
            _ => self.vital(a, t, episode, severity, rng),
        }
    }

    fn hba1c(&self, t: i64, rng: &mut Rng) -> f64 {
        let noise = rng.normal(0.0, 0.12);
        let Some(onset) = self
            .onset_of(Cond::Diabetes)
            .filter(|o| *o <= t + MINUTES_PER_YEAR)
        else {
            return self.a1c0 + 0.02 * self.years_in_window(t) + noise;
        };
        let before = (onset - t) as f64 / MINUTES_PER_YEAR as f64;
        if before > 0.0 {
            // Rising over the year before diagnosis.
            let start = self.a1c0.max(5.8);
            return start + (self.a1c_untreated - start) * (1.0 - before) + noise;
        }
        match self.on(Med::Metformin, t) {
            None => self.a1c_untreated + noise,
            Some(years) => {
                let settled = self.a1c_treated + self.a1c_drift * self.years_in_window(t);
                let k = (years / 0.25).min(1.0);
                self.a1c_untreated + (settled - self.a1c_untreated) * k + noise
            }
        }
    }

    fn creatinine(&self, t: i64, episode: Episode, s: f64, rng: &mut Rng) -> f64 {
        let age = self.age_f(t);
        let mut v = if age < 13.0 {
            0.22 + 0.03 * age
        } else if let Some(onset) = self.onset_of(Cond::Ckd3) {
            mdrd_inverse(self.ckd_egfr(t, onset), age.max(18.0), self.female)
        } else {
            let aging = if age > 40.0 {
                (age - 40.0) * 0.003
            } else {
                0.0
            };
            let teen = if age < 18.0 { 0.85 } else { 1.0 };
            (self.creat0 + aging) * teen
        };
        if episode == Episode::Acute(Cond::Gastroenteritis) {
            v *= 1.0 + 0.25 * s;
        }
        (v + rng.normal(0.0, 0.035 * v.max(0.5))).max(0.15)
    }
}

fn interpolate(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let mut prev = (0.0, ys.first().copied().unwrap_or(0.0));
    for (&xi, &yi) in xs.iter().zip(ys) {
        if x <= xi {
            let (x0, y0) = prev;
            if xi <= x0 {
                return yi;
            }
            return y0 + (yi - y0) * (x - x0) / (xi - x0);
        }
        prev = (xi, yi);
    }
    prev.1
}

/// The IDMS-traceable 4-variable MDRD equation (without the race coefficient), matching
/// LOINC 33914-3.
pub(crate) fn mdrd(creatinine: f64, age: f64, female: bool) -> f64 {
    let sex = if female { 0.742 } else { 1.0 };
    175.0 * creatinine.max(0.1).powf(-1.154) * age.max(18.0).powf(-0.203) * sex
}

fn mdrd_inverse(egfr: f64, age: f64, female: bool) -> f64 {
    let sex = if female { 0.742 } else { 1.0 };
    (egfr / (175.0 * age.powf(-0.203) * sex)).powf(-1.0 / 1.154)
}

pub(crate) fn round_to(v: f64, decimals: u32) -> f64 {
    let f = match decimals {
        0 => 1.0,
        1 => 10.0,
        2 => 100.0,
        _ => 1000.0,
    };
    (v * f).round() / f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mdrd_inverse_round_trips() {
        for egfr in [20.0, 45.0, 59.0, 90.0] {
            let c = mdrd_inverse(egfr, 67.0, true);
            assert!((mdrd(c, 67.0, true) - egfr).abs() < 1e-6);
        }
    }

    #[test]
    fn mdrd_reference_value() {
        // 60-year-old man, creatinine 1.0 mg/dL: 175 * 60^-0.203 = 76.4.
        assert!((mdrd(1.0, 60.0, false) - 76.4).abs() < 0.2);
    }

    #[test]
    fn interpolation_clamps_at_the_ends() {
        let xs = [0.0, 10.0];
        let ys = [1.0, 2.0];
        assert_eq!(interpolate(&xs, &ys, -1.0), 1.0);
        assert_eq!(interpolate(&xs, &ys, 5.0), 1.5);
        assert_eq!(interpolate(&xs, &ys, 11.0), 2.0);
    }

    #[test]
    fn rounding() {
        assert_eq!(round_to(7.149, 1), 7.1);
        assert_eq!(round_to(0.035, 2), 0.04);
        assert_eq!(round_to(99.5, 0), 100.0);
    }
}
