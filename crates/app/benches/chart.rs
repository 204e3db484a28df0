//! Opening a chart summary in a large store, encrypted and not, plus bulk insert rate.
//!
//! `cargo bench -p meridian-app --bench chart`
//!
//! Environment: `MERIDIAN_BENCH_PATIENTS` (default 100000, ~100 observations each),
//! `MERIDIAN_BENCH_DIR` (default `target/bench-data`; databases are kept and reused between
//! runs), `MERIDIAN_BENCH_SAMPLES` (chart opens measured per database, default 1000).
//!
//! The chart summary is measured through the real use case: session check, care-relationship
//! check, the audit record written and fsync'd, problems, allergies, medications, the latest
//! vitals and the last 50 laboratory results, parsed and converted to DTOs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use meridian_api::{LoginRequest, NewUser};
use meridian_app::{App, CivilDateTime, DemoConfig, Policy, SystemClock};
use meridian_store::{Durability, Store, StoreKey, Table};
use rand::{Rng, SeedableRng};

const PASSWORD: &str = "benchmark password";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn key(encrypted: bool) -> StoreKey {
    if encrypted { StoreKey::from_raw(&[0x5a; 32]) } else { StoreKey::unencrypted_for_benchmarks() }
}

fn policy() -> Policy {
    Policy { require_totp: false, idle_timeout_secs: u32::MAX / 2, ..Policy::default() }
}

