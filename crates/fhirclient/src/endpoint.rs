//! Where a FHIR server is and how to authenticate to it.

use std::fmt;
use std::time::Duration;

use p384::pkcs8::DecodePrivateKey;
use zeroize::Zeroizing;

use crate::error::{ClientError, ClientErrorKind};

/// A FHIR server: its base URL (`https://fhir.example.org/r4`, `http://127.0.0.1:8080`), how to
/// authenticate, and how long one request may take.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The service base URL; requests go to `{base_url}/{type}/{id}`. A trailing `/` is optional.
    pub base_url: String,
    pub auth: Auth,
    /// The limit for one whole exchange (connect, send, and read the full answer). It also
    /// bounds each token request.
    pub timeout: Duration,
}

impl Endpoint {
    /// An endpoint without authentication and a 30 s timeout.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            auth: Auth::None,
            timeout: Duration::from_secs(30),
        }
    }

    /// The same endpoint with `auth`.
    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// The same endpoint with `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// How requests are authenticated.
#[derive(Clone, Debug)]
pub enum Auth {
    /// No `Authorization` header.
    None,
    /// A fixed bearer token.
    Bearer(Secret),
    /// SMART backend services: a signed JWT buys short-lived access tokens, which the client
    /// caches and renews before they expire.
    SmartBackend(SmartBackend),
}

/// A secret string (token, password): wiped from memory on drop, printed as `Secret(..)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret text; do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

/// A registered SMART backend-services client
/// (<https://hl7.org/fhir/smart-app-launch/backend-services.html>).
#[derive(Clone, Debug)]
pub struct SmartBackend {
    /// The authorisation server's token endpoint (from `.well-known/smart-configuration`).
    pub token_url: String,
    /// The client id the server issued at registration.
    pub client_id: String,
    /// The private key whose public half (see [`SigningKey::public_jwk`]) is registered.
    pub key: SigningKey,
    /// Scopes to ask for, space-separated, e.g. `system/Patient.rs system/Observation.cruds`.
    pub scope: String,
    /// The `kid` of the registered public key; sent in the JWT header.
    pub key_id: String,
}

/// An ES384 (ECDSA P-384 with SHA-384) private key. Wiped on drop; printed as `SigningKey(..)`.
///
/// Only ES384 is supported, not RS384: SMART requires servers to accept both, and the `rsa`
/// crate is a larger build with an open timing advisory (RUSTSEC-2023-0071).
#[derive(Clone)]
pub struct SigningKey(pub(crate) Box<p384::ecdsa::SigningKey>);

impl SigningKey {
    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`) on curve P-384, as
    /// written by `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384`.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, ClientError> {
        p384::ecdsa::SigningKey::from_pkcs8_pem(pem)
            .map(|k| Self(Box::new(k)))
            .map_err(|e| {
                let reason = match e {
                    p384::pkcs8::Error::KeyMalformed | p384::pkcs8::Error::Asn1(_) => {
                        "the private key is not a readable PKCS#8 PEM (expected `-----BEGIN PRIVATE KEY-----`)"
                    }
                    _ => {
                        "the private key is not an EC P-384 key (only ES384 is supported; create one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384`)"
                    }
                };
                ClientError::new(
                    "token",
                    ClientErrorKind::Config {
                        reason: reason.into(),
                    },
                )
            })
    }

    /// The public key as a JWK (`{"kty":"EC","crv":"P-384","x":..,"y":..,"kid":..,"alg":"ES384"}`),
    /// to register with the authorisation server (inside a JWKS `{"keys":[...]}`).
    pub fn public_jwk(&self, key_id: &str) -> serde_json::Value {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let point = self.0.verifying_key().to_encoded_point(false);
        let coordinate = |c: Option<&p384::FieldBytes>| {
            c.map(|b| Base64UrlUnpadded::encode_string(b))
                .unwrap_or_default()
        };
        serde_json::json!({
            "kty": "EC",
            "crv": "P-384",
            "x": coordinate(point.x()),
            "y": coordinate(point.y()),
            "kid": key_id,
            "alg": "ES384",
            "use": "sig",
            "key_ops": ["verify"],
        })
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(..)")
    }
}
