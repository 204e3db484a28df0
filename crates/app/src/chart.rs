//! The chart: summary, vitals entry, and observation trends.

use meridian_api::{Allergy, ChartSummary, Coded, Medication, ObservationRow, PatientBanner, Problem, RecordVitals};
use meridian_domain::access::Action;
use meridian_domain::measure::{self, BP_PANEL, Category, DIASTOLIC, LOINC, SYSTOLIC, UCUM};
use meridian_domain::note::NoteStatus;
use meridian_domain::time::{Date, Timestamp};
use meridian_fhir::{
    AllergyIntolerance, CodeableConcept, Condition, ConditionOnset, MedicationStatement, MedicationStatementMedication, Observation,
    ObservationEffective, ObservationValue, Resource,
};
use meridian_store::{Origin, Stored, Tx};
use serde_json::json;

use crate::guard::{Ctx, Target};
use crate::import::{parse, write};
use crate::patients::{read_patient, summary};
use crate::{App, AppError, Result};

/// SNOMED CT "No known allergy".
const NO_KNOWN_ALLERGY: &[&str] = &["716186003", "409137002", "428607008", "429625007"];

fn coded(c: Option<&CodeableConcept>) -> Coded {
    let first = c.and_then(|c| c.coding.first());
    Coded {
        system: first.and_then(|f| f.system.clone()),
        code: first.and_then(|f| f.code.as_ref().map(|c| c.as_str().to_owned())),
        display: c
            .and_then(|c| c.text.clone().or_else(|| c.coding.iter().find_map(|x| x.display.clone())))
            .or_else(|| first.and_then(|f| f.code.as_ref().map(|c| c.as_str().to_owned())))
            .unwrap_or_else(|| "(uncoded)".into()),
    }
}

fn status(c: Option<&CodeableConcept>) -> Option<String> {
    c?.coding.first()?.code.as_ref().map(|c| c.as_str().to_owned())
}

fn parsed<T>(rows: Vec<Stored>, pick: impl Fn(Resource) -> Option<T>) -> Vec<(String, i64, T)> {
    rows.into_iter()
        .filter_map(|s| {
            let r = parse(s.body.as_deref()?).ok()?;
            Some((s.id, s.version, pick(r)?))
        })
        .collect()
}

pub(crate) fn observation_row(id: &str, o: &Observation) -> ObservationRow {
    let loinc = o.loinc_code().map(str::to_owned);
    let kind = loinc.as_deref().and_then(measure::kind);
    let display = kind.map(|k| k.display.to_owned()).unwrap_or_else(|| coded(o.code.as_ref()).display);
    let (mut value, mut value_text, mut unit) = (None, None, None);
    match &o.value {
        Some(ObservationValue::Quantity(q)) => {
            value = q.value.as_ref().map(|d| d.to_f64());
            unit = q.code.as_ref().map(|c| c.as_str().to_owned()).or_else(|| q.unit.clone());
            // "<0.01" is not 0.01: keep the comparator in what is shown.
            if let (Some(c), Some(v)) = (&q.comparator, &q.value) {
                value_text = Some(format!("{}{}", c.as_str(), v.as_str()));
            }
        }
        Some(ObservationValue::String(s)) => value_text = Some(s.clone()),
        Some(ObservationValue::CodeableConcept(c)) => value_text = Some(coded(Some(c)).display),
        Some(ObservationValue::Integer(i)) => value = Some(f64::from(*i)),
        _ => {}
    }
    if loinc.as_deref() == Some(BP_PANEL) {
        let part = |code: &str| {
            o.component.iter().find(|c| c.code.as_ref().is_some_and(|cc| cc.code_for(LOINC) == Some(code))).and_then(|c| match &c.value {
                Some(ObservationValue::Quantity(q)) => q.value.as_ref().map(|d| d.to_f64()),
                _ => None,
            })
        };
        if let (Some(s), Some(d)) = (part(SYSTOLIC), part(DIASTOLIC)) {
            value = Some(s);
            value_text = Some(format!("{s:.0}/{d:.0}"));
            unit = Some("mm[Hg]".into());
        }
    }
    let flag = o
        .interpretation
        .iter()
        .flat_map(|c| c.coding.iter())
        .find_map(|c| c.code.as_ref().map(|c| c.as_str().to_owned()));
    let range = o.reference_range.first();
    ObservationRow {
        id: id.to_owned(),
        loinc,
        display,
        category: o.category.iter().flat_map(|c| c.coding.iter()).find_map(|c| c.code.as_ref().map(|c| c.as_str().to_owned())),
        value,
        value_text,
        unit,
        effective: match &o.effective {
            Some(ObservationEffective::DateTime(d)) => Some(d.as_str().to_owned()),
            Some(ObservationEffective::Instant(i)) => Some(i.as_str().to_owned()),
            _ => o.effective_epoch_millis().map(|ms| Timestamp(ms).to_rfc3339()),
        },
        flag,
        reference_low: range.and_then(|r| r.low.as_ref()?.value.as_ref().map(|d| d.to_f64())),
        reference_high: range.and_then(|r| r.high.as_ref()?.value.as_ref().map(|d| d.to_f64())),
    }
}

