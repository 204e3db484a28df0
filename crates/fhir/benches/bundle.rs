//! FHIR Bundle (a Patient and 20 Observations) from JSON: Meridian's typed reader against
//! untyped `serde_json::Value` (the limit for any JSON reader) and against Python's
//! `fhir.resources` (R4B models, pydantic) on the same bytes, in one run. Prints MB/s, bundles/s
//! and the ratios.
//!
//! `cargo bench -p meridian-fhir --bench bundle`; the Python side runs when a Python with
//! `fhir.resources` is found (`$MERIDIAN_PYTHON`, else the setup's venv).

use std::hint::black_box;
use std::time::{Duration, Instant};

fn bundle(seed: u32) -> String {
    let codes = [
        ("8867-4", "Heart rate", "/min", 72.0),
        ("8480-6", "Systolic blood pressure", "mm[Hg]", 128.0),
        ("8462-4", "Diastolic blood pressure", "mm[Hg]", 82.0),
        ("8310-5", "Body temperature", "Cel", 36.8),
        ("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", 104.0),
        ("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 4.1),
        ("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", 139.0),
        ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 13.2),
    ];
    let mut entries = vec![format!(
        r#"{{"fullUrl":"urn:uuid:p-{seed}","resource":{{"resourceType":"Patient","id":"p-{seed}","meta":{{"versionId":"3","lastUpdated":"2026-11-30T10:15:00.000Z"}},"identifier":[{{"use":"usual","type":{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}}]}},"system":"urn:oid:2.16.840.1.113883.19.5.99999.1","value":"MRN{seed:06}"}}],"active":true,"name":[{{"use":"official","family":"Okonkwo-{seed}","given":["Adaeze","Chioma"]}}],"telecom":[{{"system":"phone","value":"+234 803 555 {seed:04}","use":"mobile"}}],"gender":"female","birthDate":"1968-04-{:02}","address":[{{"line":["14 Marina Road"],"city":"Lagos","postalCode":"101001","country":"NG"}}]}},"request":{{"method":"PUT","url":"Patient/p-{seed}"}}}}"#,
        seed % 28 + 1
    )];
    for i in 0..20u32 {
        let (code, display, unit, base) = codes[(i as usize + seed as usize) % codes.len()];
        let value = base + f64::from((seed * 7 + i * 13) % 17) / 10.0;
        entries.push(format!(
            r#"{{"fullUrl":"urn:uuid:o-{seed}-{i}","resource":{{"resourceType":"Observation","id":"o-{seed}-{i}","status":"final","category":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory","display":"Laboratory"}}]}}],"code":{{"coding":[{{"system":"http://loinc.org","code":"{code}","display":"{display}"}}],"text":"{display}"}},"subject":{{"reference":"Patient/p-{seed}"}},"effectiveDateTime":"2026-11-{:02}T08:{:02}:00+01:00","issued":"2026-11-30T10:00:00.000Z","valueQuantity":{{"value":{value:.1},"unit":"{unit}","system":"http://unitsofmeasure.org","code":"{unit}"}},"interpretation":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"N"}}]}}],"referenceRange":[{{"low":{{"value":{:.1},"unit":"{unit}","system":"http://unitsofmeasure.org","code":"{unit}"}},"high":{{"value":{:.1},"unit":"{unit}","system":"http://unitsofmeasure.org","code":"{unit}"}}}}]}},"request":{{"method":"PUT","url":"Observation/o-{seed}-{i}"}}}}"#,
            i % 28 + 1,
            i % 60,
            base * 0.8,
            base * 1.2
        ));
    }
    format!(r#"{{"resourceType":"Bundle","type":"transaction","entry":[{}]}}"#, entries.join(","))
}

/// Runs `f` over every input for at least `min`, returning bundles per second.
fn rate(inputs: &[String], min: Duration, mut f: impl FnMut(&str)) -> f64 {
    for s in inputs.iter().take(20) {
        f(s);
    }
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed() < min {
        for s in inputs {
            f(s);
        }
        n += inputs.len();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn python() -> Option<std::path::PathBuf> {
    let p = std::env::var_os("MERIDIAN_PYTHON").map(std::path::PathBuf::from).or_else(|| {
        std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache/meridian/venv/bin/python"))
    })?;
    p.is_file().then_some(p)
}

const PY: &str = r#"
import sys, time
from fhir.resources.R4B.bundle import Bundle
read = getattr(Bundle, "model_validate_json", None) or Bundle.parse_raw
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
lines = [l for l in lines if l]
for l in lines[:20]:
    read(l)
start = time.perf_counter(); n = 0
while time.perf_counter() - start < float(sys.argv[2]):
    for l in lines:
        b = read(l)
    n += len(lines)
print(n / (time.perf_counter() - start))
"#;

fn main() {
    let inputs: Vec<String> = (0..200).map(bundle).collect();
    let bytes: usize = inputs.iter().map(String::len).sum();
    let mean = bytes as f64 / inputs.len() as f64;
    for s in &inputs {
        meridian_fhir::parse_resource(s.as_bytes()).expect("the generated bundles are valid");
    }
    let min = Duration::from_secs(3);
    let typed = rate(&inputs, min, |s| {
        black_box(meridian_fhir::parse::<meridian_fhir::Bundle>(s.as_bytes()).ok());
    });
    let value = rate(&inputs, min, |s| {
        black_box(serde_json::from_str::<serde_json::Value>(s).ok());
    });
    let mb = |r: f64| r * mean / 1e6;
    println!("FHIR Bundle (Patient + 20 Observations, {mean:.0} bytes), {} distinct bundles", inputs.len());
    println!("  meridian-fhir typed   {typed:>10.0} bundles/s  {:>7.1} MB/s", mb(typed));
    println!("  serde_json::Value     {value:>10.0} bundles/s  {:>7.1} MB/s", mb(value));
    println!("  typed vs Value        {:.2}x the time (target: at most 2x)", value / typed);
    match python() {
        Some(py) => {
            let file = std::env::temp_dir().join(format!("meridian-bundles-{}.ndjson", std::process::id()));
            if std::fs::write(&file, inputs.join("\n")).is_err() {
                println!("  fhir.resources        skipped (cannot write a temp file)");
                return;
            }
            let out = std::process::Command::new(py).args(["-c", PY]).arg(&file).arg("3").output();
            let _ = std::fs::remove_file(&file);
            match out {
                Ok(o) if o.status.success() => {
                    let r: f64 = String::from_utf8_lossy(&o.stdout).trim().parse().unwrap_or(0.0);
                    println!("  fhir.resources (R4B)  {r:>10.0} bundles/s  {:>7.1} MB/s", mb(r));
                    if r > 0.0 {
                        println!("  meridian / fhir.resources = {:.0}x (target: at least 30x)", typed / r);
                    }
                }
                Ok(o) => println!("  fhir.resources        skipped ({})", String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("failed")),
                Err(e) => println!("  fhir.resources        skipped ({e})"),
            }
        }
        None => println!("  fhir.resources        skipped (no Python with fhir.resources; run scripts/setup)"),
    }
}
