//! The status line and the interface log.

use meridian_api::{InterfaceMessage, SyncStatus};
use meridian_domain::access::Action;
use meridian_store::{Hl7Direction, Tx};

use super::{META_LAST_ERROR, META_LAST_SUCCESS, META_SERVER, META_STATE};
use crate::guard::{Ctx, Target};
use crate::{App, AppError, Result};

impl App {
    /// A session for the interface account, made once and kept (it never idles out).
    pub(crate) async fn interface_token(&self) -> Result<String> {
        let mut slot = self.interface_token.lock().await;
        if let Some(t) = slot.as_ref() {
            return Ok(t.clone());
        }
        let token = self.interface_session().await?;
        *slot = Some(token.clone());
        Ok(token)
    }

    pub(crate) async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.store.write(self.clock.now()).await?;
        tx.set_meta(key, value).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the outcome of a sync run for the status line (data-free text only).
    pub(crate) async fn record_sync_outcome(&self, server: &str, error: Option<String>) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.store.write(now).await?;
        tx.set_meta(META_SERVER, server).await?;
        match error {
            None => {
                tx.set_meta(META_STATE, "online").await?;
                tx.set_meta(META_LAST_SUCCESS, &now.to_rfc3339()).await?;
                tx.set_meta(META_LAST_ERROR, "").await?;
            }
            Some(e) => {
                tx.set_meta(META_STATE, "offline").await?;
                tx.set_meta(META_LAST_ERROR, &e).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The sync status line. Holds no patient data, so any live session may read it, and it is
    /// not audited (the UI polls it). Polling it is not activity: the session still locks.
    pub async fn sync_status(&self, token: &str) -> Result<SyncStatus> {
        self.session_unattended(token).await?;
        let mut tx = self.store.write(self.clock.now()).await?;
        let server = tx.meta(META_SERVER).await?.filter(|s| !s.is_empty());
        let state = match (&server, tx.meta(META_STATE).await?) {
            (None, _) => "local-only".to_owned(),
            (Some(_), Some(s)) => s,
            (Some(_), None) => "starting".to_owned(),
        };
        Ok(SyncStatus {
            state,
            server,
            pending: tx.pending_outbox_count().await?,
            conflicts: tx.open_conflict_count().await?,
            hl7_pending: tx.pending_hl7_out_count().await?,
            last_success: tx.meta(META_LAST_SUCCESS).await?.filter(|s| !s.is_empty()),
            last_error: tx.meta(META_LAST_ERROR).await?.filter(|s| !s.is_empty()),
        })
    }

    /// Says which FHIR server this workstation syncs with (shown before the first run).
    pub async fn set_sync_server(&self, server: &str) -> Result<()> {
        self.set_meta(META_SERVER, server).await
    }

    /// The HL7 interface log for interface staff: types, control ids, acknowledgements and
    /// errors, never message bodies.
    pub async fn interface_log(&self, token: &str, limit: u32) -> Result<Vec<InterfaceMessage>> {
        self.audited(token, Action::ReadInterfaceLog, Target::none(), async |tx: &mut Tx, _ctx: &mut Ctx| {
            let rows = tx.hl7_log(None, i64::from(limit.min(1000))).await?;
            Ok(rows
                .into_iter()
                .map(|r| InterfaceMessage {
                    seq: r.seq,
                    direction: match r.direction {
                        Hl7Direction::In => "in".into(),
                        Hl7Direction::Out => "out".into(),
                    },
                    peer: r.peer,
                    control_id: r.control_id,
                    message_type: r.message_type,
                    created_at: r.created_at.to_rfc3339(),
                    attempts: r.attempts,
                    ack_code: r.ack_code,
                    acked_at: r.acked_at.map(|t| t.to_rfc3339()),
                    last_error: r.last_error,
                })
                .collect())
        })
        .await
        .map_err(|e: AppError| e)
    }
}
