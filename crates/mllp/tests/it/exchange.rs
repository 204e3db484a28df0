use std::process::Command;
use std::time::Duration;

use meridian_mllp::{Client, Listener, ListenerConfig, MllpError, Timeouts, ack_control_id};

use meridian_mllp::test_support::{Peer, python, script, tempdir};

fn message(control_id: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|MERIDIAN|HOSP|LAB|HOSP|20261130101500||ORM^O01^ORM_O01|{control_id}|P|2.5.1\r\
         PID|1||MRN1^^^HOSP^MR||Test^Patient||19800101|F\r\
         ORC|NW|{control_id}\r\
         OBR|1|{control_id}||24331-1^Lipid panel^LN\r"
    )
    .into_bytes()
}

fn quick() -> Timeouts {
    Timeouts { connect: Duration::from_secs(5), ack: Duration::from_millis(1500) }
}

#[tokio::test]
async fn python_hl7_server_acknowledges_each_message_on_one_connection() {
    let peer = Peer::start("ack");
    let mut client = Client::new(format!("127.0.0.1:{}", peer.port), quick());
    for i in 0..5 {
        let id = format!("C{i}");
        let ack = client.send(&message(&id), &id).await.expect("ack");
        let text = String::from_utf8(ack).expect("utf-8");
        assert!(text.contains(&format!("MSA|AA|{id}")), "ack for {id}");
    }
    let seen: Vec<String> = peer.received().into_iter().map(|e| e.control_id).collect();
    assert_eq!(seen, ["C0", "C1", "C2", "C3", "C4"]);
}

#[tokio::test]
async fn a_late_ack_of_another_message_is_not_taken_for_this_one() {
    let peer = Peer::start("stale");
    let mut client = Client::new(format!("127.0.0.1:{}", peer.port), quick());
    let ack = client.send(&message("M-1"), "M-1").await.expect("ack");
    assert_eq!(ack_control_id(&ack).as_deref(), Some("M-1"));
}

#[tokio::test]
async fn a_silent_peer_times_out_and_the_next_send_reconnects() {
    let peer = Peer::start("silent");
    let mut client = Client::new(format!("127.0.0.1:{}", peer.port), quick());
    let err = client.send(&message("S-1"), "S-1").await.expect_err("no ack");
    assert!(matches!(err, MllpError::Timeout(_)), "{err}");
    assert!(err.is_retryable());
    let err = client.send(&message("S-2"), "S-2").await.expect_err("no ack");
    assert!(matches!(err, MllpError::Timeout(_)));
    assert_eq!(peer.received().len(), 2);
}

#[tokio::test]
async fn a_peer_that_hangs_up_is_a_retryable_error() {
    let peer = Peer::start("close");
    let mut client = Client::new(format!("127.0.0.1:{}", peer.port), quick());
    let err = client.send(&message("X-1"), "X-1").await.expect_err("closed");
    assert!(matches!(err, MllpError::Closed | MllpError::Io(_)), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn nobody_listening_is_a_connect_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let mut client = Client::new(format!("127.0.0.1:{port}"), quick());
    let err = client.send(&message("N-1"), "N-1").await.expect_err("refused");
    assert!(matches!(err, MllpError::Connect(_)), "{err}");
}

fn ack_of(msg: &[u8]) -> Vec<u8> {
    let id = String::from_utf8_lossy(msg).split('\r').next().and_then(|msh| msh.split('|').nth(9).map(str::to_owned)).unwrap_or_default();
    format!("MSH|^~\\&|MERIDIAN|HOSP|PEER|TEST|20261130101500||ACK^A01^ACK|A{id}|P|2.5.1\rMSA|AA|{id}\r").into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_hl7_client_gets_our_listeners_acks() {
    let listener = Listener::bind("127.0.0.1:0", ListenerConfig::default()).await.expect("bind");
    let handle = listener.spawn(|msg: Vec<u8>| async move { ack_of(&msg) }).expect("spawn");
    let dir = tempdir::Dir::new();
    let file = dir.path.join("in.hl7");
    let batch: String = (0..3).map(|i| String::from_utf8(message(&format!("P{i}"))).expect("utf8").replace('\r', "\n") + "\n").collect();
    std::fs::write(&file, batch).expect("write");
    let port = handle.local_addr().port().to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python()).arg(script()).args(["send", "--port", &port, "--file"]).arg(&file).output()
    })
    .await
    .expect("join")
    .expect("run python-hl7 client");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for i in 0..3 {
        assert!(stdout.contains(&format!("MSA|AA|P{i}")), "ack P{i} in {stdout}");
    }
    handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_connections_each_get_their_own_acks() {
    let listener = Listener::bind("127.0.0.1:0", ListenerConfig::default()).await.expect("bind");
    let handle = listener.spawn(|msg: Vec<u8>| async move { ack_of(&msg) }).expect("spawn");
    let addr = handle.local_addr().to_string();
    let mut tasks = Vec::new();
    for c in 0..32 {
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            let mut client = Client::new(addr, quick());
            for m in 0..10 {
                let id = format!("K{c}-{m}");
                let ack = client.send(&message(&id), &id).await?;
                assert_eq!(ack_control_id(&ack).as_deref(), Some(id.as_str()));
            }
            Ok::<_, MllpError>(())
        }));
    }
    for t in tasks {
        t.await.expect("join").expect("exchange");
    }
    handle.stop().await;
}

#[tokio::test]
async fn junk_on_the_wire_closes_that_connection_only() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = Listener::bind("127.0.0.1:0", ListenerConfig::default()).await.expect("bind");
    let handle = listener.spawn(|msg: Vec<u8>| async move { ack_of(&msg) }).expect("spawn");
    let mut junk = tokio::net::TcpStream::connect(handle.local_addr()).await.expect("connect");
    junk.write_all(b"GET / HTTP/1.1\r\n\r\n").await.expect("write");
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(5), junk.read(&mut buf)).await.expect("closed promptly").unwrap_or(0);
    assert_eq!(n, 0, "connection closed without a reply");
    let mut client = Client::new(handle.local_addr().to_string(), quick());
    assert!(client.send(&message("OK-1"), "OK-1").await.is_ok());
    handle.stop().await;
}
