//! Conflicts: shown side by side, settled by a person, the choice audited.

use meridian_api::{ConflictChoice, ConflictField, SyncConflict};
use meridian_domain::access::Action;
use meridian_fhir::Resource;
use meridian_store::{ConflictRow, Origin, Tx};

use crate::guard::{Ctx, Target};
use crate::import::{parse, write};
use crate::{App, AppError, Result};

impl App {
    /// Open conflicts of one patient's records, local and server versions side by side (only
    /// the elements that differ). Reading them is reading the chart.
    pub async fn patient_conflicts(&self, token: &str, patient_id: &str) -> Result<Vec<SyncConflict>> {
        self.audited(token, Action::ReadChart, Target::patient(patient_id), async |tx: &mut Tx, _ctx: &mut Ctx| {
            let rows = tx.open_conflicts(1000).await?;
            let name = match crate::patients::read_patient(tx, patient_id).await {
                Ok(p) => Some(format!("{}, {}", p.family_name().unwrap_or_default().to_uppercase(), p.given_names().join(" "))),
                Err(_) => None,
            };
            let mut out = Vec::new();
            for row in rows.into_iter().filter(|r| r.patient_id.as_deref() == Some(patient_id)) {
                let local = match tx.read(&row.rtype, &row.id).await? {
                    Some(s) if !s.deleted => s.body.map(|b| parse(&b)).transpose()?,
                    _ => None,
                };
                let server = row.server_body.as_deref().map(parse).transpose()?;
                out.push(view(&row, name.clone(), local.as_ref(), server.as_ref()));
            }
            Ok(out)
        })
        .await
    }

    /// Settles a conflict. `KeepLocal`: the local version is sent over the server's (the next
    /// push names the server's version in `If-Match`, so a further change there is caught
    /// again). `TakeServer`: the server's version becomes the local one. Either way the choice
    /// is in the audit trail, with the versions it chose between.
    pub async fn resolve_conflict(&self, token: &str, conflict_id: i64, choice: ConflictChoice) -> Result<()> {
        let row = {
            let mut tx = self.store.write(self.clock.now()).await?;
            tx.conflict(conflict_id).await?.ok_or(AppError::NotFound("conflict"))?
        };
        if row.resolved_at.is_some() {
            return Err(AppError::Validation("this conflict was already settled".into()));
        }
        let target = Target::resource(&row.rtype, &row.id, row.patient_id.as_deref());
        self.audited(token, Action::ResolveSyncConflict, target, async |tx: &mut Tx, ctx: &mut Ctx| {
            let head = tx.head(&row.rtype, &row.id).await?.ok_or(AppError::NotFound("record"))?;
            match choice {
                ConflictChoice::KeepLocal => {
                    // The server's version becomes the base, so the next push overwrites it
                    // knowingly; the local versions stay pending in the outbox.
                    let base = row.base_version.unwrap_or(0);
                    tx.set_sync_state(&row.rtype, &row.id, base, &row.server_version).await?;
                }
                ConflictChoice::TakeServer => {
                    match row.server_body.as_deref() {
                        Some(body) => {
                            let mut server = parse(body)?;
                            let base = (!head.deleted).then_some(head.version);
                            let version = write(tx, ctx, &mut server, base, Origin::Remote).await?;
                            tx.set_sync_state(&row.rtype, &row.id, version, &row.server_version).await?;
                            tx.mark_outbox_sent(&row.rtype, &row.id, version).await?;
                        }
                        None if head.deleted => {
                            tx.set_sync_state(&row.rtype, &row.id, head.version, &row.server_version).await?;
                            tx.mark_outbox_sent(&row.rtype, &row.id, head.version).await?;
                        }
                        None => {
                            let version = crate::import::remove(tx, ctx, &row.rtype, &row.id, Origin::Remote).await?;
                            tx.set_sync_state(&row.rtype, &row.id, version, &row.server_version).await?;
                            tx.mark_outbox_sent(&row.rtype, &row.id, version).await?;
                        }
                    }
                }
            }
            let choice_code = match choice {
                ConflictChoice::KeepLocal => "keep-local",
                ConflictChoice::TakeServer => "take-server",
            };
            tx.resolve_conflict(row.conflict_id, choice_code, &ctx.session.user_id).await?;
            ctx.detail = Some(format!(
                "conflict:{} {choice_code} local:v{} server:v{}",
                row.conflict_id, row.local_version, row.server_version
            ));
            Ok(())
        })
        .await
    }
}

