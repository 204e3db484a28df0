//! SMART backend services over real HTTP: a token endpoint written here checks the client
//! assertion's ES384 signature and claims with the registered public key and issues tokens; a
//! FHIR listener records the `Authorization` header that arrives.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use meridian_fhirclient::{
    Auth, Client, ClientErrorKind, Endpoint, Secret, SigningKey, SmartBackend, client_assertion,
};
use p384::ecdsa::signature::Verifier;
use p384::ecdsa::{Signature, VerifyingKey};
use p384::pkcs8::DecodePrivateKey;

use crate::{RawServer, SeenRequest};

const CLIENT_KEY: &str = include_str!("../data/es384-client.pem");
const OTHER_KEY: &str = include_str!("../data/es384-other.pem");
const CLIENT_ID: &str = "meridian-sync";
const KID: &str = "meridian-2024";
const PATIENT: &str = r#"{"resourceType":"Patient","id":"p1"}"#;

fn registered_key() -> VerifyingKey {
    *p384::ecdsa::SigningKey::from_pkcs8_pem(CLIENT_KEY)
        .expect("test key")
        .verifying_key()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// Checks a client assertion as an authorisation server would; the reason on failure.
fn verify_assertion(
    jwt: &str,
    token_url: &str,
    key: &VerifyingKey,
) -> Result<serde_json::Value, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err("not three parts".into());
    };
    let decode = |s: &str| Base64UrlUnpadded::decode_vec(s).map_err(|e| e.to_string());
    let header: serde_json::Value =
        serde_json::from_slice(&decode(header)?).map_err(|e| e.to_string())?;
    let claims_json: serde_json::Value =
        serde_json::from_slice(&decode(claims)?).map_err(|e| e.to_string())?;
    let signature = Signature::from_slice(&decode(signature)?).map_err(|e| e.to_string())?;
    let signed = &jwt[..jwt.rfind('.').unwrap_or(0)];
    key.verify(signed.as_bytes(), &signature)
        .map_err(|_| "bad signature".to_owned())?;
    if header["alg"] != "ES384" || header["kid"] != KID || header["typ"] != "JWT" {
        return Err(format!("header {header}"));
    }
    let c = &claims_json;
    if c["iss"] != CLIENT_ID || c["sub"] != CLIENT_ID || c["aud"] != token_url {
        return Err(format!("claims {c}"));
    }
    let exp = c["exp"].as_u64().unwrap_or(0);
    if exp <= now() || exp > now() + 300 {
        return Err(format!("exp {exp}"));
    }
    let jti = c["jti"].as_str().unwrap_or_default();
    if jti.len() < 16 {
        return Err("jti too short".into());
    }
    Ok(claims_json)
}