/// When a row was taken, for ordering (the text may carry any offset, or be a bare date).
fn when(r: &ObservationRow) -> i64 {
    r.effective
        .as_deref()
        .and_then(|e| Timestamp::parse_rfc3339(e).ok().or_else(|| meridian_domain::time::Date::parse(e).ok().map(|d| Timestamp(d.days_since_epoch() * 86_400_000))))
        .map_or(i64::MIN, |t| t.0)
}

/// The newest observation with `code` for one patient record.
async fn newest(tx: &mut Tx, patient_id: &str, code: &str) -> Result<Option<ObservationRow>> {
    Ok(tx
        .observations_by_code(patient_id, code, 1)
        .await?
        .into_iter()
        .find_map(|s| match parse(s.body.as_deref()?).ok()? {
            Resource::Observation(o) => Some(observation_row(&s.id, &o)),
            _ => None,
        }))
}

/// Ids of the patient and of every record merged into it, so a merged history shows too.
async fn chart_ids(tx: &mut Tx, patient_id: &str) -> Result<Vec<String>> {
    let mut ids = vec![patient_id.to_owned()];
    ids.extend(tx.merged_into(patient_id).await?);
    Ok(ids)
}

pub(crate) async fn banner(tx: &mut Tx, patient_id: &str, today: Date) -> Result<(PatientBanner, Vec<Allergy>)> {
    let patient = read_patient(tx, patient_id).await?;
    let mut allergies = Vec::new();
    for pid in chart_ids(tx, patient_id).await? {
        let rows = tx.patient_resources(&pid, "AllergyIntolerance").await?;
        allergies.extend(parsed(rows, |r| match r {
            Resource::AllergyIntolerance(a) => Some(*a),
            _ => None,
        }));
    }
    let allergies: Vec<Allergy> = allergies
        .into_iter()
        .filter(|(_, _, a)| {
            status(a.clinical_status.as_ref()).as_deref() != Some("resolved")
                && !matches!(status(a.verification_status.as_ref()).as_deref(), Some("entered-in-error" | "refuted"))
        })
        .map(|(id, _, a): (String, i64, AllergyIntolerance)| {
            let substance = coded(a.code.as_ref());
            let nka = a.code.as_ref().is_some_and(|c| c.coding.iter().any(|x| x.code.as_ref().is_some_and(|k| NO_KNOWN_ALLERGY.contains(&k.as_str()))));
            Allergy {
                id,
                substance,
                criticality: a.criticality.as_ref().map(|c| c.as_str().to_owned()),
                reactions: a.reaction.iter().flat_map(|r| r.manifestation.iter()).map(|m| coded(Some(m)).display).collect(),
                is_no_known_allergy: nka,
            }
        })
        .collect();
    let real: Vec<String> = allergies.iter().filter(|a| !a.is_no_known_allergy).map(|a| a.substance.display.clone()).collect();
    let allergy_status = if !real.is_empty() {
        "recorded"
    } else if allergies.iter().any(|a| a.is_no_known_allergy) {
        "nka"
    } else {
        "unknown"
    };
    let weight = tx
        .observations_by_code(patient_id, "29463-7", 1)
        .await?
        .into_iter()
        .find_map(|s| match parse(s.body.as_deref()?).ok()? {
            Resource::Observation(o) => observation_row(&s.id, &o).value,
            _ => None,
        });
    let banner = PatientBanner {
        patient: summary(&patient, today),
        allergies: real,
        allergy_status: allergy_status.into(),
        code_status: None,
        weight_kg: weight,
    };
    Ok((banner, allergies))
}

