//! The one way Meridian builds an HTTP client: reqwest over rustls on the `ring` provider, the
//! operating system's trust store, HTTP/1.1, no redirects (a redirect could carry credentials
//! elsewhere, and a clinical endpoint that redirects is misconfigured).
//!
//! reqwest is built with `rustls-no-provider` across the workspace (no aws-lc C build), so a
//! `reqwest::Client::new()` anywhere would panic at runtime for want of a TLS provider; every
//! client comes from [`client`] instead. It knows nothing of FHIR or DICOMweb.
//!
//! ```no_run
//! let http = meridian_http::client(std::time::Duration::from_secs(30), "meridian-example/1")?;
//! # Ok::<(), meridian_http::HttpSetupError>(())
//! ```

use std::sync::Arc;
use std::time::Duration;

/// Why no client could be built. Carries no URL or credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpSetupError {
    #[error("TLS could not be set up (is the operating system's certificate store readable?)")]
    Tls,
    #[error("the HTTP client could not be built")]
    Build,
}

/// A client with `timeout` for whole requests (connecting: at most 10 s of it).
pub fn client(
    timeout: Duration,
    user_agent: &'static str,
) -> Result<reqwest::Client, HttpSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| {
            use rustls_platform_verifier::BuilderVerifierExt;
            b.with_platform_verifier()
        })
        .map_err(|_| HttpSetupError::Tls)?
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .build()
        .map_err(|_| HttpSetupError::Build)
}
