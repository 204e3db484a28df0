//! The in-process event bus: committed changes are published here, after commit, so that
//! modules react without knowing each other and never see a change that was rolled back.

use meridian_domain::event::DomainEvent;
use tokio::sync::broadcast;

#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<DomainEvent>,
}

impl EventBus {
    pub fn new(capacity: usize) -> EventBus {
        let (tx, _) = broadcast::channel(capacity);
        EventBus { tx }
    }

    /// A receiver of every event published from now on. A slow receiver that falls more than
    /// the bus capacity behind gets `RecvError::Lagged` and should resynchronise from the store.
    pub fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.tx.subscribe()
    }

    pub(crate) fn publish(&self, events: Vec<DomainEvent>) {
        for e in events {
            // No subscriber is not an error: events are notifications, the store is the truth.
            let _ = self.tx.send(e);
        }
    }
}
