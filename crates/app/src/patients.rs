//! Registration with duplicate detection, search as you type, and merge.

use meridian_api::{DuplicateCandidate, PatientSummary, RegisterPatient, Registration};
use meridian_domain::access::Action;
use meridian_domain::event::DomainEvent;
use meridian_domain::identifier::{ABHA_SYSTEM, AbhaNumber, MRN_SYSTEM, Mrn, check_identifier};
use meridian_domain::text;
use meridian_domain::time::Date;
use meridian_fhir::{Patient, Resource};
use meridian_mpi::MatchBand;
use meridian_store::{Origin, PatientQuery, Tx};
use serde_json::json;

use crate::guard::{Ctx, Target};
use crate::import::{parse, write};
use crate::index::{abha, demographics, norm, norm_identifier};
use crate::{App, AppError, Result};

pub(crate) fn summary(p: &Patient, today: Date) -> PatientSummary {
    let family = p.family_name().unwrap_or_default();
    let given = p.given_names().join(" ");
    let display_name = match (family.is_empty(), given.is_empty()) {
        (false, false) => format!("{}, {given}", family.to_uppercase()),
        (false, true) => family.to_uppercase(),
        (true, _) => given,
    };
    let birth = p.birth_date.as_ref().and_then(|d| match d.ymd() {
        (y, Some(m), Some(d)) => Date::new(i32::from(y), m, d).ok(),
        _ => None,
    });
    let merged_into = p
        .link
        .iter()
        .find(|l| l.r#type.as_ref().is_some_and(|t| t.as_str() == "replaced-by"))
        .and_then(|l| l.other.as_ref()?.id_of("Patient").map(str::to_owned));
    PatientSummary {
        id: p.id.as_ref().map(|i| i.as_str().to_owned()).unwrap_or_default(),
        display_name,
        birth_date: p.birth_date.as_ref().map(|d| d.as_str().to_owned()),
        age: birth.map(|b| age_text(b, today)),
        sex: p.gender.as_ref().map(|g| g.as_str().to_owned()),
        mrn: p.identifier(MRN_SYSTEM).and_then(|i| i.value.clone()),
        abha: abha(p),
        merged_into,
        last_vitals: None,
        vitals_due: false,
    }
}

/// Ages as clinicians write them: years from 2, months under 2 years, days under a month.
fn age_text(born: Date, today: Date) -> String {
    let years = born.age_on(today);
    if years >= 2 {
        return format!("{years} y");
    }
    let days = today.days_since_epoch() - born.days_since_epoch();
    if days < 31 { format!("{days} d") } else { format!("{} mo", days / 30) }
}

pub(crate) async fn read_patient(tx: &mut Tx, id: &str) -> Result<Patient> {
    let stored = tx.read("Patient", id).await?.ok_or(AppError::NotFound("patient"))?;
    if stored.deleted {
        return Err(AppError::Gone("patient"));
    }
    match parse(stored.body.as_deref().unwrap_or_default())? {
        Resource::Patient(p) => Ok(*p),
        _ => Err(AppError::Internal("stored Patient is not a Patient".into())),
    }
}

/// Vital signs are due when none were taken in this long (a common ward routine is every 8 h).
const VITALS_INTERVAL_MS: i64 = 8 * 3600 * 1000;

/// Splits what a user typed into name prefixes, a birth date and an identifier.
pub(crate) fn parse_query(text: &str, limit: i64) -> Result<PatientQuery> {
    let mut q = PatientQuery { limit, ..PatientQuery::default() };
    for token in text.split(|c: char| c.is_whitespace() || c == ',') {
        if token.is_empty() {
            continue;
        }
        if let Some(date) = parse_search_date(token) {
            q.birth_date = Some(date.to_string());
        } else if token.chars().any(|c| c.is_ascii_digit()) {
            q.identifier = Some(norm_identifier(token));
        } else {
            // Names are indexed by their hyphen-separated parts (Al-Farsi: al, farsi).
            for part in token.split('-') {
                let n = norm(part);
                if !n.is_empty() {
                    q.name_prefixes.push(n);
                }
            }
        }
    }
    Ok(q)
}

/// `YYYY-MM-DD`, or day first as written in India and Europe: `DD/MM/YYYY`, `DD-MM-YYYY`,
/// `DD.MM.YYYY`.
fn parse_search_date(t: &str) -> Option<Date> {
    if let Ok(d) = Date::parse(t) {
        return Some(d);
    }
    let parts: Vec<&str> = t.split(['/', '-', '.']).collect();
    if let [d, m, y] = parts.as_slice() {
        if y.len() == 4 {
            return Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok();
        }
    }
    None
}

fn band_name(b: MatchBand) -> &'static str {
    match b {
        MatchBand::Certain => "certain",
        MatchBand::Probable => "probable",
        MatchBand::Possible => "possible",
        MatchBand::Unlikely => "unlikely",
    }
}

