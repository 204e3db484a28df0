//! Server → local store.

use std::collections::HashSet;

use meridian_domain::access::Action;
use meridian_fhir::Resource;
use meridian_fhirclient::HistoryEntry;
use meridian_store::{Origin, Tx};

use super::{FhirSync, META_PULL_SINCE, PullReport, SyncError, same_content};
use crate::guard::{Ctx, Target};
use crate::import::write;
use crate::index::patient_of;
use crate::{App, Result};

/// The most pages one pull reads; the rest waits for the next pull.
const MAX_PAGES: usize = 10_000;
const PAGE: usize = 100;

/// What applying one server version did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    Written,
    Known,
    Conflict,
    Skipped,
}

impl App {
    /// Whether the server's `version` of the resource is the one both sides already agree on.
    pub(crate) async fn sync_known(&self, rtype: &str, id: &str, version: &str) -> Result<bool> {
        let mut tx = self.store.write(self.clock.now()).await?;
        Ok(tx.sync_state(rtype, id).await?.is_some_and(|s| s.server_version == version))
    }

    /// Applies one server version: writes it locally unless the record also changed here since
    /// both sides last agreed (then a conflict is kept). One transaction with its audit record.
    pub(crate) async fn sync_apply_remote(&self, token: &str, rtype: &str, id: &str, server_version: &str, resource: Option<Resource>) -> Result<Applied> {
        if matches!(resource, Some(Resource::Other(_) | Resource::Bundle(_) | Resource::OperationOutcome(_))) {
            return Ok(Applied::Skipped);
        }
        let patient = resource.as_ref().and_then(patient_of);
        let target = Target::resource(rtype, id, patient.as_deref());
        self.audited(token, Action::ImportRecords, target, async |tx: &mut Tx, ctx: &mut Ctx| {
            let state = tx.sync_state(rtype, id).await?;
            if state.as_ref().is_some_and(|s| s.server_version == server_version) {
                ctx.detail = Some("sync:known".into());
                return Ok(Applied::Known);
            }
            let head = tx.head(rtype, id).await?;
            let local_changed = match (&head, &state) {
                (None, _) => false,
                (Some(h), Some(s)) => h.version > s.local_version,
                (Some(_), None) => true,
            };
            let local = match &head {
                Some(h) if !h.deleted => tx.read(rtype, id).await?.and_then(|s| s.body).map(|b| crate::import::parse(&b)).transpose()?,
                _ => None,
            };
            let applied = match resource {
                None => {
                    if local.is_none() {
                        tx.set_sync_state(rtype, id, head.as_ref().map_or(0, |h| h.version), server_version).await?;
                        Applied::Known
                    } else if !local_changed {
                        let version = crate::import::remove(tx, ctx, rtype, id, Origin::Remote).await?;
                        tx.set_sync_state(rtype, id, version, server_version).await?;
                        Applied::Written
                    } else {
                        keep_conflict(tx, rtype, id, patient.clone(), &head, &state, server_version, None).await?;
                        Applied::Conflict
                    }
                }
                Some(mut remote) => {
                    if let Some(local) = local.as_ref().filter(|l| same_content(l, &remote)) {
                        let _ = local;
                        let version = head.as_ref().map_or(0, |h| h.version);
                        tx.set_sync_state(rtype, id, version, server_version).await?;
                        tx.mark_outbox_sent(rtype, id, version).await?;
                        Applied::Known
                    } else if !local_changed {
                        let base = head.as_ref().filter(|h| !h.deleted).map(|h| h.version);
                        let version = write(tx, ctx, &mut remote, base, Origin::Remote).await?;
                        tx.set_sync_state(rtype, id, version, server_version).await?;
                        Applied::Written
                    } else if let Some(own) = own_earlier(tx, rtype, id, &head, &state, &remote).await? {
                        // This workstation's own push whose answer was lost, edited here since:
                        // agreed on that version; the push sends the edit over it. (Not while a
                        // conflict is open: a person decides that one against what it shows.)
                        tx.set_sync_state(rtype, id, own, server_version).await?;
                        tx.mark_outbox_sent(rtype, id, own).await?;
                        ctx.detail = Some(format!("sync:own-earlier:{own}"));
                        return Ok(Applied::Known);
                    } else {
                        let body = meridian_fhir::to_json_vec(&remote).map_err(|e| crate::AppError::Internal(e.to_string()))?;
                        keep_conflict(tx, rtype, id, patient.clone(), &head, &state, server_version, Some(body)).await?;
                        Applied::Conflict
                    }
                }
            };
            ctx.detail = Some(format!("sync:{applied:?}").to_ascii_lowercase());
            Ok(applied)
        })
        .await
    }
}

