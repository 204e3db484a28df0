//! FHIR R4 JSON builders. Every builder returns a complete resource with a deterministic id.

use serde_json::{Map, Value, json};

use crate::codes::{
    self, AnalyteInfo, ICD10CM, INTERPRETATION, LOINC, OBS_CATEGORY, RXNORM, Range, SNOMED, UCUM,
};
use crate::model::round_to;
use crate::people::{STAFF, Staff, staff_display};
use crate::time::{format_local, format_utc};

pub(crate) const ORG_ID: &str = "org-meridian";
pub(crate) const ORG_NAME: &str = "Meridian General Hospital";

pub(crate) fn reference(kind: &str, id: &str) -> Value {
    json!({ "reference": format!("{kind}/{id}") })
}

pub(crate) fn org_reference() -> Value {
    json!({ "reference": "Organization/org-meridian", "display": ORG_NAME })
}

pub(crate) fn staff_reference(index: usize) -> Value {
    json!({
        "reference": format!("Practitioner/{}", STAFF[index].id),
        "display": staff_display(index),
    })
}

/// A JSON number with the analyte's precision: integers stay integers (`72`, not `72.0`).
pub(crate) fn number(v: f64, decimals: u32) -> Value {
    if decimals == 0 {
        // Physiological values are far inside i64's range.
        Value::from(v.round() as i64)
    } else {
        Value::from(round_to(v, decimals))
    }
}

fn quantity(v: f64, info: &AnalyteInfo) -> Value {
    json!({
        "value": number(v, info.decimals),
        "unit": info.unit,
        "system": UCUM,
        "code": info.ucum,
    })
}

fn coded(system: &str, code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }] })
}

fn coded_text(system: &str, code: &str, display: &str, text: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }], "text": text })
}

fn range_json(range: &Range, info: &AnalyteInfo, meaning: Option<(&str, &str)>) -> Value {
    let mut m = Map::new();
    if let Some(low) = range.low {
        m.insert("low".into(), quantity(low, info));
    }
    if let Some(high) = range.high {
        m.insert("high".into(), quantity(high, info));
    }
    if let Some((code, display)) = meaning {
        m.insert(
            "type".into(),
            coded(
                "http://terminology.hl7.org/CodeSystem/referencerange-meaning",
                code,
                display,
            ),
        );
    }
    Value::Object(m)
}

fn interpretation(code: &str, display: &str) -> Value {
    json!([{ "coding": [{ "system": INTERPRETATION, "code": code, "display": display }] }])
}

fn category(code: &str, display: &str) -> Value {
    json!([{ "coding": [{ "system": OBS_CATEGORY, "code": code, "display": display }] }])
}

/// The shared parts of every observation in one round of measurements.
pub(crate) struct ObsContext<'a> {
    pub(crate) subject: &'a Value,
    pub(crate) encounter: &'a Value,
    pub(crate) performer: &'a Value,
    pub(crate) effective: i64,
    pub(crate) issued: i64,
    pub(crate) lab: bool,
}

/// One quantity: the value (already rounded), its reference interval, and for INR on warfarin
/// the therapeutic interval as a second range.
pub(crate) struct Measured {
    pub(crate) analyte: codes::Analyte,
    pub(crate) value: f64,
    pub(crate) range: Option<Range>,
    pub(crate) therapeutic: Option<(f64, f64)>,
}

impl Measured {
    pub(crate) fn flag(&self) -> Option<(&'static str, &'static str)> {
        self.range.as_ref().map(|r| codes::interpret(self.value, r))
    }
}

