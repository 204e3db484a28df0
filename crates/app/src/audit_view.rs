//! Reading the audit trail: who saw this patient, chain verification, break-the-glass, and
//! export as FHIR AuditEvent resources.

use meridian_api::{AuditRow, AuditVerification};
use meridian_domain::access::Action;
use meridian_domain::audit::Outcome;
use meridian_domain::event::DomainEvent;
use meridian_domain::text;
use meridian_store::{AuditRecord, Tx};
use serde_json::{Value, json};

use crate::guard::{Ctx, Target};
use crate::{App, AppError, Result};

fn row(r: &AuditRecord) -> AuditRow {
    let e = &r.entry;
    AuditRow {
        seq: r.seq,
        at: e.at.to_rfc3339(),
        user_id: e.user_id.clone(),
        username: e.user_id.strip_prefix("user-").map(str::to_owned),
        role: e.role.as_str().into(),
        action: e.action.as_str().into(),
        resource: match (&e.resource_type, &e.resource_id) {
            (Some(t), Some(i)) => Some(format!("{t}/{i}")),
            (Some(t), None) => Some(t.clone()),
            _ => None,
        },
        patient_id: e.patient_id.clone(),
        outcome: e.outcome.as_str().into(),
        flagged: e.flagged,
        detail: e.detail.clone(),
    }
}

/// One record as a FHIR R4 AuditEvent (DICOM audit codes, as the FHIR examples use).
pub(crate) fn audit_event(r: &AuditRecord) -> Value {
    let e = &r.entry;
    let (type_code, type_display) = match e.action {
        Action::Login => ("110114", "User Authentication"),
        Action::ImportRecords => ("110107", "Import"),
        Action::ExportAuditTrail => ("110106", "Export"),
        _ => ("110110", "Patient Record"),
    };
    let fhir_action = if e.action.is_read() {
        "R"
    } else if matches!(e.action, Action::RegisterPatient | Action::ImportRecords) {
        "C"
    } else {
        "U"
    };
    let outcome = match e.outcome {
        Outcome::Success => "0",
        Outcome::Denied => "4",
        Outcome::Failed => "8",
    };
    let mut entities = Vec::new();
    if let Some(p) = &e.patient_id {
        entities.push(json!({"what": {"reference": format!("Patient/{p}")}, "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1", "display": "Person"}, "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1", "display": "Patient"}}));
    }
    if let (Some(t), Some(i)) = (&e.resource_type, &e.resource_id) {
        if t != "Patient" && t != "User" && t != "CareRelationship" {
            entities.push(json!({"what": {"reference": format!("{t}/{i}")}, "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2", "display": "System Object"}}));
        }
    }
    let mut ev = json!({
        "resourceType": "AuditEvent",
        "id": format!("audit-{}", r.seq),
        "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": type_code, "display": type_display},
        "subtype": [{"system": "https://meridian.example.org/fhir/CodeSystem/action", "code": e.action.as_str()}],
        "action": fhir_action,
        "recorded": e.at.to_rfc3339(),
        "outcome": outcome,
        "agent": [{
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleClass", "code": "PROV", "display": "healthcare provider"}]},
            "role": [{"coding": [{"system": "https://meridian.example.org/fhir/CodeSystem/role", "code": e.role.as_str()}]}],
            "who": {"identifier": {"system": "https://meridian.example.org/fhir/sid/user", "value": e.user_id}},
            "requestor": true,
        }],
        "source": {"observer": {"display": "Meridian workstation"}, "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "1", "display": "User Device"}]},
    });
    if let Some(d) = &e.detail {
        ev["outcomeDesc"] = json!(d);
    }
    if e.flagged {
        ev["purposeOfEvent"] = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "ETREAT", "display": "Emergency Treatment"}]}]);
    }
    if !entities.is_empty() {
        ev["entity"] = Value::Array(entities);
    }
    ev
}

impl App {
    /// Who saw or changed this patient's record, newest first (administrators).
    pub async fn patient_audit(&self, token: &str, patient_id: &str, limit: u32) -> Result<Vec<AuditRow>> {
        self.audited(token, Action::ReadAuditTrail, Target::patient(patient_id), async |tx: &mut Tx, _ctx: &mut Ctx| {
            Ok(tx.audit_for_patient(patient_id, i64::from(limit)).await?.iter().map(row).collect())
        })
        .await
    }

