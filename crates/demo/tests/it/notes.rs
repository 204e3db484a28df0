use crate::{census, of_type};

fn decode_base64(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            other => panic!("not base64: {other}"),
        }
    };
    let bytes = s.as_bytes();
    assert_eq!(bytes.len() % 4, 0);
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().filter(|b| **b == b'=').count();
        let n = chunk
            .iter()
            .map(|b| if *b == b'=' { 0 } else { value(*b) })
            .fold(0u32, |acc, v| (acc << 6) | v);
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&decoded[..3 - pad]);
    }
    out
}

#[test]
fn notes_mention_the_patients_problems_and_latest_vitals() {
    let mut checked = 0;
    for p in census(51, 80) {
        let mut problems: Vec<String> = Vec::new();
        let mut last_bp: Option<String> = None;
        for r in &p.resources {
            match r["resourceType"].as_str().unwrap_or("") {
                "Condition" if r["clinicalStatus"]["coding"][0]["code"] == "active" => {
                    problems.push(r["code"]["coding"][0]["code"].as_str().unwrap_or("").into());
                }
                "Observation" if crate::loinc(r) == "85354-9" => {
                    let s = r["component"][0]["valueQuantity"]["value"]
                        .as_i64()
                        .unwrap_or(0);
                    let d = r["component"][1]["valueQuantity"]["value"]
                        .as_i64()
                        .unwrap_or(0);
                    last_bp = Some(format!("BP {s}/{d} mmHg"));
                }
                "DocumentReference" => {
                    assert_eq!(r["status"], "current");
                    assert_eq!(r["docStatus"], "final");
                    let code = r["type"]["coding"][0]["code"].as_str().unwrap_or("");
                    assert!(code == "11506-3" || code == "34117-2");
                    let att = &r["content"][0]["attachment"];
                    assert_eq!(att["contentType"], "text/plain; charset=utf-8");
                    let text = String::from_utf8(decode_base64(att["data"].as_str().unwrap_or("")))
                        .expect("UTF-8 note");
                    assert!(text.contains("S: ") && text.contains("O: "));
                    assert!(text.contains("A:\n") && text.contains("P:\n"));
                    for icd in &problems {
                        assert!(
                            text.contains(&format!("({icd})")),
                            "note lacks {icd}:\n{text}"
                        );
                    }
                    if let Some(bp) = &last_bp {
                        assert!(text.contains(bp.as_str()), "note lacks {bp}:\n{text}");
                    }
                    let author = r["author"][0]["reference"].as_str().unwrap_or("");
                    assert!(author.starts_with("Practitioner/prac-"));
                    checked += 1;
                }
                _ => {}
            }
        }
    }
    assert!(checked > 200, "only {checked} notes");
}

#[test]
fn every_encounter_has_a_note() {
    for p in census(52, 50) {
        let encounters = of_type(&p, "Encounter").count();
        let with_note: std::collections::HashSet<&str> = of_type(&p, "DocumentReference")
            .filter_map(|d| d["context"]["encounter"][0]["reference"].as_str())
            .collect();
        assert_eq!(with_note.len(), encounters);
    }
}