async fn own_earlier(tx: &mut Tx, rtype: &str, id: &str, head: &Option<meridian_store::Head>, state: &Option<meridian_store::SyncState>, remote: &Resource) -> Result<Option<i64>> {
    let Some(head) = head else { return Ok(None) };
    if tx.open_conflict(rtype, id).await?.is_some() {
        return Ok(None);
    }
    let after = state.as_ref().map_or(0, |s| s.local_version);
    super::own_earlier_version(tx, rtype, id, after, head.version, remote).await
}

#[allow(clippy::too_many_arguments)]
async fn keep_conflict(
    tx: &mut Tx,
    rtype: &str,
    id: &str,
    patient_id: Option<String>,
    head: &Option<meridian_store::Head>,
    state: &Option<meridian_store::SyncState>,
    server_version: &str,
    server_body: Option<Vec<u8>>,
) -> Result<()> {
    let patient_id = patient_id.or_else(|| head.as_ref().and_then(|h| h.patient_id.clone()));
    let local_version = head.as_ref().map_or(0, |h| h.version);
    let base = state.as_ref().map(|s| s.local_version);
    tx.record_conflict(&super::conflict_row(rtype, id, patient_id, local_version, base, server_version.to_owned(), server_body)).await?;
    tx.record_outbox_failure(rtype, id, "conflict: changed on the server too; waiting for a person to decide").await?;
    Ok(())
}

impl FhirSync {
    /// Applies what changed on the server since the last pull.
    pub async fn pull(&self) -> Result<PullReport, SyncError> {
        let token = self.app.interface_token().await?;
        let since = self.app.store.meta(META_PULL_SINCE).await.map_err(crate::AppError::from)?;
        let since = since.unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned());
        let mut page = self.client.history_since(None, &since, PAGE).await?;
        // Servers list versions newest first; only each resource's newest matters.
        let mut seen = HashSet::new();
        let mut latest: Vec<HistoryEntry> = Vec::new();
        let mut newest_time = since.clone();
        // Histories list newest first: stopping early would leave older changes unread, so
        // the pull mark only moves when the whole history since it was read.
        let mut complete = false;
        for _ in 0..MAX_PAGES {
            for entry in page.entries.drain(..) {
                if let Some(t) = entry.last_modified.as_ref().filter(|t| later(t, &newest_time)) {
                    newest_time = t.clone();
                }
                let (Some(rtype), Some(id)) = (entry.resource_type.clone(), entry.id.clone()) else { continue };
                if seen.insert((rtype, id)) {
                    latest.push(entry);
                }
            }
            match page.next.take() {
                Some(next) => page = self.client.next_history_page(&next).await?,
                None => {
                    complete = true;
                    break;
                }
            }
        }
        let mut report = PullReport::default();
        for entry in latest.into_iter().rev() {
            let (Some(rtype), Some(id)) = (entry.resource_type.as_deref(), entry.id.as_deref()) else { continue };
            let version = entry.version_id.clone().unwrap_or_default();
            // Most of a history is what this workstation pushed itself: known versions are
            // skipped without opening the record (nothing of the patient is read or written).
            if self.app.sync_known(rtype, id, &version).await? {
                report.known += 1;
                continue;
            }
            match self.app.sync_apply_remote(&token, rtype, id, &version, entry.resource).await? {
                Applied::Written => report.applied += 1,
                Applied::Known => report.known += 1,
                Applied::Conflict => report.conflicts += 1,
                Applied::Skipped => report.skipped += 1,
            }
        }
        if complete {
            self.app.set_meta(META_PULL_SINCE, &newest_time).await?;
        }
        Ok(report)
    }
}

/// Whether FHIR instant `a` is later than `b` (both parse).
fn later(a: &str, b: &str) -> bool {
    match (meridian_fhir::FhirInstant::parse(a), meridian_fhir::FhirInstant::parse(b)) {
        (Ok(a), Ok(b)) => a.epoch_millis() > b.epoch_millis(),
        _ => false,
    }
}
