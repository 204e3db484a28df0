//! The receiving side: accept connections, read frames, reply with what the handler returns.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::tls::Io;
use crate::{Decoder, MllpError, TlsServer, frame};

/// Limits of a listener.
#[derive(Debug, Clone, Copy)]
pub struct ListenerConfig {
    pub max_connections: usize,
    pub max_frame: usize,
    /// A connection with nothing to read for this long is closed.
    pub idle: Duration,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        ListenerConfig { max_connections: 64, max_frame: 64 * 1024 * 1024, idle: Duration::from_secs(300) }
    }
}

/// A bound MLLP listener.
#[derive(Debug)]
pub struct Listener {
    listener: TcpListener,
    config: ListenerConfig,
    tls: Option<TlsServer>,
}

/// Stops a running listener (dropping it does too).
#[derive(Debug)]
pub struct ListenerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    addr: SocketAddr,
}

impl ListenerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes open connections after their current message, and waits.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl Listener {
    pub async fn bind(addr: &str, config: ListenerConfig) -> Result<Listener, MllpError> {
        Ok(Listener { listener: TcpListener::bind(addr).await?, config, tls: None })
    }

    /// Requires TLS on every connection.
    pub fn with_tls(mut self, tls: TlsServer) -> Listener {
        self.tls = Some(tls);
        self
    }

    pub fn local_addr(&self) -> Result<SocketAddr, MllpError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until stopped. `handler` gets each message's bytes and returns the reply (an ACK)
    /// to frame and send; messages on one connection are handled in order.
    pub fn spawn<H, F>(self, handler: H) -> Result<ListenerHandle, MllpError>
    where
        H: Fn(Vec<u8>) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Vec<u8>> + Send + 'static,
    {
        let addr = self.listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let config = self.config;
        let listener = self.listener;
        let tls = self.tls;
        let task = tokio::spawn(async move {
            let permits = Arc::new(Semaphore::new(config.max_connections));
            let mut stopped_accept = stopped.clone();
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = stopped_accept.changed() => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        // Over the limit, the connection is closed at once rather than queued.
                        let Ok(permit) = permits.clone().try_acquire_owned() else { continue };
                        let handler = handler.clone();
                        let stopped = stopped.clone();
                        let tls = tls.clone();
                        connections.spawn(async move {
                            let _ = stream.set_nodelay(true);
                            let stream: Result<Box<dyn Io>, MllpError> = match &tls {
                                // A handshake that stalls is cut off like an idle connection.
                                Some(t) => tokio::time::timeout(config.idle, t.accept(stream)).await.unwrap_or(Err(MllpError::Timeout(config.idle))),
                                None => Ok(Box::new(stream)),
                            };
                            if let Ok(stream) = stream {
                                let _ = serve_connection(stream, handler, config, stopped).await;
                            }
                            drop(permit);
                        });
                    }
                }
                while connections.try_join_next().is_some() {}
            }
            while connections.join_next().await.is_some() {}
        });
        Ok(ListenerHandle { stop, task, addr })
    }
}

async fn serve_connection<H, F>(
    mut stream: Box<dyn Io>,
    handler: H,
    config: ListenerConfig,
    mut stopped: watch::Receiver<bool>,
) -> Result<(), MllpError>
where
    H: Fn(Vec<u8>) -> F,
    F: Future<Output = Vec<u8>>,
{
    let mut decoder = Decoder::new(config.max_frame);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        while let Some(message) = decoder.next_frame()? {
            let reply = handler(message).await;
            stream.write_all(&frame(&reply)).await?;
        }
        if *stopped.borrow() {
            return Ok(());
        }
        let n = tokio::select! {
            _ = stopped.changed() => return Ok(()),
            read = tokio::time::timeout(config.idle, stream.read(&mut buf)) => match read {
                Ok(n) => n?,
                Err(_) => return Ok(()),
            },
        };
        if n == 0 {
            return Ok(());
        }
        decoder.push(&buf[..n]);
    }
}