fn add_result(m: &mut Map<String, Value>, measured: &Measured, info: &AnalyteInfo) {
    m.insert("valueQuantity".into(), quantity(measured.value, info));
    if let Some((code, display)) = measured.flag() {
        m.insert("interpretation".into(), interpretation(code, display));
    }
    if let Some(range) = &measured.range {
        let mut ranges = vec![range_json(
            range,
            info,
            measured.therapeutic.map(|_| ("normal", "Normal Range")),
        )];
        if let Some((low, high)) = measured.therapeutic {
            let therapeutic = Range {
                low: Some(low),
                high: Some(high),
                ..Range::default()
            };
            ranges.push(range_json(
                &therapeutic,
                info,
                Some(("therapeutic", "Therapeutic Desired Level")),
            ));
        }
        m.insert("referenceRange".into(), Value::Array(ranges));
    }
}

fn observation_head(id: String, ctx: &ObsContext<'_>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("resourceType".into(), Value::from("Observation"));
    m.insert("id".into(), Value::from(id));
    m.insert("status".into(), Value::from("final"));
    m.insert(
        "category".into(),
        if ctx.lab {
            category("laboratory", "Laboratory")
        } else {
            category("vital-signs", "Vital Signs")
        },
    );
    m
}

fn observation_tail(m: &mut Map<String, Value>, ctx: &ObsContext<'_>) {
    m.insert("subject".into(), ctx.subject.clone());
    m.insert("encounter".into(), ctx.encounter.clone());
    m.insert(
        "effectiveDateTime".into(),
        Value::from(format_local(ctx.effective)),
    );
    m.insert("issued".into(), Value::from(format_utc(ctx.issued)));
    m.insert("performer".into(), ctx.performer.clone());
}

pub(crate) fn observation(id: String, ctx: &ObsContext<'_>, measured: &Measured) -> Value {
    let info = codes::analyte_info(measured.analyte);
    let mut m = observation_head(id, ctx);
    m.insert(
        "code".into(),
        coded_text(LOINC, info.loinc, info.display, info.text),
    );
    observation_tail(&mut m, ctx);
    add_result(&mut m, measured, &info);
    Value::Object(m)
}

pub(crate) fn blood_pressure(
    id: String,
    ctx: &ObsContext<'_>,
    systolic: &Measured,
    diastolic: &Measured,
) -> Value {
    let mut m = observation_head(id, ctx);
    m.insert(
        "code".into(),
        coded_text(
            LOINC,
            "85354-9",
            "Blood pressure panel with all children optional",
            "Blood pressure",
        ),
    );
    observation_tail(&mut m, ctx);
    let component = |measured: &Measured| {
        let info = codes::analyte_info(measured.analyte);
        let mut c = Map::new();
        c.insert(
            "code".into(),
            coded_text(LOINC, info.loinc, info.display, info.text),
        );
        add_result(&mut c, measured, &info);
        Value::Object(c)
    };
    m.insert(
        "component".into(),
        Value::Array(vec![component(systolic), component(diastolic)]),
    );
    Value::Object(m)
}

pub(crate) fn organization() -> Value {
    json!({
        "resourceType": "Organization",
        "id": ORG_ID,
        "identifier": [{
            "use": "official",
            "system": crate::ORGANIZATION_SYSTEM,
            "value": "MGH-BLR-0001",
        }],
        "active": true,
        "type": [coded(
            "http://terminology.hl7.org/CodeSystem/organization-type",
            "prov",
            "Healthcare Provider",
        )],
        "name": ORG_NAME,
        "alias": ["MGH"],
        "telecom": [
            { "system": "phone", "value": "+91 80 4000 1000", "use": "work" },
            { "system": "email", "value": "contact@meridian.example", "use": "work" },
        ],
        "address": [{
            "use": "work",
            "type": "physical",
            "line": ["1 Meridian Road", "Jayanagar"],
            "city": "Bengaluru",
            "state": "Karnataka",
            "postalCode": "560041",
            "country": "IN",
        }],
    })
}

