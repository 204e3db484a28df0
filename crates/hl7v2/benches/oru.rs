//! Parse + read benchmark on ORU^R01 with 20 OBX (`cargo bench -p meridian-hl7v2 --bench oru`).
//!
//! Builds 1,000 distinct, realistic lab results (PID, PV1, ORC, OBR, 20 OBX with LOINC codes,
//! units, reference ranges and flags), then times parsing each and reading OBX-3.1, OBX-5,
//! OBX-6.1, OBX-7 and OBX-8 of every OBX. Compares with the `hl7-parser` crate and, when a
//! Python with `hl7` (python-hl7) is found (`MERIDIAN_PYTHON`, else
//! `~/.cache/meridian/venv/bin/python`), with python-hl7 doing the same work in-process.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use meridian_hl7v2::{ParseOptions, parse};

const MESSAGES: usize = 1000;
const PASSES: usize = 15;
const PYTHON_PASSES: usize = 5;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// LOINC code, name, UCUM unit, low, high, decimals.
const NUMERIC: &[(&str, &str, &str, f64, f64, usize)] = &[
    (
        "2345-7",
        "Glucose [Mass/volume] in Serum or Plasma",
        "mg/dL",
        70.0,
        99.0,
        0,
    ),
    (
        "2160-0",
        "Creatinine [Mass/volume] in Serum or Plasma",
        "mg/dL",
        0.74,
        1.35,
        2,
    ),
    (
        "2951-2",
        "Sodium [Moles/volume] in Serum or Plasma",
        "mmol/L",
        136.0,
        145.0,
        0,
    ),
    (
        "2823-3",
        "Potassium [Moles/volume] in Serum or Plasma",
        "mmol/L",
        3.5,
        5.1,
        1,
    ),
    (
        "2075-0",
        "Chloride [Moles/volume] in Serum or Plasma",
        "mmol/L",
        98.0,
        107.0,
        0,
    ),
    (
        "2028-9",
        "Carbon dioxide, total [Moles/volume] in Serum or Plasma",
        "mmol/L",
        22.0,
        29.0,
        0,
    ),
    (
        "3094-0",
        "Urea nitrogen [Mass/volume] in Serum or Plasma",
        "mg/dL",
        6.0,
        20.0,
        0,
    ),
    (
        "17861-6",
        "Calcium [Mass/volume] in Serum or Plasma",
        "mg/dL",
        8.6,
        10.3,
        1,
    ),
    (
        "2885-2",
        "Protein [Mass/volume] in Serum or Plasma",
        "g/dL",
        6.0,
        8.3,
        1,
    ),
    (
        "1751-7",
        "Albumin [Mass/volume] in Serum or Plasma",
        "g/dL",
        3.5,
        5.2,
        1,
    ),
    (
        "1975-2",
        "Bilirubin.total [Mass/volume] in Serum or Plasma",
        "mg/dL",
        0.1,
        1.2,
        1,
    ),
    (
        "6768-6",
        "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma",
        "U/L",
        44.0,
        147.0,
        0,
    ),
    (
        "1742-6",
        "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        "U/L",
        7.0,
        56.0,
        0,
    ),
    (
        "1920-8",
        "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        "U/L",
        10.0,
        40.0,
        0,
    ),
    (
        "718-7",
        "Hemoglobin [Mass/volume] in Blood",
        "g/dL",
        13.5,
        17.5,
        1,
    ),
    (
        "4544-3",
        "Hematocrit [Volume Fraction] of Blood by Automated count",
        "%",
        41.0,
        53.0,
        1,
    ),
    (
        "6690-2",
        "Leukocytes [#/volume] in Blood by Automated count",
        "10*3/uL",
        4.5,
        11.0,
        1,
    ),
    (
        "777-3",
        "Platelets [#/volume] in Blood by Automated count",
        "10*3/uL",
        150.0,
        400.0,
        0,
    ),
    (
        "2093-3",
        "Cholesterol [Mass/volume] in Serum or Plasma",
        "mg/dL",
        0.0,
        200.0,
        0,
    ),
    (
        "4548-4",
        "Hemoglobin A1c/Hemoglobin.total in Blood",
        "%",
        4.0,
        5.6,
        1,
    ),
];

const FAMILY: &[&str] = &[
    "SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "MÜLLER",
    "NGUYEN", "O'BRIEN", "KOWALSKI", "DUBOIS", "ROSSI", "TANAKA", "OKAFOR",
];
const GIVEN: &[&str] = &[
    "JAMES", "MARY", "ROBERT", "PATRICIA", "JOHN", "JENNIFER", "MICHAEL", "LINDA", "JOSÉ", "AIKO",
    "CHIDI", "ZOË", "PIOTR", "ANNA", "LUCA", "FATIMA",
];
const STREETS: &[&str] = &[
    "MAIN ST", "OAK AVE", "PINE RD", "MAPLE DR", "CEDAR LN", "ELM ST",
];

