use meridian_demo::{CivilDateTime, DemoConfig};

use crate::{meridian, text};

const SEED: u64 = 77;

/// The README's run command makes an encrypted demo database: no demo patient's name or MRN
/// appears anywhere in the database files.
#[test]
fn demo_database_holds_no_plaintext_patient_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = meridian(&db, &["demo", "--patients", "12", "--seed", &SEED.to_string()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("12 patients"), "{}", text(&out));

    let config = DemoConfig { patients: 12, ..DemoConfig::interactive(SEED, CivilDateTime { year: 2026, month: 11, day: 29, hour: 0, minute: 0 }) };
    let mut needles: Vec<Vec<u8>> = Vec::new();
    for i in 0..config.patients {
        let p = meridian_demo::patient(&config, i).patient;
        let family = p["name"][0]["family"].as_str().unwrap().to_owned();
        let given = p["name"][0]["given"][0].as_str().unwrap().to_owned();
        needles.push(format!("\"{family}\"").into_bytes());
        needles.push(format!("\"{given}\"").into_bytes());
        needles.push(p["identifier"][0]["value"].as_str().unwrap().as_bytes().to_vec());
    }
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("demo.db") || name.ends_with(".json") || name.ends_with("anchor") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.starts_with(b"SQLite format 3"), "{name} has a plaintext header");
        for n in &needles {
            assert!(!bytes.windows(n.len()).any(|w| w == n.as_slice()), "{name} contains a demo patient's name or MRN");
        }
        scanned += bytes.len();
    }
    assert!(scanned > 100_000, "scanned only {scanned} bytes");

    // The chart opens for a physician of the demo with password and TOTP.
    let secret = text(&out).lines().find(|l| l.trim_start().starts_with("dr.rao")).and_then(|l| l.split_whitespace().nth(2)).unwrap().to_owned();
    let code = String::from_utf8(meridian(&db, &["totp", &secret]).stdout).unwrap();
    let chart = std::process::Command::new(crate::BIN)
        .args(["--db", db.to_str().unwrap(), "-u", "dr.rao", "chart"])
        .env("MERIDIAN_PASSWORD", "meridian-demo")
        .env("MERIDIAN_TOTP", code.trim())
        .output()
        .unwrap();
    assert!(chart.status.success(), "{}", text(&chart));
    assert!(text(&chart).contains("Latest vitals"), "{}", text(&chart));

    // A pharmacist of the demo may read the chart summary but no notes; a wrong password fails.
    let bad = std::process::Command::new(crate::BIN)
        .args(["--db", db.to_str().unwrap(), "-u", "dr.rao", "patients"])
        .env("MERIDIAN_PASSWORD", "not the password")
        .env("MERIDIAN_TOTP", "000000")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{:?} {}", bad.status, text(&bad));
    assert!(text(&bad).contains("invalid-credentials"), "{}", text(&bad));
}

#[test]
fn missing_database_and_missing_key_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let out = meridian(&db, &["-u", "x", "search", "a"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("not-found"), "{}", text(&out));
    assert!(!db.exists());

    // A database whose key was never in this keyring (its workspace file names another id).
    std::fs::write(&db, b"some bytes that are not a database, at least a few dozen of them ...").unwrap();
    std::fs::write(dir.path().join("none.db.meridian.json"), br#"{"format":1,"db_id":"0000000000000000","key_source":"keyring"}"#).unwrap();
    let before = std::fs::read(&db).unwrap();
    let out = meridian(&db, &["-u", "x", "search", "a"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("key-unavailable"), "{}", text(&out));
    assert_eq!(std::fs::read(&db).unwrap(), before);
}
