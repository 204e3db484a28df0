//! MLLP over TLS: a CA and a server certificate made with the openssl command, Meridian's
//! client against Meridian's listener; a client that trusts another CA, or expects another
//! name, is refused before any message is sent.

use std::process::Command;
use std::time::Duration;

use meridian_mllp::test_support::tempdir;
use meridian_mllp::{Client, Listener, ListenerConfig, MllpError, Timeouts, TlsClient, TlsServer, ack_control_id};

struct Pki {
    _dir: tempdir::Dir,
    ca: Vec<u8>,
    other_ca: Vec<u8>,
    chain: Vec<u8>,
    key: Vec<u8>,
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("the openssl command");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn pki() -> Pki {
    let dir = tempdir::Dir::new();
    let d = dir.path.as_path();
    for name in ["ca", "other"] {
        openssl(d, &["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", &format!("/CN=Test {name} CA"), "-keyout", &format!("{name}.key"), "-out", &format!("{name}.pem")]);
    }
    openssl(d, &["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=lab.interface.test", "-keyout", "server.key", "-out", "server.csr"]);
    std::fs::write(d.join("ext.cnf"), "subjectAltName=DNS:lab.interface.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n").expect("ext");
    openssl(d, &["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem"]);
    let read = |n: &str| std::fs::read(d.join(n)).expect("pem");
    Pki { ca: read("ca.pem"), other_ca: read("other.pem"), chain: read("server.pem"), key: read("server.key"), _dir: dir }
}

fn message(id: &str) -> Vec<u8> {
    format!("MSH|^~\\&|MERIDIAN|HOSP|LAB|HOSP|20261130101500+0000||ORM^O01^ORM_O01|{id}|P|2.5.1\rPID|1||MRN1^^^MERIDIAN^MR||Test^Pat\r").into_bytes()
}

fn ack(msg: &[u8]) -> Vec<u8> {
    let id = String::from_utf8_lossy(msg).split('\r').next().and_then(|m| m.split('|').nth(9).map(str::to_owned)).unwrap_or_default();
    format!("MSH|^~\\&|LAB|HOSP|MERIDIAN|HOSP|20261130101500+0000||ACK^O01^ACK|A{id}|P|2.5.1\rMSA|AA|{id}\r").into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_travel_over_tls_and_untrusted_peers_are_refused() {
    let pki = pki();
    let server = TlsServer::new(&pki.chain, &pki.key).expect("server config");
    let listener = Listener::bind("127.0.0.1:0", ListenerConfig::default()).await.expect("bind").with_tls(server);
    let handle = listener.spawn(|m: Vec<u8>| async move { ack(&m) }).expect("spawn");
    let addr = handle.local_addr().to_string();
    let quick = Timeouts { connect: Duration::from_secs(5), ack: Duration::from_secs(5) };

    let mut client = Client::new(addr.clone(), quick).with_tls(TlsClient::new(&pki.ca, "lab.interface.test").expect("client config"));
    for i in 0..3 {
        let id = format!("T{i}");
        let reply = client.send(&message(&id), &id).await.expect("ack over TLS");
        assert_eq!(ack_control_id(&reply).as_deref(), Some(id.as_str()));
    }

    let mut wrong_ca = Client::new(addr.clone(), quick).with_tls(TlsClient::new(&pki.other_ca, "lab.interface.test").expect("config"));
    let err = wrong_ca.send(&message("X1"), "X1").await.expect_err("untrusted certificate");
    assert!(matches!(err, MllpError::Tls(_)), "{err}");
    assert!(!err.is_retryable());

    let mut wrong_name = Client::new(addr.clone(), quick).with_tls(TlsClient::new(&pki.ca, "pharmacy.interface.test").expect("config"));
    assert!(matches!(wrong_name.send(&message("X2"), "X2").await, Err(MllpError::Tls(_))));

    // A plain-text client gets no ACK from a TLS listener.
    let mut plain = Client::new(addr, Timeouts { connect: Duration::from_secs(5), ack: Duration::from_millis(800) });
    assert!(plain.send(&message("X3"), "X3").await.is_err());
    handle.stop().await;
}

#[test]
fn bad_pem_is_a_clear_error() {
    assert!(matches!(TlsClient::new(b"not a pem", "a.test"), Err(MllpError::Tls(m)) if m.contains("no CA certificate")));
    assert!(matches!(TlsServer::new(b"", b""), Err(MllpError::Tls(m)) if m.contains("no certificate")));
}
