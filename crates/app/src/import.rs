//! Writing FHIR resources: the one path by which any resource reaches the store (registration,
//! charting, imports, and later HL7 feeds and sync), so versions, indexes, the outbox and events
//! are always kept together.

use meridian_domain::access::Action;
use meridian_domain::event::DomainEvent;
use meridian_fhir::{ReadOptions, Resource, parse_resource_with, to_json_vec};
use meridian_store::{NewVersion, Origin, Tx};
use rand::RngCore;

use crate::guard::{Ctx, Target};
use crate::index::{index_of, patient_of};
use crate::{App, AppError, Result};

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub resource_type: String,
    pub id: String,
    pub version: i64,
}

/// The largest resource accepted from outside, in bytes.
pub(crate) const MAX_RESOURCE_BYTES: usize = 8 * 1024 * 1024;

pub(crate) fn new_id(prefix: &str) -> String {
    let mut b = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{prefix}-{hex}")
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Resource> {
    parse_resource_with(bytes, &ReadOptions { max_bytes: MAX_RESOURCE_BYTES }).map_err(|e| AppError::Validation(e.to_string()))
}

/// Writes `resource` as the next version: assigns an id if it has none, stamps `meta.versionId`
/// and `meta.lastUpdated`, indexes it and queues it for sync, raising the matching events.
/// `base` is the version the writer read (`None`: whatever is current, or new).
pub(crate) async fn write(tx: &mut Tx, ctx: &mut Ctx, resource: &mut Resource, base: Option<i64>, origin: Origin) -> Result<i64> {
    let rtype = resource.resource_type().to_owned();
    if matches!(resource, Resource::Other(_) | Resource::Bundle(_) | Resource::OperationOutcome(_)) {
        return Err(AppError::Validation(format!("Meridian does not store {rtype} resources yet")));
    }
    let id = match resource.id() {
        Some(id) => id.to_owned(),
        None => {
            let id = new_id(&rtype.to_ascii_lowercase());
            resource.set_id(&id).map_err(|e| AppError::Internal(e.to_string()))?;
            id
        }
    };
    let head = tx.head(&rtype, &id).await?;
    let current = head.as_ref().map_or(0, |h| h.version);
    if let Some(base) = base {
        if head.as_ref().is_some_and(|h| h.deleted) {
            return Err(AppError::Gone("record"));
        }
        if base != current {
            return Err(AppError::Conflict("record"));
        }
    }
    if rtype == "DocumentReference" && head.as_ref().is_some_and(|h| !h.deleted) {
        // Signed notes never change, whichever path the new version comes by.
        if let Some(Resource::DocumentReference(d)) = tx.read(&rtype, &id).await?.and_then(|s| s.body).and_then(|b| parse(&b).ok()) {
            if meridian_domain::note::NoteStatus::from_doc_status(d.doc_status.as_ref().map(|c| c.as_str())) == meridian_domain::note::NoteStatus::Signed {
                return Err(AppError::SignedImmutable);
            }
        }
    }
    let version = current + 1;
    resource.stamp(&version.to_string(), &ctx.now.to_rfc3339()).map_err(|e| AppError::Internal(e.to_string()))?;
    let patient = patient_of(resource);
    let body = to_json_vec(resource).map_err(|e| AppError::Internal(e.to_string()))?;
    tx.put(NewVersion {
        rtype: &rtype,
        id: &id,
        version,
        body: &body,
        patient_id: patient.as_deref(),
        author: &ctx.session.user_id,
        origin,
        index: index_of(resource),
    })
    .await?;
    match (&*resource, &patient) {
        (Resource::Patient(_), Some(p)) if version == 1 => ctx.events.push(DomainEvent::PatientRegistered { patient_id: p.clone() }),
        (Resource::Patient(_), Some(p)) => ctx.events.push(DomainEvent::DemographicsUpdated { patient_id: p.clone() }),
        (Resource::Observation(o), Some(p)) => {
            let critical = o
                .interpretation
                .iter()
                .flat_map(|c| c.coding.iter())
                .any(|c| c.code.as_ref().is_some_and(|c| matches!(c.as_str(), "HH" | "LL" | "AA")));
            ctx.events.push(DomainEvent::ObservationRecorded {
                patient_id: p.clone(),
                observation_id: id.clone(),
                loinc: o.loinc_code().map(str::to_owned),
                critical,
            });
        }
        _ => {}
    }
    if origin == Origin::Local {
        crate::hl7_out::enqueue(tx, ctx, resource, version).await?;
    }
    ctx.events.push(DomainEvent::ResourceWritten { resource_type: rtype, id, version, patient_id: patient });
    Ok(version)
}

/// Deletes a resource (a tombstone version; history stays), raising the matching event.
pub(crate) async fn remove(tx: &mut Tx, ctx: &mut Ctx, rtype: &str, id: &str, origin: Origin) -> Result<i64> {
    let head = tx.head(rtype, id).await?;
    let version = tx.delete(rtype, id, &ctx.session.user_id, origin).await?;
    ctx.events.push(DomainEvent::ResourceWritten {
        resource_type: rtype.to_owned(),
        id: id.to_owned(),
        version,
        patient_id: head.and_then(|h| h.patient_id),
    });
    Ok(version)
}

impl App {
    /// Imports one patient's resources (the patient first, then everything about them) as the
    /// interface account, in one transaction with one audit record.
    pub async fn import_patient_bundle(&self, token: &str, patient_id: &str, resources: &[Vec<u8>]) -> Result<Vec<ImportOutcome>> {
        let mut parsed = Vec::with_capacity(resources.len());
        for bytes in resources {
            let r = parse(bytes)?;
            if let Some(p) = patient_of(&r) {
                if p != patient_id {
                    return Err(AppError::Validation("a resource in the batch belongs to another patient".into()));
                }
            }
            parsed.push(r);
        }
        self.audited(token, Action::ImportRecords, Target::patient(patient_id), async |tx: &mut Tx, ctx: &mut Ctx| {
            let mut out = Vec::with_capacity(parsed.len());
            for mut r in parsed {
                let version = write(tx, ctx, &mut r, None, Origin::Local).await?;
                out.push(ImportOutcome {
                    resource_type: r.resource_type().to_owned(),
                    id: r.id().unwrap_or_default().to_owned(),
                    version,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Imports one resource of any modelled type (practitioners, organizations, or a single
    /// clinical resource).
    pub async fn import_resource(&self, token: &str, bytes: &[u8]) -> Result<ImportOutcome> {
        let mut r = parse(bytes)?;
        let patient = patient_of(&r);
        let rtype = r.resource_type().to_owned();
        let id = r.id().map(str::to_owned);
        let target = Target { rtype: Some(&rtype), id: id.as_deref(), patient: patient.as_deref() };
        self.audited(token, Action::ImportRecords, target, async |tx: &mut Tx, ctx: &mut Ctx| {
            let version = write(tx, ctx, &mut r, None, Origin::Local).await?;
            let id = r.id().unwrap_or_default().to_owned();
            ctx.created = Some((rtype.clone(), id.clone(), patient.clone()));
            Ok(ImportOutcome { resource_type: rtype.clone(), id, version })
        })
        .await
    }
}
