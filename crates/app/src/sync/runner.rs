//! The background loop: sync now, then again after an interval, sooner after a local change,
//! later after failures (exponential backoff with jitter).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::{Backoff, FhirSync};

/// Controls a running sync loop.
#[derive(Debug)]
pub struct SyncHandle {
    kick: Arc<Notify>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl SyncHandle {
    /// Sync as soon as possible (a local change was made, or a person pressed "sync now").
    pub fn kick(&self) {
        self.kick.notify_one();
    }

    /// Stops after the step in progress.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Runs `sync` until stopped: every `interval` when healthy, on local changes (debounced),
/// and with backoff after failures.
pub fn spawn_sync(sync: FhirSync, interval: Duration, backoff: Backoff) -> SyncHandle {
    let kick = Arc::new(Notify::new());
    let (stop, mut stopped) = watch::channel(false);
    let mut events = sync.app().events().subscribe();
    let kick_task = kick.clone();
    let task = tokio::spawn(async move {
        let mut backoff = backoff;
        loop {
            let wait = match sync.run_once().await {
                Ok(_) => {
                    backoff.succeed();
                    interval
                }
                Err(e) => backoff.fail(match &e {
                    super::SyncError::Server(c) => c.retry_after(),
                    super::SyncError::App(_) => None,
                }),
            };
            tokio::select! {
                _ = stopped.changed() => return,
                _ = kick_task.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                // A local change: push it soon, unless the server is failing (then the
                // backoff decides).
                _ = events.recv(), if backoff.failures() == 0 => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    });
    SyncHandle { kick, stop, task }
}
