//! MLLP round trips per second (send a message, wait for its ACK, one connection), side by side
//! in one run: Meridian's client against python-hl7's MLLP server, python-hl7's own client
//! against the same server, and Meridian's client against Meridian's listener.
//!
//! `cargo bench -p meridian-mllp --bench roundtrip` (needs the setup's Python with `hl7`).

use std::process::Command;
use std::time::Instant;

use meridian_mllp::test_support::{Peer, python, tempdir};
use meridian_mllp::{Client, Listener, ListenerConfig, Timeouts, ack_control_id};

fn message(id: usize) -> Vec<u8> {
    format!(
        "MSH|^~\\&|MERIDIAN|HOSP|LAB|HOSP|20261130101500+0000||ORM^O01^ORM_O01|B{id}|P|2.5.1\r\
         PID|1||MRN{id:06}^^^MERIDIAN^MR||Test^Patient||19800101|F\r\
         ORC|NW|B{id}\r\
         OBR|1|B{id}||24331-1^Lipid panel^LN\r"
    )
    .into_bytes()
}

const PY_CLIENT: &str = r#"
import sys, time
from hl7.client import MLLPClient
port, n = int(sys.argv[1]), int(sys.argv[2])
msgs = ["MSH|^~\\&|MERIDIAN|HOSP|LAB|HOSP|20261130101500+0000||ORM^O01^ORM_O01|P%d|P|2.5.1\rPID|1||MRN%06d^^^MERIDIAN^MR||Test^Patient||19800101|F\rORC|NW|P%d\rOBR|1|P%d||24331-1^Lipid panel^LN\r" % (i, i, i, i) for i in range(n)]
with MLLPClient("127.0.0.1", port) as c:
    for m in msgs[:50]:
        c.send_message(m)
    start = time.perf_counter()
    for m in msgs:
        c.send_message(m)
    print(n / (time.perf_counter() - start))
"#;

async fn ours(addr: String, n: usize) -> f64 {
    let mut client = Client::new(addr, Timeouts::default());
    for i in 0..50 {
        let id = format!("B{}", 1_000_000 + i);
        let _ = client.send(&message(1_000_000 + i), &id).await;
    }
    let start = Instant::now();
    for i in 0..n {
        let ack = client.send(&message(i), &format!("B{i}")).await.expect("ack");
        assert!(ack_control_id(&ack).is_some());
    }
    n as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = 3000;
    let Ok(peer) = Peer::try_start("ack") else {
        println!("python-hl7 peer not available; run scripts/setup");
        return;
    };
    let addr = format!("127.0.0.1:{}", peer.port);
    let ours_vs_python = ours(addr.clone(), n).await;
    let _dir = tempdir::Dir::new();
    let out = Command::new(python()).args(["-c", PY_CLIENT, &peer.port.to_string(), &n.to_string()]).output().expect("python");
    let python_vs_python: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0.0);
    drop(peer);

    let listener = Listener::bind("127.0.0.1:0", ListenerConfig::default()).await.expect("bind");
    let handle = listener
        .spawn(|msg: Vec<u8>| async move {
            let id = String::from_utf8_lossy(&msg).split('\r').next().and_then(|m| m.split('|').nth(9).map(str::to_owned)).unwrap_or_default();
            format!("MSH|^~\\&|LAB|HOSP|MERIDIAN|HOSP|20261130101500+0000||ACK^O01^ACK|A{id}|P|2.5.1\rMSA|AA|{id}\r").into_bytes()
        })
        .expect("spawn");
    let ours_vs_ours = ours(handle.local_addr().to_string(), n * 5).await;
    handle.stop().await;

    println!("MLLP round trips per second (one connection, {n} ORM^O01 each, ACK awaited)");
    println!("  meridian client  -> python-hl7 server  {ours_vs_python:>9.0}/s");
    println!("  python-hl7 client -> python-hl7 server {python_vs_python:>9.0}/s");
    println!("  meridian client  -> meridian listener  {ours_vs_ours:>9.0}/s");
    if python_vs_python > 0.0 {
        println!("  with the python-hl7 server as the peer: meridian client / python-hl7 client = {:.2}x", ours_vs_python / python_vs_python);
        println!("  meridian end to end / python-hl7 end to end = {:.1}x", ours_vs_ours / python_vs_python);
    }
}
