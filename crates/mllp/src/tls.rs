//! TLS for MLLP connections, on rustls with the ring provider.

use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

use crate::MllpError;

/// A byte stream an MLLP exchange runs over: plain TCP or TLS over it.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls(e: impl std::fmt::Display) -> MllpError {
    MllpError::Tls(e.to_string())
}

/// How the client opens TLS: the CA certificates it trusts and the name the peer's
/// certificate must carry.
#[derive(Clone)]
pub struct TlsClient {
    config: Arc<rustls::ClientConfig>,
    server_name: ServerName<'static>,
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClient").field("server_name", &self.server_name).finish_non_exhaustive()
    }
}

impl TlsClient {
    /// Trusts the CA certificates in `ca_pem` (PEM, one or more) for a peer named `server_name`
    /// (a DNS name or an IP address).
    pub fn new(ca_pem: &[u8], server_name: &str) -> Result<TlsClient, MllpError> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem) {
            roots.add(cert.map_err(tls)?).map_err(tls)?;
        }
        if roots.is_empty() {
            return Err(MllpError::Tls("no CA certificate in the PEM given".into()));
        }
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(tls)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let server_name = ServerName::try_from(server_name.to_owned()).map_err(|_| MllpError::Tls("not a valid DNS name or IP address".into()))?;
        Ok(TlsClient { config: Arc::new(config), server_name })
    }

    pub(crate) async fn connect(&self, stream: TcpStream) -> Result<Box<dyn Io>, MllpError> {
        let connector = tokio_rustls::TlsConnector::from(self.config.clone());
        let stream = connector.connect(self.server_name.clone(), stream).await.map_err(tls)?;
        Ok(Box::new(stream))
    }
}

/// The listener's certificate chain and key.
#[derive(Clone)]
pub struct TlsServer {
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsServer(..)")
    }
}

impl TlsServer {
    /// A certificate chain (PEM, leaf first) and its private key (PEM, PKCS#8, PKCS#1 or SEC1).
    pub fn new(cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<TlsServer, MllpError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_chain_pem).collect::<Result<_, _>>().map_err(tls)?;
        if chain.is_empty() {
            return Err(MllpError::Tls("no certificate in the PEM given".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| MllpError::Tls("no usable private key in the PEM given".into()))?;
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(tls)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(tls)?;
        Ok(TlsServer { config: Arc::new(config) })
    }

    pub(crate) async fn accept(&self, stream: TcpStream) -> Result<Box<dyn Io>, MllpError> {
        let acceptor = tokio_rustls::TlsAcceptor::from(self.config.clone());
        Ok(Box::new(acceptor.accept(stream).await.map_err(tls)?))
    }
}
