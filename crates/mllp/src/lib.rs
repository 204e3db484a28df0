//! MLLP (the Minimal Lower Layer Protocol of HL7 v2) on tokio: framing, a client that sends a
//! message and waits for the acknowledgement that names it, and a listener that hands each
//! framed message to a handler and writes back the handler's reply.
//!
//! A frame is `<VT> message <FS><CR>` (0x0B, 0x1C, 0x0D). The client correlates replies by
//! MSA-2 (the acknowledged message's control id, MSH-10) so that a late ACK of an earlier,
//! timed-out message is never taken for the current one. The listener bounds message size,
//! concurrent connections and idle time.
//!
//! Connections may use TLS (rustls): the client trusts the CA certificates it is given (an
//! interface engine's private CA) and checks the peer's name; the listener presents a
//! certificate chain and key from PEM.
//!
//! It refuses to know HL7 beyond finding MSA-2 in a reply: parsing, storage, retries across
//! restarts (the store-and-forward queue) belong to the caller, which keeps undelivered
//! messages in its database.
//!
//! ```no_run
//! # async fn f() -> Result<(), meridian_mllp::MllpError> {
//! use meridian_mllp::{Client, Timeouts};
//! let mut client = Client::new("127.0.0.1:2575", Timeouts::default());
//! let ack = client.send(b"MSH|^~\\&|MERIDIAN|H|LAB|H|20260101||ORM^O01|42|P|2.5.1\r", "42").await?;
//! # Ok(()) }
//! ```

mod client;
mod frame;
mod server;
mod tls;
#[cfg(feature = "test-support")]
pub mod test_support;

pub use client::{Client, Timeouts, ack_control_id};
pub use frame::{Decoder, END, START, frame};
pub use server::{Listener, ListenerConfig, ListenerHandle};
pub use tls::{TlsClient, TlsServer};

use std::time::Duration;

/// Why an MLLP exchange failed. Carries no message content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MllpError {
    #[error("could not connect to the MLLP peer: {0} (is the interface engine listening?)")]
    Connect(std::io::Error),
    #[error("MLLP connection failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the MLLP peer closed the connection before acknowledging the message")]
    Closed,
    #[error("no acknowledgement within {0:?} (the message may or may not have been processed)")]
    Timeout(Duration),
    #[error("MLLP frame of more than {limit} bytes refused")]
    TooLarge { limit: usize },
    #[error("bytes outside an MLLP frame (expected 0x0B to start a message)")]
    OutsideFrame,
    #[error("the MLLP peer sent a reply that is not an HL7 acknowledgement (no MSA segment)")]
    NotAnAck,
    #[error("TLS: {0}")]
    Tls(String),
}

impl MllpError {
    /// Whether sending again later may succeed (network trouble rather than a refusal).
    pub fn is_retryable(&self) -> bool {
        !matches!(self, MllpError::TooLarge { .. } | MllpError::Tls(_))
    }
}