fn view(row: &ConflictRow, patient_name: Option<String>, local: Option<&Resource>, server: Option<&Resource>) -> SyncConflict {
    let mut local_leaves = Vec::new();
    let mut server_leaves = Vec::new();
    if let Some(v) = local.and_then(super::content) {
        leaves("", &v, &mut local_leaves);
    }
    if let Some(v) = server.and_then(super::content) {
        leaves("", &v, &mut server_leaves);
    }
    let mut paths: Vec<&String> = local_leaves.iter().chain(server_leaves.iter()).map(|(p, _)| p).collect();
    paths.sort();
    paths.dedup();
    let get = |l: &[(String, String)], p: &str| l.iter().find(|(k, _)| k == p).map(|(_, v)| v.clone());
    let fields = paths
        .into_iter()
        .filter_map(|p| {
            let (a, b) = (get(&local_leaves, p), get(&server_leaves, p));
            (a != b).then(|| ConflictField { label: label(&row.rtype, p), path: p.clone(), local: a, server: b })
        })
        .collect();
    SyncConflict {
        id: row.conflict_id,
        resource_type: row.rtype.clone(),
        kind: kind(&row.rtype).to_owned(),
        resource_id: row.id.clone(),
        patient_id: row.patient_id.clone(),
        patient_name,
        detected_at: row.detected_at.to_rfc3339(),
        local_version: row.local_version,
        server_version: row.server_version.clone(),
        server_deleted: row.server_body.is_none(),
        fields,
    }
}

/// What a clinician calls a record type.
fn kind(rtype: &str) -> &str {
    match rtype {
        "DocumentReference" => "Note",
        "Patient" => "Demographics",
        "AllergyIntolerance" => "Allergy",
        "Condition" => "Problem",
        "MedicationStatement" => "Medication",
        "ServiceRequest" => "Order",
        "DiagnosticReport" => "Report",
        "Encounter" => "Encounter",
        other => other,
    }
}

/// What a clinician calls an element; the JSON path where no better name is known.
fn label(rtype: &str, path: &str) -> String {
    let known = match (rtype, path) {
        ("DocumentReference", "description") => Some("Title"),
        ("DocumentReference", "date") => Some("Last edited"),
        ("DocumentReference", "docStatus") => Some("Status"),
        ("DocumentReference", p) if p.ends_with(".attachment.text") => Some("Note text"),
        (_, "valueQuantity.value") => Some("Value"),
        (_, "valueQuantity.unit") => Some("Unit"),
        (_, "effectiveDateTime") => Some("Taken at"),
        (_, "status") => Some("Status"),
        (_, "birthDate") => Some("Date of birth"),
        (_, "gender") => Some("Sex"),
        (_, p) if p.starts_with("name[") && p.ends_with(".family") => Some("Family name"),
        (_, p) if p.starts_with("name[") && p.contains(".given[") => Some("Given name"),
        (_, p) if p.starts_with("telecom[") => Some("Phone or email"),
        (_, p) if p.starts_with("address[") => Some("Address"),
        _ => None,
    };
    known.map_or_else(|| path.to_owned(), str::to_owned)
}

/// Flattens JSON into `(path, text)` leaves: `code.coding[0].display`.
fn leaves(path: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                leaves(&p, v, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                leaves(&format!("{path}[{i}]"), v, out);
            }
        }
        // Note text travels base64-encoded; a person compares the words, not the encoding.
        serde_json::Value::String(s) if path.ends_with(".attachment.data") => {
            let text = crate::notes::base64::decode(s).and_then(|b| String::from_utf8(b).ok());
            let label = path.trim_end_matches(".data").to_owned() + ".text";
            out.push(match text {
                Some(t) => (label, t),
                None => (path.to_owned(), s.clone()),
            });
        }
        serde_json::Value::String(s) => out.push((path.to_owned(), s.clone())),
        other => out.push((path.to_owned(), other.to_string())),
    }
}