pub(crate) fn practitioner(index: usize, s: &Staff) -> Value {
    let mut name = json!({
        "use": "official",
        "text": staff_display(index),
        "family": s.family,
        "given": [s.given],
    });
    if let (Some(prefix), Some(obj)) = (s.prefix, name.as_object_mut()) {
        obj.insert("prefix".into(), json!([prefix]));
    }
    json!({
        "resourceType": "Practitioner",
        "id": s.id,
        "identifier": [{
            "use": "official",
            "system": crate::STAFF_SYSTEM,
            "value": format!("MGH-S{:04}", index + 1),
        }],
        "active": true,
        "name": [name],
        "telecom": [{ "system": "email", "value": s.email, "use": "work" }],
        "gender": s.gender,
        "qualification": [{ "code": { "text": s.qualification } }],
    })
}

pub(crate) fn condition_code(c: codes::Cond) -> Value {
    let info = codes::cond_info(c);
    json!({
        "coding": [
            { "system": ICD10CM, "code": info.icd, "display": info.icd_display },
            { "system": SNOMED, "code": info.snomed, "display": info.snomed_display },
        ],
        "text": info.text,
    })
}

pub(crate) struct ConditionSpec<'a> {
    pub(crate) id: &'a str,
    pub(crate) cond: codes::Cond,
    pub(crate) subject: &'a Value,
    pub(crate) encounter: &'a Value,
    pub(crate) onset: i64,
    pub(crate) recorded: i64,
    /// `Some(time)` for a resolved problem.
    pub(crate) abatement: Option<i64>,
    pub(crate) recorder: usize,
}

pub(crate) fn condition(spec: &ConditionSpec<'_>) -> Value {
    let (status, status_display) = if spec.abatement.is_some() {
        ("resolved", "Resolved")
    } else {
        ("active", "Active")
    };
    let (cat, cat_display) = if spec.cond.is_acute() {
        ("encounter-diagnosis", "Encounter Diagnosis")
    } else {
        ("problem-list-item", "Problem List Item")
    };
    let mut v = json!({
        "resourceType": "Condition",
        "id": spec.id,
        "clinicalStatus": coded(
            "http://terminology.hl7.org/CodeSystem/condition-clinical",
            status,
            status_display,
        ),
        "verificationStatus": coded(
            "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "confirmed",
            "Confirmed",
        ),
        "category": [coded(
            "http://terminology.hl7.org/CodeSystem/condition-category",
            cat,
            cat_display,
        )],
        "code": condition_code(spec.cond),
        "subject": spec.subject,
        "encounter": spec.encounter,
        "onsetDateTime": format_local(spec.onset),
        "recordedDate": format_local(spec.recorded),
        "recorder": staff_reference(spec.recorder),
    });
    if let (Some(t), Some(obj)) = (spec.abatement, v.as_object_mut()) {
        obj.insert("abatementDateTime".into(), Value::from(format_local(t)));
    }
    v
}

pub(crate) struct AllergySpec<'a> {
    pub(crate) id: &'a str,
    pub(crate) allergen: Option<codes::Allergen>,
    pub(crate) subject: &'a Value,
    pub(crate) encounter: &'a Value,
    pub(crate) recorded: i64,
    pub(crate) recorder: usize,
    pub(crate) reaction: (&'static str, &'static str),
    pub(crate) severity: &'static str,
    pub(crate) criticality: &'static str,
}

pub(crate) fn allergy(spec: &AllergySpec<'_>) -> Value {
    let clinical = coded(
        "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
        "active",
        "Active",
    );
    let verification = coded(
        "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
        "confirmed",
        "Confirmed",
    );
    let Some(allergen) = spec.allergen else {
        let (code, display) = codes::NO_KNOWN_ALLERGY;
        return json!({
            "resourceType": "AllergyIntolerance",
            "id": spec.id,
            "clinicalStatus": clinical,
            "verificationStatus": verification,
            "code": coded_text(SNOMED, code, display, "No known allergies"),
            "patient": spec.subject,
            "encounter": spec.encounter,
            "recordedDate": format_local(spec.recorded),
            "recorder": staff_reference(spec.recorder),
        });
    };
    let info = codes::allergen_info(allergen);
    json!({
        "resourceType": "AllergyIntolerance",
        "id": spec.id,
        "clinicalStatus": clinical,
        "verificationStatus": verification,
        "type": "allergy",
        "category": [info.category],
        "criticality": spec.criticality,
        "code": coded_text(SNOMED, info.snomed, info.display, info.text),
        "patient": spec.subject,
        "encounter": spec.encounter,
        "recordedDate": format_local(spec.recorded),
        "recorder": staff_reference(spec.recorder),
        "reaction": [{
            "manifestation": [coded(SNOMED, spec.reaction.0, spec.reaction.1)],
            "severity": spec.severity,
        }],
    })
}