impl App {
    /// Everything a physician looks at first: banner, active problems, allergies, active
    /// medications, the latest value of each vital sign and the last 50 laboratory results.
    pub async fn chart_summary(&self, token: &str, patient_id: &str) -> Result<ChartSummary> {
        let today = self.clock.now().date();
        self.audited(token, Action::ReadChart, Target::patient(patient_id), async |tx: &mut Tx, _ctx: &mut Ctx| {
            let (banner, allergies) = banner(tx, patient_id, today).await?;
            let ids = chart_ids(tx, patient_id).await?;
            let mut problems = Vec::new();
            let mut medications = Vec::new();
            let mut vitals: Vec<ObservationRow> = Vec::new();
            let mut labs: Vec<ObservationRow> = Vec::new();
            let mut unsigned = 0u32;
            for pid in &ids {
                let rows = tx.patient_resources(pid, "Condition").await?;
                problems.extend(parsed(rows, |r| match r {
                    Resource::Condition(c) => Some(*c),
                    _ => None,
                }).into_iter().filter(|(_, _, c)| {
                    !matches!(status(c.clinical_status.as_ref()).as_deref(), Some("resolved" | "inactive" | "remission"))
                        && !matches!(status(c.verification_status.as_ref()).as_deref(), Some("entered-in-error" | "refuted"))
                }).map(|(id, _, c): (String, i64, Condition)| Problem {
                    id,
                    condition: coded(c.code.as_ref()),
                    clinical_status: status(c.clinical_status.as_ref()),
                    onset: match &c.onset {
                        Some(ConditionOnset::DateTime(d)) => Some(d.as_str().to_owned()),
                        _ => None,
                    },
                }));
                let rows = tx.patient_resources(pid, "MedicationStatement").await?;
                medications.extend(parsed(rows, |r| match r {
                    Resource::MedicationStatement(m) => Some(*m),
                    _ => None,
                }).into_iter().filter(|(_, _, m)| matches!(m.status.as_ref().map(|s| s.as_str()), Some("active" | "intended" | "on-hold") | None)).map(|(id, _, m): (String, i64, MedicationStatement)| Medication {
                    id,
                    medication: match &m.medication {
                        Some(MedicationStatementMedication::CodeableConcept(c)) => coded(Some(c)),
                        Some(MedicationStatementMedication::Reference(r)) => Coded { system: None, code: None, display: r.display.clone().unwrap_or_else(|| "(medication)".into()) },
                        None => coded(None),
                    },
                    status: m.status.as_ref().map(|s| s.as_str().to_owned()),
                    dosage: m.dosage.first().and_then(|d| d.to_value().ok()?.get("text")?.as_str().map(str::to_owned)),
                }));
                // The newest value of every vital sign, however long ago the rarer ones (height)
                // were taken, across merged records.
                for kind in measure::KINDS.iter().filter(|k| k.category == Category::VitalSigns && k.loinc != SYSTOLIC && k.loinc != DIASTOLIC) {
                    vitals.extend(newest(tx, pid, kind.loinc).await?);
                }
                vitals.extend(newest(tx, pid, BP_PANEL).await?);
                for s in tx.observations(pid, Category::Laboratory.code(), 50).await? {
                    if let Some(Resource::Observation(o)) = s.body.as_deref().and_then(|b| parse(b).ok()) {
                        labs.push(observation_row(&s.id, &o));
                    }
                }
                for s in tx.patient_resources(pid, "DocumentReference").await? {
                    if let Some(Resource::DocumentReference(d)) = s.body.as_deref().and_then(|b| parse(b).ok()) {
                        if NoteStatus::from_doc_status(d.doc_status.as_ref().map(|c| c.as_str())) == NoteStatus::Draft {
                            unsigned += 1;
                        }
                    }
                }
            }
            vitals.sort_by_key(|r| std::cmp::Reverse(when(r)));
            let mut seen = std::collections::HashSet::new();
            vitals.retain(|r| seen.insert(r.loinc.clone()));
            labs.sort_by_key(|r| std::cmp::Reverse(when(r)));
            labs.truncate(50);
            Ok(ChartSummary { banner, problems, allergies, medications, latest_vitals: vitals, recent_labs: labs, unsigned_notes: unsigned })
        })
        .await
    }

