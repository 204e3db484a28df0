//! Outbox → server.

use meridian_domain::access::Action;
use meridian_fhir::Resource;
use meridian_fhirclient::ClientErrorKind;
use meridian_store::{ConflictRow, Tx};


use super::{FhirSync, PushReport, SyncError, same_content};
use crate::guard::{Ctx, Target};
use crate::{App, Result};

/// One resource with pending changes, as read for sending.
#[derive(Debug)]
pub(crate) struct PushItem {
    pub(crate) last_seq: i64,
    pub(crate) rtype: String,
    pub(crate) id: String,
    pub(crate) patient_id: Option<String>,
    /// The local head version.
    pub(crate) version: i64,
    /// `None` when the head is a deletion.
    pub(crate) resource: Option<Resource>,
    /// The server version both sides last agreed on.
    pub(crate) base: Option<(i64, String)>,
    /// A conflict is open: nothing is sent until a person decides.
    pub(crate) blocked: bool,
    /// An earlier attempt may have reached the server.
    pub(crate) retried: bool,
}

const BATCH: i64 = 200;

/// Where looking at the server's copy left a push.
enum Settled {
    /// Agreed, or kept as a conflict: nothing more to send.
    Done,
    /// The server holds local version `own` as server `version` (now recorded as agreed):
    /// send the current one over it.
    SendOver { own: i64, version: String },
}

impl App {
    /// Reads the next resources with pending changes after outbox row `after`, for sending.
    /// Audited as one disclosure to the hospital's server.
    pub(crate) async fn sync_push_batch(&self, token: &str, after: i64) -> Result<Vec<PushItem>> {
        self.audited(token, Action::ExportRecords, Target::none(), async |tx: &mut Tx, ctx: &mut Ctx| {
            let rows = tx.pending_outbox_after(after, BATCH).await?;
            let mut items: Vec<PushItem> = Vec::new();
            for row in rows {
                if let Some(item) = items.iter_mut().find(|i| i.rtype == row.rtype && i.id == row.id) {
                    item.last_seq = row.seq;
                    item.retried |= row.attempts > 0;
                    continue;
                }
                let Some(head) = tx.head(&row.rtype, &row.id).await? else { continue };
                let resource = match tx.read(&row.rtype, &row.id).await?.and_then(|s| s.body) {
                    Some(body) if !head.deleted => Some(crate::import::parse(&body)?),
                    _ => None,
                };
                let base = tx.sync_state(&row.rtype, &row.id).await?.map(|s| (s.local_version, s.server_version));
                let blocked = tx.open_conflict(&row.rtype, &row.id).await?.is_some();
                items.push(PushItem {
                    last_seq: row.seq,
                    rtype: row.rtype,
                    id: row.id,
                    patient_id: head.patient_id,
                    version: head.version,
                    resource,
                    base,
                    blocked,
                    retried: row.attempts > 0,
                });
            }
            ctx.detail = Some(format!("push:{}", items.len()));
            Ok(items)
        })
        .await
    }