fn generate(n: usize) -> Vec<String> {
    let mut rng = XorShift(0x5EED_0000_0000_0001);
    (0..n)
        .map(|i| {
            let family = rng.pick(FAMILY);
            let given = rng.pick(GIVEN);
            let mrn = 100_000 + rng.below(900_000);
            let (y, mo, d) = (1930 + rng.below(80), 1 + rng.below(12), 1 + rng.below(28));
            let (hh, mm) = (6 + rng.below(12), rng.below(60));
            let sex = if rng.below(2) == 0 { "F" } else { "M" };
            let street = rng.pick(STREETS);
            let mut m = format!(
                "MSH|^~\\&|LABSYS|CENTRAL LAB^2.16.840.1.113883.3.72.5.20^ISO|EHR|CLINIC|20240312{hh:02}{mm:02}00-0500||ORU^R01^ORU_R01|LAB{i:07}|P|2.5.1|||NE|AL|USA|UNICODE UTF-8\r\
                 PID|1||{mrn}^^^CENTRAL^MR~{ssn}^^^USSSA^SS||{family}^{given}^{mid}^^^^L||{y}{mo:02}{d:02}|{sex}|||{num} {street}^^SPRINGFIELD^IL^{zip}^USA^H||^PRN^PH^^1^217^555{phone:04}\r\
                 PV1|1|O|LABDRAW^^^CENTRAL||||1234567890^WELBY^MARCUS^^^DR^^^NPI\r\
                 ORC|RE|ORD{i:06}^EHR|LAB{i:06}^LABSYS||CM\r\
                 OBR|1|ORD{i:06}^EHR|LAB{i:06}^LABSYS|24323-8^Comprehensive metabolic 2000 panel - Serum or Plasma^LN|||20240312{hh:02}0000-0500|||||||||1234567890^WELBY^MARCUS^^^DR^^^NPI||||||20240312{hh:02}{mm:02}00-0500|||F\r",
                ssn = 100_000_000 + rng.below(899_999_999),
                mid = (b'A' + rng.below(26) as u8) as char,
                num = 1 + rng.below(9999),
                zip = 62701 + rng.below(99),
                phone = rng.below(10_000),
            );
            for (k, &(code, name, unit, low, high, decimals)) in NUMERIC.iter().enumerate() {
                let span = high - low;
                let value = low - span * 0.3 + span * 1.6 * (rng.below(1000) as f64 / 1000.0);
                let value = value.max(0.0);
                let flag = if value < low {
                    "L"
                } else if value > high {
                    "H"
                } else {
                    "N"
                };
                let range = if low == 0.0 {
                    format!("<{high}")
                } else {
                    format!("{low}-{high}")
                };
                m.push_str(&format!(
                    "OBX|{n}|NM|{code}^{name}^LN||{value:.decimals$}|{unit}^{unit}^UCUM|{range}|{flag}|||F|||20240312{hh:02}0000-0500||||20240312{hh:02}{mm:02}00-0500||||CENTRAL LAB^D^^^^CLIA&2.16.840.1.113883.4.7&ISO^XX^^^05D0000000\r",
                    n = k + 1,
                ));
            }
            m
        })
        .collect()
}

/// Parses and reads OBX-3.1, OBX-5, OBX-6.1, OBX-7, OBX-8 of every OBX; returns a checksum.
fn meridian(message: &str, options: &ParseOptions) -> usize {
    let Ok(parsed) = parse(message.as_bytes(), options) else {
        return 0;
    };
    let mut n = 0;
    for obx in parsed.message.segments_named("OBX") {
        n += obx.field(3).component(1).value().len();
        n += obx.field(5).value().len();
        n += obx.field(6).component(1).value().len();
        n += obx.field(7).value().len();
        n += obx.field(8).value().len();
    }
    n
}

/// The same reads with the `hl7-parser` crate (raw values: its fastest path, no unescaping).
fn hl7_parser(message: &str) -> usize {
    let Ok(m) = hl7_parser::Message::parse(message) else {
        return 0;
    };
    let mut n = 0;
    let raw = |f: Option<&hl7_parser::message::Field<'_>>| f.map_or(0, |f| f.raw_value().len());
    for obx in m.segments().filter(|s| s.name == "OBX") {
        n += obx
            .field(3)
            .and_then(|f| f.component(1))
            .map_or(0, |c| c.raw_value().len());
        n += raw(obx.field(5));
        n += obx
            .field(6)
            .and_then(|f| f.component(1))
            .map_or(0, |c| c.raw_value().len());
        n += raw(obx.field(7));
        n += raw(obx.field(8));
    }
    n
}