    /// A patient's encounters, newest first (merged records included).
    pub async fn encounters(&self, token: &str, patient_id: &str) -> Result<Vec<meridian_api::EncounterRow>> {
        self.audited(token, Action::ReadChart, Target::patient(patient_id), async |tx: &mut Tx, _ctx: &mut Ctx| {
            let mut out = Vec::new();
            for pid in chart_ids(tx, patient_id).await? {
                let rows = tx.patient_resources(&pid, "Encounter").await?;
                out.extend(parsed(rows, |r| match r {
                    Resource::Encounter(e) => Some(*e),
                    _ => None,
                }).into_iter().map(|(id, _, e)| {
                    let text = |c: Option<&CodeableConcept>| c.map(|c| coded(Some(c)).display);
                    meridian_api::EncounterRow {
                        id,
                        class: e.class.as_ref().and_then(|c| c.display.clone().or_else(|| c.code.as_ref().map(|k| k.as_str().to_owned()))),
                        kind: text(e.r#type.first()),
                        status: e.status.as_ref().map(|s| s.as_str().to_owned()),
                        start: e.period.as_ref().and_then(|p| p.start.as_ref().map(|d| d.as_str().to_owned())),
                        end: e.period.as_ref().and_then(|p| p.end.as_ref().map(|d| d.as_str().to_owned())),
                        reason: text(e.reason_code.first()),
                        clinician: e.participant.iter().find_map(|p| p.individual.as_ref()?.display.clone()),
                    }
                }));
            }
            let key = |r: &meridian_api::EncounterRow| r.start.as_deref().and_then(|s| Timestamp::parse_rfc3339(s).ok()).map_or(i64::MIN, |t| t.0);
            out.sort_by_key(|r| std::cmp::Reverse(key(r)));
            Ok(out)
        })
        .await
    }

    /// A patient's values for one code, newest first: a flowsheet row or a trend plot.
    pub async fn observation_trend(&self, token: &str, patient_id: &str, loinc: &str, limit: u32) -> Result<Vec<ObservationRow>> {
        self.audited(token, Action::ReadChart, Target::patient(patient_id), async |tx: &mut Tx, _ctx: &mut Ctx| {
            let mut out = Vec::new();
            for pid in chart_ids(tx, patient_id).await? {
                for s in tx.observations_by_code(&pid, loinc, i64::from(limit)).await? {
                    if let Some(Resource::Observation(o)) = s.body.as_deref().and_then(|b| parse(b).ok()) {
                        out.push(observation_row(&s.id, &o));
                    }
                }
            }
            out.sort_by_key(|r| std::cmp::Reverse(when(r)));
            out.truncate(limit as usize);
            Ok(out)
        })
        .await
    }

    /// Records a set of vital signs taken together. Units are checked (and °F, lb converted),
    /// impossible values refused, each value flagged against its reference range. Systolic and
    /// diastolic pressure are stored as one blood-pressure panel.
    pub async fn record_vitals(&self, token: &str, req: &RecordVitals) -> Result<Vec<ObservationRow>> {
        let now = self.clock.now();
        let effective = match req.effective.as_deref() {
            Some(t) => {
                let ts = Timestamp::parse_rfc3339(t).map_err(|e| AppError::Validation(format!("time taken: {e}")))?;
                if ts.0 > now.0 + 5 * 60_000 {
                    return Err(AppError::Validation("time taken: the time lies in the future".into()));
                }
                ts
            }
            None => now,
        };
        if req.entries.is_empty() {
            return Err(AppError::Validation("enter at least one vital sign".into()));
        }
        let mut measured = Vec::new();
        for e in &req.entries {
            let m = measure::measure(&e.loinc, e.value, &e.unit).map_err(|e| AppError::Validation(e.to_string()))?;
            if m.kind.category != Category::VitalSigns {
                return Err(AppError::Validation(format!("{} is a laboratory test, not a vital sign", m.kind.display)));
            }
            measured.push(m);
        }
        let sys = measured.iter().find(|m| m.kind.loinc == SYSTOLIC).copied();
        let dia = measured.iter().find(|m| m.kind.loinc == DIASTOLIC).copied();
        if sys.is_some() != dia.is_some() {
            return Err(AppError::Validation("blood pressure needs both systolic and diastolic values".into()));
        }
        if let (Some(s), Some(d)) = (sys, dia) {
            if d.value >= s.value {
                return Err(AppError::Validation("diastolic pressure must be below systolic".into()));
            }
        }
        let patient_id = req.patient_id.clone();
        self.audited(token, Action::RecordVitals, Target::patient(&patient_id), async |tx: &mut Tx, ctx: &mut Ctx| {
            read_patient(tx, &patient_id).await?;
            let performer = ctx.session.practitioner_id.clone();
            let base = |code: serde_json::Value| {
                let mut o = json!({
                    "resourceType": "Observation",
                    "status": "final",
                    "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs", "display": "Vital Signs"}]}],
                    "code": code,
                    "subject": {"reference": format!("Patient/{patient_id}")},
                    "effectiveDateTime": effective.to_rfc3339(),
                    "issued": ctx.now.to_rfc3339(),
                });
                if let Some(p) = &performer {
                    o["performer"] = json!([{"reference": format!("Practitioner/{p}")}]);
                }
                o
            };
            let quantity = |m: &measure::Measurement| json!({"value": m.value, "unit": m.kind.unit, "system": UCUM, "code": m.kind.unit});
            let interpretation = |m: &measure::Measurement| json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": m.flag.code()}]}]);
            let mut docs = Vec::new();
            for m in &measured {
                if m.kind.loinc == SYSTOLIC || m.kind.loinc == DIASTOLIC {
                    continue;
                }
                let mut o = base(json!({"coding": [{"system": LOINC, "code": m.kind.loinc, "display": m.kind.display}], "text": m.kind.display}));
                o["valueQuantity"] = quantity(m);
                o["interpretation"] = interpretation(m);
                if let Some((lo, hi)) = m.kind.reference {
                    o["referenceRange"] = json!([{"low": {"value": lo, "unit": m.kind.unit, "system": UCUM, "code": m.kind.unit}, "high": {"value": hi, "unit": m.kind.unit, "system": UCUM, "code": m.kind.unit}}]);
                }
                docs.push(o);
            }
            if let (Some(s), Some(d)) = (sys, dia) {
                let rank = |m: &measure::Measurement| match m.flag {
                    measure::Flag::Normal => 0,
                    measure::Flag::High | measure::Flag::Low => 1,
                    measure::Flag::CriticalHigh | measure::Flag::CriticalLow => 2,
                };
                let worst = if rank(&s) >= rank(&d) { s } else { d };
                let mut o = base(json!({"coding": [{"system": LOINC, "code": BP_PANEL, "display": "Blood pressure panel with all children optional"}], "text": "Blood pressure"}));
                o["component"] = json!([
                    {"code": {"coding": [{"system": LOINC, "code": SYSTOLIC, "display": "Systolic blood pressure"}]}, "valueQuantity": quantity(&s), "interpretation": interpretation(&s)},
                    {"code": {"coding": [{"system": LOINC, "code": DIASTOLIC, "display": "Diastolic blood pressure"}]}, "valueQuantity": quantity(&d), "interpretation": interpretation(&d)},
                ]);
                o["interpretation"] = interpretation(&worst);
                docs.push(o);
            }
            let mut rows = Vec::new();
            for doc in docs {
                let mut r = parse(&serde_json::to_vec(&doc).map_err(|e| AppError::Internal(e.to_string()))?)?;
                write(tx, ctx, &mut r, None, Origin::Local).await?;
                if let Resource::Observation(o) = &r {
                    rows.push(observation_row(r.id().unwrap_or_default(), o));
                }
            }
            Ok(rows)
        })
        .await
    }
}