/// A token endpoint that verifies assertions against the registered key and issues
/// `tok-1`, `tok-2`, ... with the given lifetime.
async fn token_endpoint(
    expires_in: u64,
) -> (
    RawServer,
    Arc<AtomicUsize>,
    Arc<std::sync::Mutex<Vec<String>>>,
) {
    let issued = Arc::new(AtomicUsize::new(0));
    let jtis = Arc::new(std::sync::Mutex::new(Vec::new()));
    let url_cell = Arc::new(std::sync::OnceLock::<String>::new());
    let server = RawServer::start({
        let issued = issued.clone();
        let jtis = jtis.clone();
        let url_cell = url_cell.clone();
        move |req: &SeenRequest| {
            let form: Vec<(String, String)> = url::form_urlencoded::parse(&req.body)
                .into_owned()
                .collect();
            let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            let token_url = url_cell.get().cloned().unwrap_or_default();
            let ok_form = req.method == "POST"
                && req.header("content-type") == Some("application/x-www-form-urlencoded")
                && get("grant_type") == Some("client_credentials")
                && get("scope") == Some("system/Patient.rs")
                && get("client_assertion_type")
                    == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
            if !ok_form {
                return (400, r#"{"error":"invalid_request"}"#.into());
            }
            match verify_assertion(get("client_assertion").unwrap_or_default(), &token_url, &registered_key()) {
                Ok(claims) => {
                    jtis.lock().expect("lock").push(claims["jti"].as_str().unwrap_or_default().to_owned());
                    let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                    (
                        200,
                        format!(r#"{{"access_token":"tok-{n}","expires_in":{expires_in},"token_type":"bearer","scope":"system/Patient.rs"}}"#),
                    )
                }
                Err(_) => (
                    401,
                    r#"{"error":"invalid_client","error_description":"assertion signature does not verify"}"#.into(),
                ),
            }
        }
    })
    .await;
    let token_url = format!("{}/token", server.url);
    let _ = url_cell.set(token_url);
    (server, issued, jtis)
}

fn smart_client(fhir: &RawServer, token: &RawServer, key_pem: &str) -> Client {
    let smart = SmartBackend {
        token_url: format!("{}/token", token.url),
        client_id: CLIENT_ID.into(),
        key: SigningKey::from_pkcs8_pem(key_pem).expect("key"),
        scope: "system/Patient.rs".into(),
        key_id: KID.into(),
    };
    Client::new(
        Endpoint::new(&fhir.url)
            .with_auth(Auth::SmartBackend(smart))
            .with_timeout(Duration::from_secs(10)),
    )
    .expect("client")
}

fn authorizations(fhir: &RawServer) -> Vec<String> {
    fhir.requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_smart_token_is_sent_as_bearer_and_reused() {
    let (token, issued, jtis) = token_endpoint(300).await;
    let fhir = RawServer::start(|_| (200, PATIENT.into())).await;
    let c = smart_client(&fhir, &token, CLIENT_KEY);
    for _ in 0..3 {
        let read = c.read("Patient", "p1").await.expect("read").expect("found");
        assert_eq!(read.resource.id(), Some("p1"));
    }
    assert_eq!(
        issued.load(Ordering::SeqCst),
        1,
        "one token for three requests"
    );
    assert_eq!(authorizations(&fhir), vec!["Bearer tok-1"; 3]);
    assert_eq!(jtis.lock().expect("lock").len(), 1);
    assert_eq!(token.requests()[0].target, "/token");
}

#[tokio::test]
async fn a_short_lived_token_is_renewed_before_it_expires() {
    let (token, issued, jtis) = token_endpoint(1).await;
    let fhir = RawServer::start(|_| (200, PATIENT.into())).await;
    let c = smart_client(&fhir, &token, CLIENT_KEY);
    c.read("Patient", "p1").await.expect("first");
    // Renewal starts half-way through a token's life for short-lived tokens.
    tokio::time::sleep(Duration::from_millis(600)).await;
    c.read("Patient", "p1").await.expect("second");
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    assert_eq!(authorizations(&fhir), vec!["Bearer tok-1", "Bearer tok-2"]);
    let jtis = jtis.lock().expect("lock").clone();
    assert_ne!(jtis[0], jtis[1], "every assertion has a fresh jti");
}

#[tokio::test]
async fn a_401_from_the_fhir_server_gets_one_fresh_token_and_one_retry() {
    let (token, issued, _) = token_endpoint(300).await;
    // The FHIR server has revoked tok-1.
    let fhir = RawServer::start(|req| match req.header("authorization") {
        Some("Bearer tok-1") => (401, String::new()),
        _ => (200, PATIENT.into()),
    })
    .await;
    let c = smart_client(&fhir, &token, CLIENT_KEY);
    assert!(c.read("Patient", "p1").await.expect("read").is_some());
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    assert_eq!(authorizations(&fhir), vec!["Bearer tok-1", "Bearer tok-2"]);

    // A server that refuses every token: one retry, then the 401 is reported.
    let refusing = RawServer::start(|_| (401, String::new())).await;
    let c = smart_client(&refusing, &token, CLIENT_KEY);
    let err = c.read("Patient", "p1").await.expect_err("refused");
    assert!(
        matches!(err.kind, ClientErrorKind::Rejected { status: 401, .. }),
        "{err}"
    );
    assert_eq!(refusing.requests().len(), 2);
}

#[tokio::test]
async fn an_unregistered_key_is_an_auth_error_and_no_fhir_request_is_made() {
    let (token, issued, _) = token_endpoint(300).await;
    let fhir = RawServer::start(|_| (200, PATIENT.into())).await;
    let c = smart_client(&fhir, &token, OTHER_KEY);
    let err = c.read("Patient", "p1").await.expect_err("wrong key");
    assert!(matches!(err.kind, ClientErrorKind::Auth { .. }), "{err}");
    assert!(!err.is_retryable());
    let shown = err.to_string();
    assert!(
        shown.starts_with(
            "fhir token: authorisation failed: token endpoint answered 401, invalid_client"
        ),
        "{shown}"
    );
    assert!(!shown.contains("eyJ"), "no assertion in errors: {shown}");
    assert_eq!(issued.load(Ordering::SeqCst), 0);
    assert!(fhir.requests().is_empty());
}

#[tokio::test]
async fn a_fixed_bearer_token_is_sent_and_not_printed() {
    let fhir = RawServer::start(|_| (200, PATIENT.into())).await;
    let endpoint = Endpoint::new(&fhir.url).with_auth(Auth::Bearer(Secret::new("s3cr3t-token")));
    let shown = format!("{endpoint:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    let c = Client::new(endpoint).expect("client");
    assert!(!format!("{c:?}").contains("s3cr3t"));
    c.read("Patient", "p1").await.expect("read");
    assert_eq!(authorizations(&fhir), vec!["Bearer s3cr3t-token"]);
    assert_eq!(
        fhir.requests()[0].header("accept"),
        Some("application/fhir+json")
    );
}

#[test]
fn the_assertion_verifies_with_the_public_key_and_carries_the_smart_claims() {
    let token_url = "https://auth.example.org/token";
    let smart = SmartBackend {
        token_url: token_url.into(),
        client_id: CLIENT_ID.into(),
        key: SigningKey::from_pkcs8_pem(CLIENT_KEY).expect("key"),
        scope: "system/Patient.rs".into(),
        key_id: KID.into(),
    };
    let issued_at = now();
    let jwt = client_assertion(&smart, issued_at, "0123456789abcdef0123456789abcdef");
    let claims = verify_assertion(&jwt, token_url, &registered_key()).expect("valid");
    assert_eq!(claims["exp"].as_u64(), Some(issued_at + 300));
    assert_eq!(claims["jti"], "0123456789abcdef0123456789abcdef");
    // Signed with another key, it does not verify.
    let other = SmartBackend {
        key: SigningKey::from_pkcs8_pem(OTHER_KEY).expect("key"),
        ..smart.clone()
    };
    let forged = client_assertion(&other, issued_at, "0123456789abcdef0123456789abcdef");
    assert_eq!(
        verify_assertion(&forged, token_url, &registered_key()),
        Err("bad signature".into())
    );
    // The published JWK is the registered key.
    let jwk = smart.key.public_jwk(KID);
    let x = Base64UrlUnpadded::decode_vec(jwk["x"].as_str().unwrap_or_default()).expect("x");
    let y = Base64UrlUnpadded::decode_vec(jwk["y"].as_str().unwrap_or_default()).expect("y");
    let point = registered_key().to_encoded_point(false);
    assert_eq!(point.x().map(|b| b.to_vec()), Some(x));
    assert_eq!(point.y().map(|b| b.to_vec()), Some(y));
    assert_eq!(jwk["crv"], "P-384");
    assert_eq!(jwk["kid"], KID);
    assert_eq!(format!("{:?}", smart.key), "SigningKey(..)");
}

#[test]
fn keys_other_than_p384_are_refused_with_a_hint() {
    for pem in [
        include_str!("../data/rsa-client.pem"),
        include_str!("../data/es256-client.pem"),
    ] {
        let err = SigningKey::from_pkcs8_pem(pem).expect_err("not P-384");
        assert!(matches!(err.kind, ClientErrorKind::Config { .. }), "{err}");
        assert!(err.to_string().contains("only ES384 is supported"), "{err}");
    }
    let err = SigningKey::from_pkcs8_pem("not a pem").expect_err("garbage");
    assert!(err.to_string().contains("PKCS#8 PEM"), "{err}");
}

#[test]
fn credentials_are_only_sent_over_https_or_loopback() {
    let key = || SigningKey::from_pkcs8_pem(CLIENT_KEY).expect("key");
    let bearer = Endpoint::new("http://fhir.example.org").with_auth(Auth::Bearer(Secret::new("t")));
    let err = Client::new(bearer).expect_err("plain http");
    assert!(matches!(err.kind, ClientErrorKind::Config { .. }), "{err}");
    let smart = |token_url: &str| {
        Endpoint::new("https://fhir.example.org").with_auth(Auth::SmartBackend(SmartBackend {
            token_url: token_url.into(),
            client_id: CLIENT_ID.into(),
            key: key(),
            scope: "system/*.rs".into(),
            key_id: KID.into(),
        }))
    };
    assert!(Client::new(smart("http://auth.example.org/token")).is_err());
    assert!(Client::new(smart("https://auth.example.org/token")).is_ok());
    assert!(Client::new(smart("http://127.0.0.1:9/token")).is_ok());
    assert!(
        Client::new(Endpoint::new("http://fhir.example.org")).is_ok(),
        "no credentials, no rule"
    );
}
