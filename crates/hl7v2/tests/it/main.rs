//! Integration tests for meridian-hl7v2: parsing, escapes, encoding, acknowledgements and the
//! message corpus in `test_data/` (expected outputs beside the inputs; regenerate them with
//! `UPDATE_EXPECT=1 cargo test -p meridian-hl7v2` and review the diff).

mod ack;
mod corpus;
mod dtm;
mod encode;
mod escape;
mod parse;

use std::fmt::Write as _;
use std::path::PathBuf;

use meridian_hl7v2::{Message, ParseOptions, Parsed, parse};

pub(crate) fn data_dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(sub)
}

/// Input files of `test_data/<sub>` (not the `.expected` files), sorted by name.
pub(crate) fn corpus(sub: &str) -> Vec<(String, Vec<u8>)> {
    let dir = data_dir(sub);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x != "expected"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read input"))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
}

/// Compares `actual` with `test_data/<sub>/<name>.expected`; with `UPDATE_EXPECT=1` rewrites it.
pub(crate) fn check_expected(sub: &str, name: &str, actual: &str) {
    let path = data_dir(sub).join(format!("{name}.expected"));
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).expect("write expected");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_EXPECT=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        expected,
        actual,
        "{} differs (UPDATE_EXPECT=1 to accept)",
        path.display()
    );
}

pub(crate) fn strict(bytes: &[u8]) -> Parsed<'_> {
    parse(bytes, &ParseOptions::strict()).expect("strict parse")
}

pub(crate) fn lenient(bytes: &[u8]) -> Parsed<'_> {
    parse(bytes, &ParseOptions::lenient()).expect("lenient parse")
}

/// Every non-empty leaf (subcomponent value, unescaped) as `(path, value)`, with the segment
/// index in the path so two messages compare position by position. MSH-1/MSH-2 are leaves.
pub(crate) fn leaves(m: &Message<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for seg in m.segments() {
        for (f, field) in seg.fields().enumerate() {
            let f = f + 1;
            if seg.id() == "MSH" && f <= 2 {
                out.push((
                    format!("{}:MSH-{f}", seg.index()),
                    field.value().into_owned(),
                ));
                continue;
            }
            for (r, rep) in field.repetitions().enumerate() {
                for (c, comp) in rep.components().enumerate() {
                    for s in 1..=comp.subcomponent_count() {
                        let v = comp.subcomponent_value(s);
                        if !v.is_empty() {
                            out.push((
                                format!(
                                    "{}:{}-{f}[{}].{}.{s}",
                                    seg.index(),
                                    seg.id(),
                                    r + 1,
                                    c + 1
                                ),
                                v.into_owned(),
                            ));
                        }
                    }
                }
            }
        }
    }
    out
}

/// A readable dump of a message: header facts, then each segment's non-empty leaves with the
/// shortest path that names them.
pub(crate) fn dump(parsed: &Parsed<'_>) -> String {
    let m = &parsed.message;
    let d = m.delimiters();
    let mut s = String::new();
    let opt = |c: Option<char>| c.map_or("-".to_owned(), String::from);
    let _ = writeln!(s, "charset: {:?}", m.charset());
    let _ = writeln!(
        s,
        "delimiters: field {} component {} repetition {} escape {} subcomponent {} truncation {}",
        d.field,
        d.component,
        d.repetition,
        opt(d.escape),
        d.subcomponent,
        opt(d.truncation)
    );
    let t = m.message_type();
    let _ = writeln!(s, "type: {} {} {:?}", t.code, t.trigger, t.structure);
    let _ = writeln!(s, "control id: {}", m.control_id());
    let _ = writeln!(s, "version: {}", m.version());
    let _ = writeln!(s, "borrowed: {}", m.is_borrowed());
    for diag in &parsed.diagnostics {
        let _ = writeln!(s, "diagnostic: {diag}");
    }
    for seg in m.segments() {
        let _ = writeln!(
            s,
            "[{}] {} ({} fields)",
            seg.index(),
            seg.id(),
            seg.field_count()
        );
        for (f, field) in seg.fields().enumerate() {
            let f = f + 1;
            if seg.id() == "MSH" && f <= 2 {
                let _ = writeln!(s, "  MSH-{f} = {:?}", field.value());
                continue;
            }
            if field.is_null() {
                let _ = writeln!(s, "  {}-{f} = null", seg.id());
                continue;
            }
            let reps = field.repetition_count();
            for (r, rep) in field.repetitions().enumerate() {
                let comps = rep.component_count();
                for (c, comp) in rep.components().enumerate() {
                    let subs = comp.subcomponent_count();
                    for sub in 1..=subs {
                        let v = comp.subcomponent_value(sub);
                        if v.is_empty() {
                            continue;
                        }
                        let mut path = format!("{}-{f}", seg.id());
                        if reps > 1 {
                            let _ = write!(path, "[{}]", r + 1);
                        }
                        if comps > 1 || subs > 1 {
                            let _ = write!(path, ".{}", c + 1);
                        }
                        if subs > 1 {
                            let _ = write!(path, ".{sub}");
                        }
                        let _ = writeln!(s, "  {path} = {v:?}");
                    }
                }
            }
        }
    }
    s
}

/// Touches every accessor on every element, so a mutation test reaches all code paths. Returns
/// a count so the work cannot be optimised away.
pub(crate) fn walk(m: &Message<'_>) -> usize {
    let mut n = m.text().len() + m.segment_count();
    let t = m.message_type();
    n += t.code.len() + t.trigger.len() + t.structure.map_or(0, str::len);
    n += m.control_id().len() + m.version().len();
    for path in [
        "MSH-9.2",
        "PID-5.1",
        "PID-3[2].1",
        "OBX(2)-5",
        "PID-5.1.1",
        "MSH-1",
        "MSH-2",
    ] {
        n += m.get(path).map_or(0, |v| v.len());
    }
    for seg in m.segments() {
        n += seg.id().len() + seg.raw().len() + seg.field_count();
        n += seg.field(0).raw().len() + seg.field(usize::MAX).raw().len();
        for field in seg.fields() {
            n += field.value().len() + usize::from(field.is_null()) + usize::from(field.is_empty());
            n += field.component(2).value().len() + field.repetition(3).raw().len();
            for rep in field.repetitions() {
                n += rep.value().len() + rep.component_count();
                for comp in rep.components() {
                    n += comp.value().len() + comp.subcomponent(2).len();
                    for sub in comp.subcomponents() {
                        n += sub.len();
                    }
                    for s in 1..=comp.subcomponent_count() {
                        n += comp.subcomponent_value(s).len();
                    }
                }
            }
        }
    }
    n
}

/// xorshift64*: a small deterministic generator for mutation and property tests.
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}