/// Creates and fills the database unless a complete one is already there. Returns the insert
/// rate in resources per second when it loaded.
async fn ensure_loaded(path: &Path, encrypted: bool, config: &DemoConfig) -> Option<(f64, usize)> {
    let done = path.with_extension("complete");
    if done.exists() {
        return None;
    }
    // A load that was interrupted resumes: each patient is one transaction, loaded in order.
    let resume = path.exists();
    if !resume {
        Store::create(path, &key(encrypted), [7; 32]).await.expect("create").close().await;
    }
    let store = Store::open_with(path, &key(encrypted), Durability::Normal).await.expect("open");
    let already = usize::try_from(store.count(Table::Patients).await.expect("count")).unwrap_or(0);
    let app = App::new(store, Arc::new(SystemClock), policy());
    if !resume {
        app.bootstrap(&NewUser { username: "admin".into(), display_name: "Admin".into(), role: "admin".into(), password: PASSWORD.into(), practitioner_id: None })
            .await
            .expect("bootstrap");
    } else {
        eprintln!("  resuming after {already} patients");
    }
    let iface = app.interface_session().await.expect("interface");

    // Generate on one thread while the store writes on another.
    let (tx, rx) = std::sync::mpsc::sync_channel::<(String, Vec<Vec<u8>>)>(64);
    let gen_config = *config;
    let generator = std::thread::spawn(move || {
        for i in already..gen_config.patients {
            let p = meridian_demo::patient(&gen_config, i);
            let id = p.patient["id"].as_str().unwrap_or_default().to_owned();
            let mut batch = vec![serde_json::to_vec(&p.patient).unwrap_or_default()];
            batch.extend(p.resources.iter().map(|r| serde_json::to_vec(r).unwrap_or_default()));
            if tx.send((id, batch)).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut resources = 0usize;
    let mut patients = already;
    for (id, batch) in rx {
        resources += app.import_patient_bundle(&iface, &id, &batch).await.expect("import").len();
        patients += 1;
        if patients % 5000 == 0 {
            eprintln!(
                "  {} patients, {} resources, {:.0} resources/s",
                patients,
                resources,
                resources as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    let _ = generator.join();
    let secs = started.elapsed().as_secs_f64();
    app.close().await;
    std::fs::write(&done, format!("{patients} patients, {resources} resources\n")).expect("marker");
    Some((resources as f64 / secs, resources))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

async fn measure(path: &Path, encrypted: bool, patients: usize, samples: usize) -> (Vec<f64>, i64, u64) {
    let store = Store::open(path, &key(encrypted)).await.expect("open");
    let observations = store.count(Table::Resources).await.expect("count");
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let app = App::new(store, Arc::new(SystemClock), policy());
    let admin = app.login(&LoginRequest { username: "admin".into(), password: PASSWORD.into(), totp: None }).await.expect("admin login").token;
    let doc = "bench.md";
    let _ = app.add_user(&admin, &NewUser { username: doc.into(), display_name: "Bench MD".into(), role: "physician".into(), password: PASSWORD.into(), practitioner_id: None }).await;
    let token = app.login(&LoginRequest { username: doc.into(), password: PASSWORD.into(), totp: None }).await.expect("login").token;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let ids: Vec<String> = (0..samples).map(|_| format!("pat-{:06}", rng.gen_range(0..patients))).collect();
    for id in &ids {
        app.assign_care(&admin, doc, id, "attending").await.expect("care");
    }
    // Warm the page cache as a user's session would.
    for id in ids.iter().take(50) {
        app.chart_summary(&token, id).await.expect("chart");
    }
    let mut times = Vec::with_capacity(samples);
    for id in &ids {
        let t = Instant::now();
        let chart = app.chart_summary(&token, id).await.expect("chart");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(chart);
    }
    // The same charts again, now in the page cache: what a second look at a patient costs.
    let mut warm = Vec::with_capacity(ids.len());
    for id in ids.iter().take(200) {
        let t = Instant::now();
        std::hint::black_box(app.chart_summary(&token, id).await.expect("chart"));
        warm.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    warm.sort_by(f64::total_cmp);
    eprintln!("  warm (cached) reopen: p50 {:.2} ms, p95 {:.2} ms", percentile(&warm, 0.5), percentile(&warm, 0.95));
    app.close().await;
    times.sort_by(f64::total_cmp);
    (times, observations, size)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let patients = env_usize("MERIDIAN_BENCH_PATIENTS", 100_000);
    let samples = env_usize("MERIDIAN_BENCH_SAMPLES", 1000);
    let dir = std::env::var("MERIDIAN_BENCH_DIR").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from("target/bench-data"));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let mut config = DemoConfig::benchmark(2026, CivilDateTime { year: 2026, month: 11, day: 29, hour: 0, minute: 0 });
    config.patients = patients;

    println!("chart summary benchmark: {patients} patients, {samples} chart opens per database");
    let mut rows = Vec::new();
    for encrypted in [true, false] {
        let name = if encrypted { "encrypted" } else { "plaintext" };
        let path = dir.join(format!("{name}-{patients}.db"));
        eprintln!("{name}: loading {} if needed", path.display());
        let load = ensure_loaded(&path, encrypted, &config).await;
        let (times, resources, size) = measure(&path, encrypted, patients, samples).await;
        rows.push((name, load, times, resources, size));
    }
    println!("{:<10} {:>12} {:>10} {:>8} {:>8} {:>8} {:>16}", "database", "resources", "size GB", "p50 ms", "p95 ms", "p99 ms", "insert res/s");
    for (name, load, times, resources, size) in &rows {
        println!(
            "{:<10} {:>12} {:>10.2} {:>8.2} {:>8.2} {:>8.2} {:>16}",
            name,
            resources,
            *size as f64 / 1e9,
            percentile(times, 0.50),
            percentile(times, 0.95),
            percentile(times, 0.99),
            load.map(|(rate, _)| format!("{rate:.0}")).unwrap_or_else(|| "(reused)".into())
        );
    }
    if let [(_, _, enc, ..), (_, _, plain, ..)] = rows.as_slice() {
        println!(
            "SQLCipher cost: p50 x{:.2}, p95 x{:.2}",
            percentile(enc, 0.5) / percentile(plain, 0.5),
            percentile(enc, 0.95) / percentile(plain, 0.95)
        );
    }
}
