//! SMART backend services: the signed client assertion (a JWT, built here over `p384` rather
//! than a JWT crate) and the token endpoint's answer.

use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use p384::ecdsa::Signature;
use p384::ecdsa::signature::Signer;
use serde::Deserialize;

use crate::endpoint::{Secret, SmartBackend};
use crate::error::{ClientError, ClientErrorKind, truncate};

/// The client assertion type of RFC 7523, as SMART requires.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid: SMART allows at most five minutes.
pub const ASSERTION_LIFETIME_SECS: u64 = 300;

/// Builds the signed client assertion: header `{"alg":"ES384","typ":"JWT","kid":..}`, claims
/// `iss = sub = client_id`, `aud = token_url`, `exp = now + 300`, `jti` as given.
///
/// `now_unix` is the current time in Unix seconds and `jti` a fresh random id; both are
/// parameters so that the assertion is reproducible in tests (ES384 here is deterministic,
/// RFC 6979).
pub fn client_assertion(smart: &SmartBackend, now_unix: u64, jti: &str) -> String {
    let header = serde_json::json!({ "alg": "ES384", "typ": "JWT", "kid": smart.key_id });
    let claims = serde_json::json!({
        "iss": smart.client_id,
        "sub": smart.client_id,
        "aud": smart.token_url,
        "exp": now_unix + ASSERTION_LIFETIME_SECS,
        "jti": jti,
    });
    let mut input = Base64UrlUnpadded::encode_string(header.to_string().as_bytes());
    input.push('.');
    input.push_str(&Base64UrlUnpadded::encode_string(
        claims.to_string().as_bytes(),
    ));
    // JWS ES384 signatures are the raw 96-byte r || s, not DER.
    let signature: Signature = smart.key.0.sign(input.as_bytes());
    input.push('.');
    input.push_str(&Base64UrlUnpadded::encode_string(&signature.to_bytes()));
    input
}

/// A random `jti`: 128 bits from the operating system, as hex.
pub(crate) fn random_jti() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The form body of the token request.
pub(crate) fn token_request_body(smart: &SmartBackend, assertion: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("scope", &smart.scope)
        .append_pair("client_assertion_type", CLIENT_ASSERTION_TYPE)
        .append_pair("client_assertion", assertion)
        .finish()
}

/// A token from the token endpoint.
#[derive(Debug)]
pub(crate) struct AccessToken {
    pub(crate) value: Secret,
    pub(crate) lifetime: Duration,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct TokenErrorResponse {
    error: Option<String>,
    error_description: Option<String>,
}

/// Lifetime assumed when the server does not say (`expires_in` is only RECOMMENDED).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

fn auth_error(reason: String) -> ClientError {
    ClientError::new("token", ClientErrorKind::Auth { reason })
}

/// Reads a successful token answer.
pub(crate) fn read_token_response(body: &[u8]) -> Result<AccessToken, ClientError> {
    let parsed: TokenResponse = serde_json::from_slice(body).map_err(|_| {
        auth_error("the token endpoint answered with something other than a JSON token".into())
    })?;
    let Some(token) = parsed.access_token.filter(|t| !t.is_empty()) else {
        return Err(auth_error(
            "the token endpoint's answer has no `access_token`".into(),
        ));
    };
    if let Some(kind) = parsed.token_type.as_deref()
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(auth_error(format!(
            "the token endpoint issued a `{}` token; only bearer tokens are supported",
            truncate(kind)
        )));
    }
    Ok(AccessToken {
        value: Secret::new(token),
        lifetime: parsed
            .expires_in
            .map_or(DEFAULT_LIFETIME, Duration::from_secs),
    })
}

/// Describes a failed token answer by status and the OAuth `error` code (RFC 6749 §5.2).
pub(crate) fn token_failure(status: u16, body: &[u8]) -> ClientError {
    let detail = serde_json::from_slice::<TokenErrorResponse>(body)
        .ok()
        .map(|e| {
            let mut s = e.error.map(|c| truncate(&c)).unwrap_or_default();
            if let Some(d) = e.error_description {
                s.push_str(": ");
                s.push_str(&truncate(&d));
            }
            s
        })
        .filter(|s| !s.is_empty());
    let hint = match status {
        400 | 401 => {
            " (check the client id, the registered public key and its kid, the scopes, and this machine's clock)"
        }
        _ => "",
    };
    let reason = match detail {
        Some(d) => format!("token endpoint answered {status}, {d}{hint}"),
        None => format!("token endpoint answered {status}{hint}"),
    };
    auth_error(reason)
}