pub(crate) struct MedSpec<'a> {
    pub(crate) id: &'a str,
    pub(crate) med: codes::Med,
    pub(crate) subject: &'a Value,
    pub(crate) encounter: &'a Value,
    pub(crate) start: i64,
    pub(crate) asserted: i64,
    pub(crate) reason_id: &'a str,
    pub(crate) source: usize,
}

pub(crate) fn medication_statement(spec: &MedSpec<'_>) -> Value {
    let info = codes::med_info(spec.med);
    let route = if info.oral {
        coded(SNOMED, "26643006", "Oral route")
    } else {
        json!({ "text": "Inhalation" })
    };
    let mut dosage = json!({
        "text": info.dosage,
        "route": route,
        "doseAndRate": [{
            "doseQuantity": {
                "value": info.dose_value,
                "unit": info.dose_unit,
                "system": UCUM,
                "code": info.dose_ucum,
            },
        }],
    });
    if let Some(obj) = dosage.as_object_mut() {
        if info.as_needed {
            obj.insert("asNeededBoolean".into(), Value::Bool(true));
        } else {
            obj.insert(
                "timing".into(),
                json!({ "repeat": { "frequency": info.per_day, "period": 1, "periodUnit": "d" } }),
            );
        }
    }
    json!({
        "resourceType": "MedicationStatement",
        "id": spec.id,
        "status": "active",
        "medicationCodeableConcept": coded_text(RXNORM, info.rxnorm, info.display, info.text),
        "subject": spec.subject,
        "context": spec.encounter,
        "effectivePeriod": { "start": format_local(spec.start) },
        "dateAsserted": format_local(spec.asserted),
        "informationSource": staff_reference(spec.source),
        "reasonReference": [reference("Condition", spec.reason_id)],
        "dosage": [dosage],
    })
}

pub(crate) struct NoteSpec<'a> {
    pub(crate) id: &'a str,
    pub(crate) history_and_physical: bool,
    pub(crate) subject: &'a Value,
    pub(crate) encounter: &'a Value,
    pub(crate) author: usize,
    pub(crate) date: i64,
    pub(crate) period: (i64, i64),
    pub(crate) text: &'a str,
}

pub(crate) fn document_reference(spec: &NoteSpec<'_>) -> Value {
    let (code, display, title) = if spec.history_and_physical {
        (
            "34117-2",
            "History and physical note",
            "History and physical",
        )
    } else {
        ("11506-3", "Progress note", "Progress note")
    };
    json!({
        "resourceType": "DocumentReference",
        "id": spec.id,
        "status": "current",
        "docStatus": "final",
        "type": coded(LOINC, code, display),
        "subject": spec.subject,
        "date": format_local(spec.date),
        "author": [staff_reference(spec.author)],
        "authenticator": staff_reference(spec.author),
        "custodian": org_reference(),
        "content": [{
            "attachment": {
                "contentType": "text/plain; charset=utf-8",
                "language": "en",
                "data": crate::ids::base64(spec.text.as_bytes()),
                "title": title,
                "creation": format_local(spec.date),
            },
        }],
        "context": {
            "encounter": [spec.encounter],
            "period": {
                "start": format_local(spec.period.0),
                "end": format_local(spec.period.1),
            },
        },
    })
}