    /// Walks the whole chain (administrators). The check itself is audited.
    pub async fn verify_audit(&self, token: &str) -> Result<AuditVerification> {
        let report = self
            .audited(token, Action::ReadAuditTrail, Target::none(), async |_tx: &mut Tx, _ctx: &mut Ctx| Ok(self.store.verify_audit().await?))
            .await?;
        Ok(AuditVerification {
            records: report.records,
            intact: report.is_intact(),
            problems: report.problems.iter().map(ToString::to_string).collect(),
        })
    }

    /// The audit trail as FHIR AuditEvent resources, oldest first, from `after` (a sequence
    /// number) in pages of `limit`.
    pub async fn export_audit(&self, token: &str, after: i64, limit: u32) -> Result<Vec<Value>> {
        self.audited(token, Action::ExportAuditTrail, Target::none(), async |tx: &mut Tx, _ctx: &mut Ctx| {
            Ok(tx.audit_page(after, i64::from(limit)).await?.iter().map(audit_event).collect())
        })
        .await
    }

    /// Declares an emergency need to see a patient outside the user's care. The reason is
    /// required; the access that follows is flagged for review.
    pub async fn break_glass(&self, token: &str, patient_id: &str, reason: &str) -> Result<()> {
        let reason = text::short("reason", reason).map_err(|e| AppError::Validation(e.to_string()))?;
        if reason.chars().count() < 10 {
            return Err(AppError::Validation("state the reason in a few words (at least 10 characters)".into()));
        }
        let session = self.session(token).await?;
        if !session.role.is_clinical() {
            return Err(AppError::Forbidden { role: session.role.as_str(), action: "break the glass" });
        }
        let now = self.clock.now();
        let expires = now.plus_seconds(self.policy.break_glass_secs);
        let mut tx = self.store.write(now).await?;
        crate::patients::read_patient(&mut tx, patient_id).await?;
        let id = tx.insert_break_glass(&session.user_id, patient_id, &reason, expires).await?;
        tx.append_audit(&meridian_domain::audit::AuditEntry {
            at: now,
            user_id: session.user_id.clone(),
            role: session.role,
            action: Action::ReadChart,
            resource_type: Some("Patient".into()),
            resource_id: Some(patient_id.to_owned()),
            patient_id: Some(patient_id.to_owned()),
            outcome: Outcome::Success,
            flagged: true,
            // The reason stays in the break-glass table (for the reviewer), not in the trail.
            detail: Some(format!("break-glass-declared:{id}")),
        })
        .await?;
        tx.commit().await?;
        self.bus.publish(vec![DomainEvent::BreakGlass { user_id: session.user_id, patient_id: patient_id.to_owned() }]);
        Ok(())
    }

    /// Break-the-glass declarations awaiting an administrator's review, oldest first.
    pub async fn break_glass_to_review(&self, token: &str) -> Result<Vec<meridian_api::BreakGlassReview>> {
        self.audited(token, Action::ReviewBreakGlass, Target::none(), async |tx: &mut Tx, _ctx: &mut Ctx| {
            Ok(tx
                .unreviewed_break_glass()
                .await?
                .into_iter()
                .map(|b| meridian_api::BreakGlassReview {
                    id: b.id,
                    user_id: b.user_id,
                    patient_id: b.patient_id,
                    reason: b.reason,
                    at: b.at.to_rfc3339(),
                })
                .collect())
        })
        .await
    }

    /// Marks a declaration as reviewed by the administrator (the review itself is audited).
    pub async fn review_break_glass(&self, token: &str, id: i64) -> Result<()> {
        let target_id = id.to_string();
        self.audited(token, Action::ReviewBreakGlass, Target { rtype: Some("BreakGlass"), id: Some(&target_id), patient: None }, async |tx: &mut Tx, ctx: &mut Ctx| {
            tx.review_break_glass(id, &ctx.session.user_id).await?;
            Ok(())
        })
        .await
    }
}
