//! Every outbound message type passes hl7apy's strict validation of the 2.5.1 structures.
//!
//! Runs `$MERIDIAN_PYTHON` (else `~/.cache/meridian/venv/bin/python`) with hl7apy installed, on
//! `hl7apy_check.py`. Set `MERIDIAN_SKIP_HL7APY=1` to skip on a machine without that venv; the
//! test fails otherwise, so a missing validator is never mistaken for a pass.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use meridian_v2fhir::{adt, adt_a40, dft_p03, oml_o21, orm_o01, rde_o11};

use crate::outbound::header;
use crate::{config, fixture};

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("MERIDIAN_PYTHON") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    PathBuf::from(home).join(".cache/meridian/venv/bin/python")
}

/// `(name, expected structure, message text)` for every message type we send.
fn messages() -> Vec<(&'static str, &'static str, String)> {
    let (h, c) = (header(), config());
    let p = fixture("patient");
    let sr = fixture("service_request");
    let built = |r: Result<meridian_hl7v2::MessageBuilder, meridian_v2fhir::MappingError>| {
        r.unwrap_or_else(|e| panic!("builds: {e}")).encode()
    };
    vec![
        ("orm_o01", "ORM_O01", built(orm_o01(&h, &c, &p, &sr))),
        ("oml_o21", "OML_O21", built(oml_o21(&h, &c, &p, &sr))),
        (
            "rde_o11",
            "RDE_O11",
            built(rde_o11(&h, &c, &p, &fixture("medication_request"))),
        ),
        (
            "dft_p03",
            "DFT_P03",
            built(dft_p03(&h, &c, &p, &fixture("charge_item"))),
        ),
        ("adt_a04", "ADT_A01", built(adt(&h, &c, "A04", &p))),
        ("adt_a08", "ADT_A01", built(adt(&h, &c, "A08", &p))),
        (
            "adt_a08_unicode",
            "ADT_A01",
            built(adt(&h, &c, "A08", &fixture("patient_unicode"))),
        ),
        (
            "adt_a40",
            "ADT_A39",
            built(adt_a40(&h, &c, &p, &fixture("patient_merged"))),
        ),
    ]
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

#[test]
fn outbound_messages_pass_hl7apy_strict_validation() {
    if std::env::var_os("MERIDIAN_SKIP_HL7APY").is_some() {
        eprintln!("MERIDIAN_SKIP_HL7APY is set: hl7apy validation skipped");
        return;
    }
    let messages = messages();
    let input = format!(
        "[{}]",
        messages
            .iter()
            .map(|(name, _, text)| format!(
                "{{\"name\":{},\"text\":{}}}",
                json_string(name),
                json_string(text)
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/hl7apy_check.py");
    let python = python();
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}); install hl7apy in that venv, point MERIDIAN_PYTHON at a Python \
                 with hl7apy, or set MERIDIAN_SKIP_HL7APY=1",
                python.display()
            )
        });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to python");
    let out = child.wait_with_output().expect("python finishes");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "hl7apy check failed to run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(
        results.len(),
        messages.len(),
        "one result per message: {stdout}"
    );
    let mut failures = Vec::new();
    for ((name, structure, text), r) in messages.iter().zip(&results) {
        assert_eq!(r["name"].as_str(), Some(*name));
        if r["ok"] != serde_json::Value::Bool(true) {
            failures.push(format!(
                "{name}: {}\n{}",
                r["error"],
                text.replace('\r', "\n")
            ));
        } else {
            assert_eq!(
                r["structure"].as_str(),
                Some(*structure),
                "{name}: hl7apy read another structure"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "hl7apy rejected:\n{}",
        failures.join("\n\n")
    );
}

/// The checker is not a rubber stamp: it rejects a message that breaks the structure.
#[test]
fn hl7apy_check_rejects_a_broken_message() {
    if std::env::var_os("MERIDIAN_SKIP_HL7APY").is_some() {
        return;
    }
    // RDE_O11 without its required RXR, ADT_A01 without PV1, without PID-5, and with a date
    // that is not a DTM.
    let (h, c) = (header(), config());
    let rde = rde_o11(&h, &c, &fixture("patient"), &fixture("medication_request"))
        .expect("builds")
        .encode();
    let a08 = adt(&h, &c, "A08", &fixture("patient"))
        .expect("builds")
        .encode();
    let without = |text: &str, id: &str| -> String {
        text.split('\r')
            .filter(|s| !s.starts_with(id))
            .collect::<Vec<_>>()
            .join("\r")
    };
    let broken = [
        ("no_rxr", without(&rde, "RXR")),
        ("no_pv1", without(&a08, "PV1")),
        (
            "no_pid5",
            a08.replace("O'Brien^Mary^Anne Jo^Jr^Dr^^L~Smith^Mary^^^^^M", ""),
        ),
        ("bad_dtm", a08.replace("|19800315|", "|1980-03-15|")),
    ];
    assert!(
        broken.iter().all(|(_, t)| *t != a08 && *t != rde),
        "each case changes the message"
    );
    let input = format!(
        "[{}]",
        broken
            .iter()
            .map(|(n, t)| format!(
                "{{\"name\":{},\"text\":{}}}",
                json_string(n),
                json_string(t)
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/hl7apy_check.py");
    let mut child = Command::new(python())
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs (see the test above for setup)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python finishes");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let oks: Vec<bool> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json")["ok"]
                == serde_json::Value::Bool(true)
        })
        .collect();
    assert_eq!(oks, [false; 4], "{stdout}");
}