/// Median seconds per pass over all messages, after one warm-up pass.
fn time(passes: usize, mut pass: impl FnMut() -> usize) -> f64 {
    black_box(pass());
    let mut times: Vec<Duration> = (0..passes)
        .map(|_| {
            let start = Instant::now();
            black_box(pass());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2].as_secs_f64()
}

fn report(label: &str, seconds: f64, bytes: usize) -> f64 {
    let rate = MESSAGES as f64 / seconds;
    println!(
        "{label:<44} {:>10.0} msgs/s  {:>8.1} MB/s  {:>7.2} µs/msg",
        rate,
        bytes as f64 / seconds / 1e6,
        seconds / MESSAGES as f64 * 1e6
    );
    rate
}

fn find_python() -> Option<PathBuf> {
    let candidate = std::env::var_os("MERIDIAN_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/meridian/venv/bin/python"))
        })?;
    let ok = Command::new(&candidate)
        .args(["-c", "import hl7"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(candidate)
}

const PYTHON: &str = r#"
import sys, time, statistics, hl7
data = open(sys.argv[1], encoding="utf-8", newline="").read().split("\n")
passes = int(sys.argv[2])

def comp1(field):
    rep = field[0]
    return str(rep[0]) if isinstance(rep, hl7.Repetition) else str(rep)

def indexing():
    n = 0
    for text in data:
        m = hl7.parse(text)
        for obx in m.segments("OBX"):
            n += len(comp1(obx[3])) + len(str(obx[5])) + len(comp1(obx[6]))
            n += len(str(obx[7])) + len(str(obx[8]))
    return n

def extract():
    n = 0
    for text in data:
        m = hl7.parse(text)
        for obx in m.segments("OBX"):
            n += len(obx.extract_field(1, 3, 1, 1)) + len(obx.extract_field(1, 5))
            n += len(obx.extract_field(1, 6, 1, 1)) + len(obx.extract_field(1, 7))
            n += len(obx.extract_field(1, 8))
    return n

for name, fn in (("indexing", indexing), ("extract_field", extract)):
    fn()
    times = []
    for _ in range(passes):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    print(name, statistics.median(times), fn())
"#;

fn main() {
    let messages = generate(MESSAGES);
    let bytes: usize = messages.iter().map(String::len).sum();
    let strict = ParseOptions::strict();
    let lenient = ParseOptions::lenient();
    // The generated messages must be valid and complete, or the figures mean nothing.
    for m in &messages {
        let p = parse(m.as_bytes(), &strict).unwrap_or_else(|e| panic!("generated message: {e}"));
        assert_eq!(p.message.segments_named("OBX").count(), 20);
    }
    let expected: usize = messages.iter().map(|m| meridian(m, &strict)).sum();
    assert_eq!(
        expected,
        messages.iter().map(|m| hl7_parser(m)).sum::<usize>()
    );
    println!(
        "{MESSAGES} ORU^R01 messages, 25 segments and 20 OBX each, {:.0} bytes on average; median of {PASSES} passes",
        bytes as f64 / MESSAGES as f64
    );

    let parse_only = time(PASSES, || {
        messages
            .iter()
            .map(|m| parse(m.as_bytes(), &lenient).map_or(0, |p| p.message.segment_count()))
            .sum()
    });
    report("meridian-hl7v2 parse only", parse_only, bytes);
    let lenient_s = time(PASSES, || {
        messages.iter().map(|m| meridian(m, &lenient)).sum()
    });
    let ours = report("meridian-hl7v2 parse + read (lenient)", lenient_s, bytes);
    let strict_s = time(PASSES, || {
        messages.iter().map(|m| meridian(m, &strict)).sum()
    });
    report("meridian-hl7v2 parse + read (strict)", strict_s, bytes);
    let theirs_s = time(PASSES, || messages.iter().map(|m| hl7_parser(m)).sum());
    let theirs = report(
        "hl7-parser 0.3.0 parse + read (raw values)",
        theirs_s,
        bytes,
    );
    println!("meridian/hl7-parser = {:.1}x", ours / theirs);

    let Some(python) = find_python() else {
        println!(
            "python-hl7: skipped (no python with `hl7` importable; set MERIDIAN_PYTHON or create ~/.cache/meridian/venv)"
        );
        return;
    };
    let file = std::env::temp_dir().join(format!("meridian-hl7v2-oru-{}.txt", std::process::id()));
    if let Err(e) = std::fs::write(&file, messages.join("\n")) {
        println!("python-hl7: skipped (cannot write {}: {e})", file.display());
        return;
    }
    let output = Command::new(&python)
        .arg("-c")
        .arg(PYTHON)
        .arg(&file)
        .arg(PYTHON_PASSES.to_string())
        .output();
    let _ = std::fs::remove_file(&file);
    let output = match output {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => {
            println!("python-hl7: failed: {}", String::from_utf8_lossy(&o.stderr));
            return;
        }
        Err(e) => {
            println!("python-hl7: could not run {}: {e}", python.display());
            return;
        }
    };
    let mut best = 0f64;
    for line in output.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [name, seconds, checksum] = parts[..] else {
            continue;
        };
        let Ok(seconds) = seconds.parse::<f64>() else {
            continue;
        };
        // python-hl7 reads the same characters (its values are never longer or shorter here).
        assert_eq!(
            checksum.parse::<usize>().ok(),
            Some(expected),
            "python checksum ({name})"
        );
        let rate = report(
            &format!("python-hl7 parse + read ({name}, median of {PYTHON_PASSES})"),
            seconds,
            bytes,
        );
        best = best.max(rate);
    }
    if best > 0.0 {
        println!(
            "meridian/python-hl7 = {:.0}x (against python-hl7's faster way)",
            ours / best
        );
    }
}
