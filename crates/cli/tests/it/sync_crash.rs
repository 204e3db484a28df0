//! Crash safety of sync: `meridian sync run` is killed with SIGKILL at random points while it
//! pushes to a real FHIR server (Helios) and local writes continue between kills. At the end
//! every local resource is on the server exactly once, with its latest content, and the outbox
//! is empty.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use meridian_app::{App, KeySource, Policy, SystemClock, Workspace};
use meridian_domain::time::Timestamp;
use meridian_fhirclient::test_support::FhirServer;
use meridian_fhirclient::{Client, Endpoint};
use meridian_security::keys::OsKeyring;
use rand::{Rng, SeedableRng};

fn observation(patient: &str, id: &str, value: u32) -> String {
    format!(
        r#"{{"resourceType":"Observation","id":"{id}","status":"final","category":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}}]}}],"code":{{"coding":[{{"system":"http://loinc.org","code":"8867-4"}}]}},"subject":{{"reference":"Patient/{patient}"}},"effectiveDateTime":"2026-11-29T10:00:00Z","valueQuantity":{{"value":{value},"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}}}"#
    )
}

async fn open(db: &std::path::Path, keys: &OsKeyring) -> App {
    let store = Workspace::open(db, keys, None).await.expect("open");
    App::new(store, std::sync::Arc::new(SystemClock), Policy::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_sync_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("sync.db");
    let keys = OsKeyring::new().expect("the OS keyring (kernel keyutils) must be usable for this test");
    let store = Workspace::create(&db, KeySource::Keyring, &keys, None).await.expect("create");
    let app = App::new(store, std::sync::Arc::new(SystemClock), Policy::default());
    app.bootstrap(&meridian_api::NewUser { username: "admin".into(), display_name: "Admin".into(), role: "admin".into(), password: "a good long password".into(), practitioner_id: None }).await.expect("bootstrap");
    let token = app.interface_session().await.expect("interface");
    app.import_resource(&token, br#"{"resourceType":"Patient","id":"sync-p1","name":[{"family":"Crash","given":["Sync"]}],"birthDate":"1970-01-01"}"#).await.expect("patient");
    app.close().await;

    let fhir = FhirServer::start().await.unwrap_or_else(|e| panic!("start the FHIR server (scripts/setup installs helios-hfs): {e}"));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5EED);
    let trials = 50;
    let mut next_obs = 0u32;
    let mut kills_mid_run = 0;
    for trial in 0..trials {
        // Local work between runs: new observations, and new versions of earlier ones.
        let app = open(&db, &keys).await;
        let token = app.interface_session().await.expect("interface");
        for _ in 0..40 {
            let (id, value) = if next_obs > 0 && rng.gen_bool(0.3) {
                // Mostly recent ones: those a killed run was likely sending.
                (rng.gen_range(next_obs.saturating_sub(80)..next_obs), 100 + trial)
            } else {
                next_obs += 1;
                (next_obs - 1, 60 + next_obs % 40)
            };
            app.import_resource(&token, observation("sync-p1", &format!("sync-o{id}"), value).as_bytes()).await.expect("write");
        }
        app.close().await;

        let mut child = Command::new(crate::BIN)
            .args(["--db", db.to_str().expect("utf-8 path"), "sync", "run", "--server", &fhir.base_url])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn meridian sync");
        let kill_after = Duration::from_millis(rng.gen_range(10..400));
        let started = Instant::now();
        let mut exited = false;
        while started.elapsed() < kill_after {
            if child.try_wait().expect("wait").is_some() {
                exited = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if !exited {
            kills_mid_run += 1;
            child.kill().expect("SIGKILL");
        }
        child.wait().expect("reap");
    }
    assert!(kills_mid_run >= trials / 2, "most kills must land while sync runs ({kills_mid_run} of {trials})");

    // Let sync finish, then compare both sides.
    let mut last = None;
    for _ in 0..10 {
        let out = Command::new(crate::BIN).args(["--db", db.to_str().expect("utf-8"), "sync", "run", "--server", &fhir.base_url]).output().expect("run");
        if out.status.success() {
            last = None;
            break;
        }
        last = Some(out);
    }
    if let Some(out) = last {
        // The command prints counts and data-free errors only.
        panic!("sync completes after the kills: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }

    let store = Workspace::open(&db, &keys, None).await.expect("open");
    let mut tx = store.write(Timestamp(0)).await.expect("tx");
    assert_eq!(tx.pending_outbox_count().await.expect("count"), 0, "outbox empty");
    let client = Client::new(Endpoint::new(&fhir.base_url).with_timeout(Duration::from_secs(10))).expect("client");
    let on_server = client.search_all("Observation", &[("subject", "Patient/sync-p1"), ("_count", "200")], 100).await.expect("search");
    assert_eq!(on_server.len(), next_obs as usize, "each observation on the server exactly once");
    for r in &on_server {
        let id = r.id().expect("id");
        let local = tx.read("Observation", id).await.expect("read").unwrap_or_else(|| panic!("{id} on the server but not here"));
        let local = meridian_fhir::parse_resource(&local.body.expect("body")).expect("parse");
        let strip = |r: &meridian_fhir::Resource| {
            let mut v = serde_json::to_value(r).expect("json");
            v.as_object_mut().map(|o| o.remove("meta"));
            v
        };
        assert_eq!(strip(r), strip(&local), "{id}: the server holds the latest local content");
    }
    drop(tx);
    store.close().await;
    println!("sync crash test: {trials} runs, {kills_mid_run} killed mid-run, {next_obs} observations verified on the server");
}
