//! The sending side: one connection, reused, reopened after any failure.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::tls::Io;
use crate::{Decoder, MllpError, TlsClient, frame};

/// How long the client waits.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// From the last byte sent to the acknowledgement.
    pub ack: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(10), ack: Duration::from_secs(30) }
    }
}

/// An MLLP client for one peer.
pub struct Client {
    addr: String,
    timeouts: Timeouts,
    max_frame: usize,
    tls: Option<TlsClient>,
    conn: Option<(Box<dyn Io>, Decoder)>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("addr", &self.addr).field("tls", &self.tls.is_some()).finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(addr: impl Into<String>, timeouts: Timeouts) -> Client {
        Client { addr: addr.into(), timeouts, max_frame: 16 * 1024 * 1024, tls: None, conn: None }
    }

    /// Uses TLS for every connection.
    pub fn with_tls(mut self, tls: TlsClient) -> Client {
        self.tls = Some(tls);
        self.conn = None;
        self
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Sends one message and returns the acknowledgement whose MSA-2 is `control_id`.
    /// Acknowledgements of other messages (late replies to an earlier attempt) are skipped.
    /// On any error the connection is dropped; the next call reconnects.
    pub async fn send(&mut self, message: &[u8], control_id: &str) -> Result<Vec<u8>, MllpError> {
        let result = self.exchange(message, control_id).await;
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    async fn exchange(&mut self, message: &[u8], control_id: &str) -> Result<Vec<u8>, MllpError> {
        if self.conn.is_none() {
            let stream = tokio::time::timeout(self.timeouts.connect, TcpStream::connect(&self.addr))
                .await
                .map_err(|_| MllpError::Timeout(self.timeouts.connect))?
                .map_err(MllpError::Connect)?;
            stream.set_nodelay(true)?;
            let stream: Box<dyn Io> = match &self.tls {
                Some(tls) => tokio::time::timeout(self.timeouts.connect, tls.connect(stream))
                    .await
                    .map_err(|_| MllpError::Timeout(self.timeouts.connect))??,
                None => Box::new(stream),
            };
            self.conn = Some((stream, Decoder::new(self.max_frame)));
        }
        let Some((stream, decoder)) = self.conn.as_mut() else {
            return Err(MllpError::Closed);
        };
        stream.write_all(&frame(message)).await?;
        let wait = self.timeouts.ack;
        tokio::time::timeout(wait, async {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                while let Some(reply) = decoder.next_frame()? {
                    match ack_control_id(&reply) {
                        Some(id) if id == control_id => return Ok(reply),
                        Some(_) => continue,
                        None => return Err(MllpError::NotAnAck),
                    }
                }
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    return Err(MllpError::Closed);
                }
                decoder.push(&buf[..n]);
            }
        })
        .await
        .map_err(|_| MllpError::Timeout(wait))?
    }
}

/// MSA-2 of an acknowledgement: the control id of the message it acknowledges. A raw scan (the
/// field separator is the fourth byte of MSH); `None` when there is no MSA segment.
pub fn ack_control_id(reply: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(reply).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let sep = text.strip_prefix("MSH")?.chars().next()?;
    let msa = text.split(['\r', '\n']).find(|s| s.starts_with("MSA") && s[3..].starts_with(sep))?;
    Some(msa.split(sep).nth(2).unwrap_or("").to_owned())
}

#[cfg(test)]
mod tests {
    use super::ack_control_id;

    #[test]
    fn msa2_with_default_and_other_delimiters() {
        assert_eq!(ack_control_id(b"MSH|^~\\&|A|B|C|D|20260101||ACK^O01^ACK|9|P|2.5.1\rMSA|AA|42\r").as_deref(), Some("42"));
        assert_eq!(ack_control_id(b"MSH#$*!@#A\nMSA#AE#X-7#oops\n").as_deref(), Some("X-7"));
        assert_eq!(ack_control_id(b"MSH|^~\\&|A\rPID|1\r"), None);
        assert_eq!(ack_control_id(b"\xff\xfe"), None);
    }
}
