//! Sync push of 10,000 resources (100 patients with 99 observations each) from an encrypted
//! store to a real FHIR server (Helios `hfs`, as the tests run it), one PUT per resource with
//! If-Match bookkeeping, every step committed: resources per second, and the share of the wall
//! time spent in Meridian rather than waiting for the server.
//!
//! `cargo bench -p meridian-app --bench sync_push` (`MERIDIAN_BENCH_RESOURCES` to change 10000).

use std::sync::Arc;
use std::time::{Duration, Instant};

use meridian_api::NewUser;
use meridian_app::sync::FhirSync;
use meridian_app::{App, Policy, SystemClock};
use meridian_fhirclient::test_support::FhirServer;
use meridian_fhirclient::{Client, Endpoint};
use meridian_store::{Store, StoreKey};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: usize = std::env::var("MERIDIAN_BENCH_RESOURCES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("meridian-sync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let store = Store::create(&dir.join("push.db"), &StoreKey::from_raw(&[0x42; 32]), [7; 32]).await.expect("store");
    let app = App::new(store, Arc::new(SystemClock), Policy { require_totp: false, ..Policy::default() });
    app.bootstrap(&NewUser { username: "admin".into(), display_name: "Admin".into(), role: "admin".into(), password: "benchmark password".into(), practitioner_id: None })
        .await
        .expect("bootstrap");
    let token = app.interface_session().await.expect("interface");
    let per_patient = 100;
    let mut written = 0;
    let mut p = 0;
    while written < total {
        let pid = format!("bench-p{p}");
        let patient = format!(r#"{{"resourceType":"Patient","id":"{pid}","name":[{{"family":"Bench{p}","given":["Sync"]}}],"gender":"female","birthDate":"1970-01-01"}}"#);
        app.import_resource(&token, patient.as_bytes()).await.expect("patient");
        written += 1;
        for i in 0..(per_patient - 1).min(total - written) {
            let obs = format!(
                r#"{{"resourceType":"Observation","id":"bench-o{p}-{i}","status":"final","category":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}}]}}],"code":{{"coding":[{{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}}]}},"subject":{{"reference":"Patient/{pid}"}},"effectiveDateTime":"2026-11-29T10:{:02}:00Z","valueQuantity":{{"value":{},"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}}}"#,
                i % 60,
                60 + i % 40
            );
            app.import_resource(&token, obs.as_bytes()).await.expect("observation");
            written += 1;
        }
        p += 1;
    }
    let Ok(fhir) = FhirServer::start().await else {
        println!("sync push: skipped (no Helios FHIR server; run scripts/setup)");
        return;
    };
    let client = Client::new(Endpoint::new(&fhir.base_url).with_timeout(Duration::from_secs(60))).expect("client");
    let sync = FhirSync::new(app.clone(), client, &fhir.base_url);
    let start = Instant::now();
    let report = sync.push().await.expect("push");
    let wall = start.elapsed();
    assert_eq!((report.sent, report.remaining), (written, 0));
    let ours = wall.saturating_sub(report.server_wait);
    println!("Sync push of {written} resources to Helios hfs 0.2.7 (debug build, SQLite), encrypted local store");
    println!("  wall time        {:>8.1} s   {:>7.0} resources/s", wall.as_secs_f64(), written as f64 / wall.as_secs_f64());
    println!("  waiting on server {:>7.1} s   {:>5.1}%", report.server_wait.as_secs_f64(), 100.0 * report.server_wait.as_secs_f64() / wall.as_secs_f64());
    println!("  in Meridian      {:>8.1} s   {:>5.1}%  ({:.2} ms per resource: read, audit, bookkeeping commit)", ours.as_secs_f64(), 100.0 * ours.as_secs_f64() / wall.as_secs_f64(), ours.as_secs_f64() * 1000.0 / written as f64);
    drop(fhir);
    app.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