/// Evidence in words for the duplicate warning.
fn evidence_text(e: &meridian_mpi::Evidence) -> String {
    let raw = format!("{e:?}");
    let mut out = String::new();
    for (i, c) in raw.chars().enumerate() {
        match c {
            '(' | ')' => out.push(' '),
            c if c.is_uppercase() && i > 0 => {
                out.push(' ');
                out.extend(c.to_lowercase());
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Validated {
    family: String,
    given: Vec<String>,
    birth: Date,
    sex: String,
    mrn: Option<String>,
    abha: Option<String>,
    warnings: Vec<String>,
}

fn validate(r: &RegisterPatient, today: Date) -> Result<Validated> {
    let v = |e: &dyn std::fmt::Display| AppError::Validation(e.to_string());
    let family = text::short("family name", &r.family).map_err(|e| v(&e))?;
    let given = r
        .given
        .iter()
        .filter(|g| !g.trim().is_empty())
        .map(|g| text::short("given name", g))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| v(&e))?;
    let birth = Date::parse(r.birth_date.trim()).map_err(|e| AppError::Validation(format!("birth date: {e}")))?;
    if birth > today {
        return Err(AppError::Validation("birth date: the date lies in the future".into()));
    }
    if today.year - birth.year > 130 {
        return Err(AppError::Validation("birth date: more than 130 years ago; check the year".into()));
    }
    let sex = match r.sex.trim() {
        s @ ("female" | "male" | "other" | "unknown") => s.to_owned(),
        _ => return Err(AppError::Validation("sex must be female, male, other or unknown".into())),
    };
    let mrn = match r.mrn.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => Some(Mrn::parse(m).map_err(|e| AppError::Validation(format!("MRN: {e}")))?.to_string()),
        None => None,
    };
    let mut warnings = Vec::new();
    let abha = match r.abha.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(a) => {
            let n = AbhaNumber::parse(a).map_err(|e| AppError::Validation(format!("ABHA number: {e}")))?;
            if !n.checksum_ok() {
                warnings.push("the ABHA number's check digit does not match; verify it with the patient's ABHA card".to_owned());
            }
            Some(n.formatted())
        }
        None => None,
    };
    for i in &r.other_identifiers {
        check_identifier(&i.system, &i.value).map_err(|e| AppError::Validation(format!("identifier: {e}")))?;
    }
    for (field, value) in [("phone", &r.phone), ("address", &r.address_line), ("city", &r.city), ("postal code", &r.postal_code)] {
        if let Some(s) = value.as_deref().filter(|s| !s.trim().is_empty()) {
            text::short(field, s).map_err(|e| v(&e))?;
        }
    }
    Ok(Validated { family, given, birth, sex, mrn, abha, warnings })
}

impl App {
    /// Search as you type: name prefixes, birth date, MRN or ABHA number, in any order.
    pub async fn search_patients(&self, token: &str, text: &str) -> Result<Vec<PatientSummary>> {
        let q = parse_query(text, 25)?;
        let today = self.clock.now().date();
        self.audited(token, Action::SearchPatients, Target::none(), async |tx: &mut Tx, _ctx: &mut Ctx| {
            let ids = tx.search_patients(&q).await?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push(summary(&read_patient(tx, &id).await?, today));
            }
            Ok(out)
        })
        .await
    }

    /// The patients in the user's care (the physician's "my patients", the nurse's ward list),
    /// each with when vital signs were last taken and whether they are due (none in 8 hours).
    pub async fn my_patients(&self, token: &str) -> Result<Vec<PatientSummary>> {
        let now = self.clock.now();
        let due_before = meridian_domain::time::Timestamp(now.0 - VITALS_INTERVAL_MS).to_rfc3339();
        self.audited(token, Action::SearchPatients, Target::none(), async |tx: &mut Tx, ctx: &mut Ctx| {
            let ids = tx.patients_of(&ctx.session.user_id, 200).await?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let mut s = summary(&read_patient(tx, &id).await?, now.date());
                s.last_vitals = tx.latest_observation_time(&id, "vital-signs").await?;
                s.vitals_due = s.last_vitals.as_ref().is_none_or(|t| *t < due_before);
                out.push(s);
            }
            Ok(out)
        })
        .await
    }

    /// Registers a patient after checking the master patient index. Likely duplicates hold the
    /// registration back until the user confirms (`confirmed_not_duplicate`); an ABHA number
    /// that fails its check digit only warns.
    pub async fn register_patient(&self, token: &str, r: &RegisterPatient) -> Result<Registration> {
        let now = self.clock.now();
        let today = now.date();
        let v = validate(r, today)?;
        self.audited(token, Action::RegisterPatient, Target { rtype: Some("Patient"), id: None, patient: None }, async |tx: &mut Tx, ctx: &mut Ctx| {
            if let Some(mrn) = &v.mrn {
                let q = PatientQuery { identifier: Some(norm_identifier(mrn)), limit: 5, include_merged: true, ..PatientQuery::default() };
                if !tx.search_patients(&q).await?.is_empty() {
                    return Err(AppError::Validation("MRN: that number is already assigned to another patient".into()));
                }
            }
            // The MRN is assigned after the duplicate check (a held registration uses none up);
            // a placeholder stands in while the record is built and compared.
            let mut identifiers = vec![json!({"use": "usual", "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}, "system": MRN_SYSTEM, "value": v.mrn.clone().unwrap_or_else(|| "PENDING".into())})];
            if let Some(a) = &v.abha {
                identifiers.push(json!({"system": ABHA_SYSTEM, "value": a}));
            }
            for i in &r.other_identifiers {
                identifiers.push(json!({"system": i.system.trim(), "value": i.value.trim()}));
            }
            let mut patient = json!({
                "resourceType": "Patient",
                "identifier": identifiers,
                "active": true,
                "name": [{"use": "official", "family": v.family, "given": v.given}],
                "gender": v.sex,
                "birthDate": v.birth.to_string(),
            });
            if let Some(phone) = r.phone.as_deref().filter(|s| !s.trim().is_empty()) {
                patient["telecom"] = json!([{"system": "phone", "value": phone.trim()}]);
            }
            if r.address_line.is_some() || r.city.is_some() || r.postal_code.is_some() {
                let mut a = json!({"use": "home"});
                if let Some(l) = r.address_line.as_deref().filter(|s| !s.trim().is_empty()) {
                    a["line"] = json!([l.trim()]);
                }
                if let Some(c) = r.city.as_deref().filter(|s| !s.trim().is_empty()) {
                    a["city"] = json!(c.trim());
                }
                if let Some(p) = r.postal_code.as_deref().filter(|s| !s.trim().is_empty()) {
                    a["postalCode"] = json!(p.trim());
                }
                patient["address"] = json!([a]);
            }
            let bytes = serde_json::to_vec(&patient).map_err(|e| AppError::Internal(e.to_string()))?;
            let mut resource = parse(&bytes)?;
            let Resource::Patient(p) = &resource else { return Err(AppError::Internal("built a non-Patient".into())) };
            let demo = demographics(p);

            let mut duplicates = Vec::new();
            for id in tx.mpi_candidates(&meridian_mpi::blocking_keys(&demo)).await? {
                let other = read_patient(tx, &id).await?;
                let c = meridian_mpi::compare(&demo, &demographics(&other));
                if c.band >= MatchBand::Possible {
                    duplicates.push(DuplicateCandidate {
                        patient: summary(&other, today),
                        score: c.score,
                        band: band_name(c.band).to_owned(),
                        evidence: c.evidence.iter().map(evidence_text).collect(),
                    });
                }
            }
            duplicates.sort_by(|a, b| b.score.total_cmp(&a.score));
            duplicates.truncate(10);
            if !duplicates.is_empty() {
                // The candidates were shown to the user: the trail says which records.
                let ids: Vec<&str> = duplicates.iter().map(|d| d.patient.id.as_str()).collect();
                ctx.detail = Some(format!("duplicate-candidates:{}", ids.join(",")));
            }
            if !duplicates.is_empty() && !r.confirmed_not_duplicate {
                return Ok(Registration { patient: None, duplicates, warnings: v.warnings.clone() });
            }
            if v.mrn.is_none() {
                patient["identifier"][0]["value"] = json!(next_mrn(tx).await?);
                resource = parse(&serde_json::to_vec(&patient).map_err(|e| AppError::Internal(e.to_string()))?)?;
            }
            write(tx, ctx, &mut resource, None, Origin::Local).await?;
            let Resource::Patient(p) = &resource else { return Err(AppError::Internal("built a non-Patient".into())) };
            let id = p.id.as_ref().map(|i| i.as_str().to_owned()).unwrap_or_default();
            // The registering clinician cares for the patient from now on.
            if matches!(ctx.session.role, meridian_domain::access::Role::Physician | meridian_domain::access::Role::Nurse) {
                tx.add_care_relationship(&ctx.session.user_id, &id, "registered").await?;
            }
            ctx.created = Some(("Patient".into(), id.clone(), Some(id)));
            Ok(Registration { patient: Some(summary(p, today)), duplicates, warnings: v.warnings.clone() })
        })
        .await
    }

    /// Merges `merged_id` into `surviving_id` (administrators). Nothing is deleted: the merged
    /// record is deactivated with `Patient.link` `replaced-by`, the survivor gains `replaces`,
    /// care relationships move, and both histories stay readable from the survivor's chart.
    pub async fn merge_patients(&self, token: &str, surviving_id: &str, merged_id: &str) -> Result<()> {
        if surviving_id == merged_id {
            return Err(AppError::Validation("a patient cannot be merged into itself".into()));
        }
        self.audited(token, Action::MergePatients, Target::patient(surviving_id), async |tx: &mut Tx, ctx: &mut Ctx| {
            merge_in_tx(tx, ctx, surviving_id, merged_id).await
        })
        .await
    }
}

/// The merge itself, inside a use case's transaction (an administrator's merge, or an HL7
/// ADT^A40 from the hospital's master patient index).
pub(crate) async fn merge_in_tx(tx: &mut Tx, ctx: &mut Ctx, surviving_id: &str, merged_id: &str) -> Result<()> {
    if surviving_id == merged_id {
        return Err(AppError::Validation("a patient cannot be merged into itself".into()));
    }
    let survivor = read_patient(tx, surviving_id).await?;
    let merged = read_patient(tx, merged_id).await?;
    if summary(&survivor, Date { year: 2000, month: 1, day: 1 }).merged_into.is_some() {
        return Err(AppError::Validation("the surviving record was itself merged; pick the record it was merged into".into()));
    }
    if summary(&merged, Date { year: 2000, month: 1, day: 1 }).merged_into.is_some() {
        return Err(AppError::Validation("that record was already merged".into()));
    }
    let mut s = serde_json::to_value(&survivor).map_err(|e| AppError::Internal(e.to_string()))?;
    push_link(&mut s, merged_id, "replaces");
    let mut m = serde_json::to_value(&merged).map_err(|e| AppError::Internal(e.to_string()))?;
    push_link(&mut m, surviving_id, "replaced-by");
    m["active"] = json!(false);
    for value in [s, m] {
        let mut r = parse(&serde_json::to_vec(&value).map_err(|e| AppError::Internal(e.to_string()))?)?;
        write(tx, ctx, &mut r, None, Origin::Local).await?;
    }
    tx.move_care_relationships(merged_id, surviving_id).await?;
    crate::hl7_out::enqueue_merge(tx, ctx, &survivor, &merged).await?;
    ctx.events.push(DomainEvent::PatientsMerged { surviving_id: surviving_id.to_owned(), merged_id: merged_id.to_owned() });
    ctx.detail = Some(format!("merged:{merged_id}"));
    Ok(())
}

/// The patient holding one of `identifiers` (same system and value), if any.
pub(crate) async fn find_by_identifiers(tx: &mut Tx, identifiers: &[meridian_fhir::Identifier]) -> Result<Option<String>> {
    for ident in identifiers {
        let (Some(system), Some(value)) = (ident.system.as_deref(), ident.value.as_deref()) else { continue };
        let q = PatientQuery { identifier: Some(norm_identifier(value)), limit: 20, include_merged: true, ..PatientQuery::default() };
        for id in tx.search_patients(&q).await? {
            let Ok(p) = read_patient(tx, &id).await else { continue };
            if p.identifier.iter().any(|i| i.system.as_deref() == Some(system) && i.value.as_deref() == Some(value)) {
                return Ok(Some(id));
            }
        }
    }
    Ok(None)
}

/// A new hospital MRN for a patient that arrives without one (an HL7 feed's PID).
pub(crate) async fn assign_mrn(tx: &mut Tx) -> Result<String> {
    next_mrn(tx).await
}

fn push_link(patient: &mut serde_json::Value, other: &str, kind: &str) {
    let link = json!({"other": {"reference": format!("Patient/{other}")}, "type": kind});
    match patient.get_mut("link").and_then(|l| l.as_array_mut()) {
        Some(links) => links.push(link),
        None => patient["link"] = json!([link]),
    }
}

/// The next unused hospital MRN, from a counter kept in the store (skipping numbers that were
/// entered by hand or imported).
async fn next_mrn(tx: &mut Tx) -> Result<String> {
    let mut next: i64 = tx.meta("next_mrn").await?.and_then(|s| s.parse().ok()).unwrap_or(900_001);
    loop {
        let mrn = format!("MRN{next:06}");
        next += 1;
        let q = PatientQuery { identifier: Some(mrn.clone()), limit: 1, include_merged: true, ..PatientQuery::default() };
        if tx.search_patients(&q).await?.is_empty() {
            tx.set_meta("next_mrn", &next.to_string()).await?;
            return Ok(mrn);
        }
    }
}
