//! Crash safety: `meridian import` is killed with SIGKILL at random points while it writes;
//! after each kill the database reopens with every acknowledged write present, versions and
//! outbox in agreement, and an intact audit chain.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use meridian_app::{KeySource, Workspace};
use meridian_domain::time::Timestamp;
use meridian_security::keys::OsKeyring;
use rand::{Rng, SeedableRng};

fn observation(patient: &str, id: &str, value: f64) -> String {
    format!(
        r#"{{"resourceType":"Observation","id":"{id}","status":"final","category":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}}]}}],"code":{{"coding":[{{"system":"http://loinc.org","code":"8867-4"}}]}},"subject":{{"reference":"Patient/{patient}"}},"effectiveDateTime":"2026-11-29T10:00:00Z","valueQuantity":{{"value":{value},"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let keys = OsKeyring::new().expect("the OS keyring (kernel keyutils) must be usable for this test");
    let store = Workspace::create(&db, KeySource::Keyring, &keys, None).await.unwrap();
    let app = meridian_app::App::new(store, std::sync::Arc::new(meridian_app::SystemClock), meridian_app::Policy::default());
    app.bootstrap(&meridian_api::NewUser { username: "admin".into(), display_name: "Admin".into(), role: "admin".into(), password: "a good long password".into(), practitioner_id: None }).await.unwrap();
    app.close().await;

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0xC0FFEE);
    let mut acked: Vec<(String, i64)> = Vec::new();
    let trials = 12;
    for trial in 0..trials {
        let mut child = Command::new(crate::BIN)
            .args(["--db", db.to_str().unwrap(), "import"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let patient = format!("crash-p{trial}");
        let count = 2000;
        let writer = std::thread::spawn(move || {
            let _ = writeln!(stdin, r#"{{"resourceType":"Patient","id":"{patient}","name":[{{"family":"Trial","given":["Crash"]}}],"birthDate":"1970-01-01"}}"#);
            for i in 0..count {
                // Some writes update earlier observations: new versions, not new rows.
                let id = if i % 5 == 4 { format!("crash-o{trial}-{}", i - 1) } else { format!("crash-o{trial}-{i}") };
                if writeln!(stdin, "{}", observation(&patient, &id, 60.0 + f64::from(i % 40))).is_err() {
                    break;
                }
            }
        });
        let kill_after = Duration::from_millis(rng.gen_range(30..900));
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => lines.push(l),
                    Err(_) => break,
                }
            }
            lines
        });
        let started = Instant::now();
        while started.elapsed() < kill_after {
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let _ = writer.join();
        let lines = reader.join().unwrap();
        for l in lines {
            let rest = l.strip_prefix("ok ").unwrap_or_else(|| panic!("unexpected output: {l}"));
            let mut parts = rest.split('/');
            let (rtype, id, version) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap().parse::<i64>().unwrap());
            acked.push((format!("{rtype}/{id}"), version));
        }

        let store = Workspace::open(&db, &keys, None).await.unwrap();
        let mut tx = store.write(Timestamp(0)).await.unwrap();
        for (key, version) in &acked {
            let (rtype, id) = key.split_once('/').unwrap();
            let stored = tx.read(rtype, id).await.unwrap().unwrap_or_else(|| panic!("acknowledged {key} lost after kill in trial {trial}"));
            assert!(stored.version >= *version, "{key} went back from version {version} to {}", stored.version);
            assert!(tx.read_version(rtype, id, *version).await.unwrap().is_some(), "{key} version {version} lost");
        }
        assert_eq!(tx.outbox_disagreements().await.unwrap(), 0, "outbox and versions disagree after trial {trial}");
        drop(tx);
        let report = store.verify_audit().await.unwrap();
        assert!(report.is_intact(), "audit chain broken after trial {trial}: {:?}", report.problems);
        store.close().await;
    }
    assert!(acked.len() > trials, "the kills came too early to test anything ({} acknowledged)", acked.len());
    println!("crash test: {trials} kills, {} acknowledged writes verified", acked.len());
}
