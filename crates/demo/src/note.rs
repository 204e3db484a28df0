//! Short SOAP notes that read like a clinician wrote them from the chart: the patient's actual
//! problems, medicines, allergies, latest vitals and results.

use std::fmt::Write as _;

use crate::codes::{self, Analyte, Cond, Med};
use crate::model::Episode;
use crate::people::staff_display;
use crate::time::format_note_time;

/// The latest vital signs of a visit, as recorded (rounded).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Vitals {
    pub(crate) hr: Option<f64>,
    pub(crate) sbp: Option<f64>,
    pub(crate) dbp: Option<f64>,
    pub(crate) temp: Option<f64>,
    pub(crate) rr: Option<f64>,
    pub(crate) spo2: Option<f64>,
    pub(crate) weight: Option<f64>,
    pub(crate) bmi: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoteKind {
    Progress,
    Admission,
    Discharge,
}

pub(crate) struct NoteInput<'a> {
    pub(crate) kind: NoteKind,
    pub(crate) written: i64,
    pub(crate) age: i64,
    pub(crate) gender: &'a str,
    pub(crate) setting: &'a str,
    pub(crate) episode: Episode,
    pub(crate) problems: &'a [Cond],
    pub(crate) meds: &'a [Med],
    pub(crate) allergies: &'a str,
    pub(crate) vitals: &'a Vitals,
    /// (analyte, rounded value, interpretation code)
    pub(crate) results: &'a [(Analyte, f64, &'static str)],
    pub(crate) author: usize,
}

fn person_words(age: i64, gender: &str) -> String {
    let noun = match (age, gender) {
        (0..=12, "female") => "girl",
        (0..=12, "male") => "boy",
        (0..=12, _) => "child",
        (_, "female") => "woman",
        (_, "male") => "man",
        _ => "patient",
    };
    if age == 0 {
        format!("Infant ({noun})")
    } else {
        format!("{age}-year-old {noun}")
    }
}

fn presenting(episode: Episode) -> Option<&'static str> {
    Some(match episode {
        Episode::Routine => return None,
        Episode::Acute(Cond::Pneumonia) => {
            "Presents with fever, cough productive of yellow sputum and breathlessness for 3 days."
        }
        Episode::Acute(Cond::Uti) => {
            "Presents with burning on passing urine, frequency and fever for 2 days."
        }
        Episode::Acute(Cond::ChestPain) => {
            "Presents with central chest tightness at rest lasting about 30 minutes, now settled."
        }
        Episode::Acute(Cond::Uri) => {
            "Presents with sore throat, runny nose and mild fever for 3 days."
        }
        Episode::Acute(Cond::Gastroenteritis) => {
            "Presents with vomiting and loose stools for 2 days; managing little by mouth."
        }
        Episode::Acute(Cond::Nstemi) => {
            "Presents with crushing central chest pain radiating to the left arm, with sweating."
        }
        Episode::Flare(Cond::Asthma) => {
            "Presents with wheeze and breathlessness despite frequent reliever inhaler use."
        }
        Episode::Flare(Cond::Copd) => {
            "Presents with increasing breathlessness and purulent sputum over 4 days."
        }
        Episode::Flare(Cond::HeartFailure) => {
            "Presents with worsening breathlessness on exertion, orthopnoea and ankle swelling."
        }
        Episode::Acute(_) | Episode::Flare(_) => "Presents with an acute problem.",
    })
}

fn episode_plan(episode: Episode) -> Option<&'static str> {
    Some(match episode {
        Episode::Routine => return None,
        Episode::Acute(Cond::Pneumonia) => {
            "Antibiotics per hospital pneumonia protocol; oxygen to keep SpO2 94 % or above."
        }
        Episode::Acute(Cond::Uti) => {
            "Urine culture sent; oral antibiotics for 5 days; return if fever persists."
        }
        Episode::Acute(Cond::ChestPain) => {
            "ECG without acute changes and troponin not raised; outpatient cardiology review."
        }
        Episode::Acute(Cond::Uri) => "Supportive care: fluids, paracetamol as needed.",
        Episode::Acute(Cond::Gastroenteritis) => {
            "Oral rehydration; electrolytes reviewed; safety-netting advice given."
        }
        Episode::Acute(Cond::Nstemi) => {
            "Acute coronary syndrome pathway: antiplatelets and anticoagulation; echocardiogram and coronary angiography planned."
        }
        Episode::Flare(Cond::Asthma) | Episode::Flare(Cond::Copd) => {
            "Nebulised bronchodilators and a short course of oral steroids; inhaler technique reviewed."
        }
        Episode::Flare(Cond::HeartFailure) => {
            "Intravenous diuretic; daily weights; fluid restriction; renal function monitored."
        }
        Episode::Acute(_) | Episode::Flare(_) => "Treated symptomatically.",
    })
}

fn fmt_value(a: Analyte, v: f64) -> String {
    let info = codes::analyte_info(a);
    format!("{:.*} {}", info.decimals as usize, v, info.unit)
}