    /// Records that the server now holds local `version` as `server_version`.
    pub(crate) async fn sync_mark_sent(&self, rtype: &str, id: &str, version: i64, server_version: &str) -> Result<()> {
        let mut tx = self.store.write(self.clock.now()).await?;
        tx.set_sync_state(rtype, id, version, server_version).await?;
        tx.mark_outbox_sent(rtype, id, version).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn sync_mark_failed(&self, rtype: &str, id: &str, error: &str) -> Result<()> {
        let mut tx = self.store.write(self.clock.now()).await?;
        tx.record_outbox_failure(rtype, id, error).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn sync_record_conflict(&self, row: &ConflictRow) -> Result<()> {
        let mut tx = self.store.write(self.clock.now()).await?;
        tx.record_conflict(row).await?;
        tx.record_outbox_failure(&row.rtype, &row.id, "conflict: changed on the server too; waiting for a person to decide").await?;
        tx.commit().await?;
        Ok(())
    }

    /// See [`super::own_earlier_version`].
    pub(crate) async fn sync_own_earlier(&self, rtype: &str, id: &str, after: i64, head: i64, there: &Resource) -> Result<Option<i64>> {
        let mut tx = self.store.write(self.clock.now()).await?;
        super::own_earlier_version(&mut tx, rtype, id, after, head, there).await
    }

    pub(crate) async fn sync_pending(&self) -> Result<i64> {
        let mut tx = self.store.write(self.clock.now()).await?;
        Ok(tx.pending_outbox_count().await?)
    }
}

impl FhirSync {
    /// Sends every pending local change; stops at the first error worth retrying later (the
    /// server down or overloaded), leaving the rest pending.
    pub async fn push(&self) -> Result<PushReport, SyncError> {
        let token = self.app.interface_token().await?;
        let mut report = PushReport::default();
        let mut after = 0;
        loop {
            let items = self.app.sync_push_batch(&token, after).await?;
            let Some(last) = items.iter().map(|i| i.last_seq).max() else { break };
            after = last;
            for item in items {
                if item.blocked {
                    continue;
                }
                self.push_one(item, &mut report).await?;
            }
        }
        report.remaining = self.app.sync_pending().await?;
        Ok(report)
    }

    async fn push_one(&self, mut item: PushItem, report: &mut PushReport) -> Result<(), SyncError> {
        let app = &self.app;
        let Some(resource) = &item.resource else {
            // A deletion: nothing to do if the server never had it.
            if item.base.is_some() {
                match self.client.delete(&item.rtype, &item.id).await {
                    Ok(()) => {}
                    Err(e) if matches!(e.status(), Some(404 | 410)) => {}
                    Err(e) => return self.failed(&item, e, report).await,
                }
            }
            app.sync_mark_sent(&item.rtype, &item.id, item.version, "deleted").await?;
            report.deleted += 1;
            return Ok(());
        };
        // Never synced, but an earlier attempt may have arrived: look before writing, so the
        // retry neither repeats the write nor overwrites a change made there since.
        let mut if_match = item.base.as_ref().map(|b| b.1.clone()).filter(|v| v != "deleted");
        if item.base.is_none() && item.retried {
            match self.client.read(&item.rtype, &item.id).await {
                Ok(Some(there)) => match self.settle(&item, resource, there, true, report).await? {
                    Settled::Done => return Ok(()),
                    Settled::SendOver { own, version } => {
                        if_match = Some(version.clone());
                        item.base = Some((own, version));
                    }
                },
                Ok(None) => {}
                Err(e) => return self.failed(&item, e, report).await,
            }
        }
        // At most twice: the second send goes over this workstation's own earlier write.
        for own_allowed in [true, false] {
            let asked = std::time::Instant::now();
            let answer = self.client.update(resource, if_match.as_deref()).await;
            report.server_wait += asked.elapsed();
            match answer {
                Ok(written) => {
                    let version = written.version_id.unwrap_or_default();
                    app.sync_mark_sent(&item.rtype, &item.id, item.version, &version).await?;
                    report.sent += 1;
                    return Ok(());
                }
                Err(e) if matches!(e.kind, ClientErrorKind::Conflict { .. }) => {
                    // Our own earlier write whose answer was lost, or someone else's change.
                    match self.client.read(&item.rtype, &item.id).await {
                        Ok(Some(there)) => match self.settle(&item, resource, there, own_allowed, report).await? {
                            Settled::Done => return Ok(()),
                            // A conflict found on the next send is against this agreement.
                            Settled::SendOver { own, version } => {
                                if_match = Some(version.clone());
                                item.base = Some((own, version));
                            }
                        },
                        Ok(None) => return self.conflict(&item, "deleted".into(), None, report).await,
                        Err(e) => return self.failed(&item, e, report).await,
                    }
                }
                Err(e) => return self.failed(&item, e, report).await,
            }
        }
        Ok(())
    }

    /// The server already holds a version of what is being pushed. The same content (an
    /// earlier attempt whose answer was lost) is agreement. An earlier local version (such an
    /// attempt, then a further edit here) is agreement on that version, and the current one is
    /// to be sent over it (only when `own_allowed`). Anything else is a conflict.
    async fn settle(&self, item: &PushItem, resource: &Resource, there: meridian_fhirclient::Versioned, own_allowed: bool, report: &mut PushReport) -> Result<Settled, SyncError> {
        let version = there.version_id.clone().unwrap_or_default();
        if same_content(&there.resource, resource) {
            self.app.sync_mark_sent(&item.rtype, &item.id, item.version, &version).await?;
            report.already_there += 1;
            return Ok(Settled::Done);
        }
        if own_allowed {
            let after = item.base.as_ref().map_or(0, |b| b.0);
            if let Some(own) = self.app.sync_own_earlier(&item.rtype, &item.id, after, item.version, &there.resource).await? {
                self.app.sync_mark_sent(&item.rtype, &item.id, own, &version).await?;
                return Ok(Settled::SendOver { own, version });
            }
        }
        self.conflict(item, version, Some(&there.resource), report).await?;
        Ok(Settled::Done)
    }

    async fn conflict(&self, item: &PushItem, server_version: String, there: Option<&Resource>, report: &mut PushReport) -> Result<(), SyncError> {
        let server_body = there.map(meridian_fhir::to_json_vec).transpose().map_err(|e| crate::AppError::Internal(e.to_string()))?;
        let row = super::conflict_row(&item.rtype, &item.id, item.patient_id.clone(), item.version, item.base.as_ref().map(|b| b.0), server_version, server_body);
        self.app.sync_record_conflict(&row).await?;
        report.conflicts += 1;
        Ok(())
    }

    /// Records the failure on the resource; a retryable one stops the push (the server is not
    /// usable now), a refusal leaves this resource pending and goes on with the rest.
    async fn failed(&self, item: &PushItem, e: meridian_fhirclient::ClientError, report: &mut PushReport) -> Result<(), SyncError> {
        self.app.sync_mark_failed(&item.rtype, &item.id, &super::data_free(&e)).await?;
        if e.is_retryable() {
            return Err(e.into());
        }
        report.rejected += 1;
        Ok(())
    }
}

#[cfg(feature = "test-support")]
impl App {
    /// What the next push would send: the current body of every resource with pending changes
    /// (for tests that check it against an independent validator).
    pub async fn outbox_bodies(&self) -> Result<Vec<Vec<u8>>> {
        let mut tx = self.store.write(self.clock.now()).await?;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for row in tx.pending_outbox_after(0, i64::MAX).await? {
            if !seen.insert((row.rtype.clone(), row.id.clone())) {
                continue;
            }
            if let Some(body) = tx.read(&row.rtype, &row.id).await?.and_then(|s| s.body) {
                out.push(body);
            }
        }
        Ok(out)
    }
}
