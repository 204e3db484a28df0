//! Every resource Meridian would send to a hospital server passes an independent FHIR R4
//! validator (the npm `fhir` package, run by tests/peers/fhir_validate.js).

use std::io::Write;
use std::process::{Command, Stdio};

use meridian_api::{PlaceOrder, RecordVitals, SaveNote, VitalEntry};
use meridian_v2fhir::MappingConfig;

use crate::world;

fn node_modules() -> std::path::PathBuf {
    std::env::var_os("MERIDIAN_NODE_MODULES").map(Into::into).unwrap_or_else(|| {
        std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/meridian/node/node_modules")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_meridian_sends_passes_the_r4_validator() {
    let w = world().await;
    let mut reg = crate::registration("OBrien", "Mary", "1980-03-15");
    reg.mrn = Some("MRN100234".into());
    reg.phone = Some("+44 23 9200 0000".into());
    reg.address_line = Some("12 Harbour Rd".into());
    reg.city = Some("Portsmouth".into());
    reg.postal_code = Some("PO1 2AB".into());
    let nurse = w.staff("val.nurse", "nurse").await;
    let p = w.app.register_patient(&nurse, &reg).await.expect("register").patient.expect("registered").id;
    let doc = w.staff("dr.val", "physician").await;
    w.app.assign_care(&w.admin, "dr.val", &p, "attending").await.expect("care");
    let v = |loinc: &str, value: f64, unit: &str| VitalEntry { loinc: loinc.into(), value, unit: unit.into() };
    w.app
        .record_vitals(&doc, &RecordVitals {
            patient_id: p.clone(),
            entries: vec![v("8867-4", 88.0, "/min"), v("8480-6", 141.0, "mm[Hg]"), v("8462-4", 92.0, "mm[Hg]"), v("8310-5", 37.2, "Cel"), v("29463-7", 71.5, "kg")],
            effective: None,
        })
        .await
        .expect("vitals");
    let note = w.app.save_note(&doc, &SaveNote { patient_id: p.clone(), id: None, base_version: None, title: "Admission".into(), text: "Chest pain, resolved.".into() }).await.expect("note");
    w.app.sign_note(&doc, &note.id, note.version).await.expect("sign");
    w.app.place_order(&doc, &PlaceOrder { patient_id: p.clone(), loinc: "24331-1".into(), display: "Lipid panel".into(), priority: "stat".into() }).await.expect("order");
    let config = MappingConfig::new("MERIDIAN", "MERIDIAN", "GOODHEALTH", 60);
    for file in ["oru_r01_panel.hl7", "oru_r01_text.hl7", "adt_a01.hl7"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../v2fhir/test_data/inbound").join(file);
        let text = std::fs::read_to_string(&path).expect("test message");
        let reply = String::from_utf8(w.app.receive_hl7(text.replace("\r\n", "\r").replace('\n', "\r").as_bytes(), &config).await).expect("utf-8");
        assert!(reply.contains("MSA|AA|"), "{file}: {reply}");
    }

    let bodies = w.app.outbox_bodies().await.expect("bodies");
    let types: std::collections::BTreeSet<String> = bodies
        .iter()
        .map(|b| serde_json::from_slice::<serde_json::Value>(b).expect("json")["resourceType"].as_str().unwrap_or_default().to_owned())
        .collect();
    for t in ["Patient", "Observation", "DocumentReference", "ServiceRequest", "DiagnosticReport", "Encounter"] {
        assert!(types.contains(t), "a {t} is among what is sent: {types:?}");
    }
    let mut child = Command::new("node")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/fhir_validate.js"))
        .env("NODE_PATH", node_modules())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node (scripts/setup installs the validator)");
    let mut stdin = child.stdin.take().expect("stdin");
    for b in &bodies {
        stdin.write_all(b).expect("write");
        stdin.write_all(b"\n").expect("write");
    }
    drop(stdin);
    let out = child.wait_with_output().expect("validator");
    assert!(out.status.success(), "validator failed: {}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), bodies.len(), "one verdict per resource");
    let failures: Vec<&&str> = lines.iter().filter(|l| !l.contains("\"errors\":[]")).collect();
    assert!(failures.is_empty(), "{} of {} resources fail R4 validation:\n{}", failures.len(), lines.len(), failures.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("\n"));
}