/// The note as plain UTF-8 text.
pub(crate) fn soap_note(n: &NoteInput<'_>) -> String {
    let mut s = String::with_capacity(900);
    let title = match n.kind {
        NoteKind::Progress => "PROGRESS NOTE",
        NoteKind::Admission => "HISTORY AND PHYSICAL",
        NoteKind::Discharge => "PROGRESS NOTE (DAY OF DISCHARGE)",
    };
    // Writing into a String cannot fail; the results are ignored deliberately.
    let _ = writeln!(s, "{title}\nMeridian General Hospital");
    let _ = writeln!(
        s,
        "Date: {}\nSetting: {}\n",
        format_note_time(n.written),
        n.setting
    );

    let who = person_words(n.age, n.gender);
    s.push_str("S: ");
    s.push_str(&who);
    let problems: Vec<&str> = n
        .problems
        .iter()
        .map(|c| codes::cond_info(*c).text)
        .collect();
    match presenting(n.episode) {
        Some(p) => {
            s.push_str(". ");
            s.push_str(p);
            if !problems.is_empty() {
                let _ = write!(s, " Background: {}.", problems.join(", "));
            }
        }
        None if problems.is_empty() => {
            s.push_str(" seen for a routine health check. No complaints.");
        }
        None => {
            let _ = write!(
                s,
                " seen for follow-up of {}. Reports taking medicines as prescribed; no new symptoms.",
                problems.join(", ").to_lowercase()
            );
        }
    }
    if n.kind == NoteKind::Discharge {
        s.push_str(" Feeling much better; eating and mobilising.");
    }
    let _ = writeln!(s, "\nAllergies: {}\n", n.allergies);

    let v = n.vitals;
    let mut parts: Vec<String> = Vec::with_capacity(8);
    if let (Some(sbp), Some(dbp)) = (v.sbp, v.dbp) {
        parts.push(format!("BP {sbp:.0}/{dbp:.0} mmHg"));
    }
    let mut push = |label: &str, a: Analyte, x: Option<f64>| {
        if let Some(x) = x {
            parts.push(format!("{label} {}", fmt_value(a, x)));
        }
    };
    push("HR", Analyte::HeartRate, v.hr);
    push("Temp", Analyte::Temperature, v.temp);
    push("RR", Analyte::RespRate, v.rr);
    push("SpO2", Analyte::SpO2, v.spo2);
    push("Weight", Analyte::Weight, v.weight);
    push("BMI", Analyte::Bmi, v.bmi);
    let _ = write!(s, "O: {}.", parts.join(", "));
    if !n.results.is_empty() {
        let results: Vec<String> = n
            .results
            .iter()
            .map(|(a, x, flag)| {
                let text = codes::analyte_info(*a).text;
                if *flag == "N" {
                    format!("{text} {}", fmt_value(*a, *x))
                } else {
                    format!("{text} {} ({flag})", fmt_value(*a, *x))
                }
            })
            .collect();
        let _ = write!(s, "\nResults: {}.", results.join(", "));
    }
    s.push_str("\n\nA:\n");
    let mut k = 1;
    if let Episode::Acute(c) = n.episode {
        let info = codes::cond_info(c);
        let _ = writeln!(s, "{k}. {} ({})", info.text, info.icd);
        k += 1;
    }
    for c in n.problems {
        let info = codes::cond_info(*c);
        let flare = if n.episode == Episode::Flare(*c) {
            ", exacerbation"
        } else {
            ""
        };
        let _ = writeln!(s, "{k}. {} ({}){flare}", info.text, info.icd);
        k += 1;
    }
    if k == 1 {
        s.push_str("1. Healthy; no active problems.\n");
    }

    s.push_str("\nP:\n");
    if let Some(p) = episode_plan(n.episode) {
        let _ = writeln!(s, "- {p}");
    }
    for m in n.meds {
        let _ = writeln!(s, "- Continue {}.", codes::med_info(*m).plan);
    }
    let follow_up = match (n.kind, n.episode) {
        (NoteKind::Discharge, _) => "Discharge home; clinic review in 2 weeks.",
        (NoteKind::Admission, _) => {
            "Admit to ward; observations 4-hourly; review on morning round."
        }
        (_, Episode::Routine) if !n.problems.is_empty() => "Review in 3 months with repeat labs.",
        (_, Episode::Routine) => "Routine review in 12 months.",
        _ => "Follow up with primary physician in 1 week.",
    };
    let _ = writeln!(s, "- {follow_up}");
    let _ = writeln!(
        s,
        "\nElectronically signed: {}, {}",
        staff_display(n.author),
        format_note_time(n.written)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_mentions_problems_vitals_and_results() {
        let vitals = Vitals {
            hr: Some(78.0),
            sbp: Some(138.0),
            dbp: Some(86.0),
            temp: Some(36.8),
            rr: Some(16.0),
            spo2: Some(97.0),
            weight: Some(72.4),
            bmi: Some(27.9),
        };
        let text = soap_note(&NoteInput {
            kind: NoteKind::Progress,
            written: 28_000_000,
            age: 58,
            gender: "female",
            setting: "Outpatient follow-up",
            episode: Episode::Routine,
            problems: &[Cond::Diabetes, Cond::Hypertension],
            meds: &[Med::Metformin],
            allergies: "No known allergies.",
            vitals: &vitals,
            results: &[(Analyte::Hba1c, 7.4, "H")],
            author: 0,
        });
        assert!(text.contains("58-year-old woman"));
        assert!(text.contains("type 2 diabetes mellitus"));
        assert!(text.contains("(E11.9)"));
        assert!(text.contains("BP 138/86 mmHg"));
        assert!(text.contains("Temp 36.8 °C"));
        assert!(text.contains("HbA1c 7.4 % (H)"));
        assert!(text.contains("Continue metformin 500 mg twice daily."));
        assert!(text.contains("Dr. Ananya Rao"));
    }
}
