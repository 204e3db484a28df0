//! The message corpus: real-world shaped messages in `test_data/ok` read strictly and dump to
//! their expected trees; malformed inputs in `test_data/err` fail (strict) or degrade
//! (lenient) as expected; a 50 MB message parses; mutated messages never panic.

use meridian_hl7v2::{
    DEFAULT_MAX_BYTES, DelimiterProblem, DiagnosticKind, Message, MessageBuilder, Mode,
    ParseErrorKind, ParseOptions, parse,
};

use crate::{XorShift, check_expected, corpus, dump, leaves, lenient, strict, walk};

#[test]
fn every_ok_message_parses_strictly_and_dumps_to_its_expected_tree() {
    for (name, bytes) in corpus("ok") {
        let parsed = parse(&bytes, &ParseOptions::strict())
            .unwrap_or_else(|e| panic!("{name}: strict parse failed: {e}"));
        let lenient = lenient(&bytes);
        assert!(
            lenient.diagnostics.is_empty(),
            "{name}: lenient diagnostics on a valid message: {:?}",
            lenient.diagnostics
        );
        check_expected("ok", &name, &dump(&parsed));
    }
}

#[test]
fn every_ok_message_reencodes_to_the_same_values() {
    for (name, bytes) in corpus("ok") {
        let original = strict(&bytes).message;
        // Encoded in the message's own character set, which MSH-18 still names.
        let text = MessageBuilder::from_message(&original)
            .encode_bytes(original.charset())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = parse(&text, &ParseOptions::strict())
            .unwrap_or_else(|e| panic!("{name}: re-encoded message does not parse: {e}"));
        assert_eq!(leaves(&original), leaves(&again.message), "{name}");
        assert_eq!(original.delimiters(), again.message.delimiters(), "{name}");
    }
}

/// What each malformed input must give: the strict error kind, and the lenient outcome (an
/// error kind, or the diagnostic kinds in order). The `.expected` files hold the full text; this
/// table makes a change of kind fail even if someone regenerates them carelessly.
enum Lenient {
    Fails(ParseErrorKind),
    Diagnoses(Vec<DiagnosticKind>),
}

fn expectations() -> Vec<(&'static str, ParseErrorKind, Lenient)> {
    use DiagnosticKind as D;
    use Lenient::{Diagnoses, Fails};
    use ParseErrorKind as K;
    let bad = |p| K::BadDelimiters(p);
    vec![
        (
            "alphanumeric_delimiter.hl7",
            bad(DelimiterProblem::NotAllowed),
            Fails(bad(DelimiterProblem::NotAllowed)),
        ),
        (
            "ascii_declared_non_ascii_bytes.hl7",
            K::CharsetMismatch,
            Diagnoses(vec![D::CharsetMismatch]),
        ),
        (
            "bad_escape_odd_hex.hl7",
            K::BadEscape,
            Diagnoses(vec![D::BadEscape]),
        ),
        (
            "bad_escape_unknown.hl7",
            K::BadEscape,
            Diagnoses(vec![D::BadEscape]),
        ),
        (
            "bad_escape_unterminated.hl7",
            K::BadEscape,
            Diagnoses(vec![D::BadEscape]),
        ),
        ("binary_garbage.bin", K::MissingMsh, Fails(K::MissingMsh)),
        (
            "blank_line.hl7",
            K::BlankLine,
            Diagnoses(vec![D::BlankLine]),
        ),
        (
            "blank_line_with_spaces.hl7",
            K::BlankLine,
            Diagnoses(vec![D::BlankLine]),
        ),
        (
            "control_byte_in_segment.hl7",
            K::BinaryData,
            Diagnoses(vec![D::BinaryData]),
        ),
        (
            "duplicate_delimiters.hl7",
            bad(DelimiterProblem::Duplicate),
            Fails(bad(DelimiterProblem::Duplicate)),
        ),
        ("empty.hl7", K::Empty, Fails(K::Empty)),
        (
            "field_separator_is_component.hl7",
            bad(DelimiterProblem::TooShort),
            Fails(bad(DelimiterProblem::TooShort)),
        ),
        (
            "invalid_utf8.hl7",
            K::InvalidUtf8 { offset: 120 },
            Diagnoses(vec![D::InvalidUtf8 { offset: 120 }]),
        ),
        (
            "invalid_utf8_no_msh18.hl7",
            K::InvalidUtf8 { offset: 101 },
            Diagnoses(vec![D::InvalidUtf8 { offset: 101 }]),
        ),
        (
            "leading_line_break.hl7",
            K::BlankLine,
            Diagnoses(vec![D::BlankLine]),
        ),
        (
            "lowercase_segment_id.hl7",
            K::BadSegmentId,
            Diagnoses(vec![D::BadSegmentId]),
        ),
        (
            "missing_control_id.hl7",
            K::MissingControlId,
            Diagnoses(vec![D::MissingControlId]),
        ),
        (
            "missing_message_type.hl7",
            K::MissingMessageType,
            Diagnoses(vec![D::MissingMessageType]),
        ),
        (
            "missing_version.hl7",
            K::MissingVersion,
            Diagnoses(vec![D::MissingVersion]),
        ),
        ("mllp_framed.hl7", K::MissingMsh, Fails(K::MissingMsh)),
        (
            "msh_then_binary_garbage.bin",
            K::InvalidUtf8 { offset: 120 },
            // The random bytes hold a line break, so a second "segment" of garbage follows.
            Diagnoses(vec![
                D::InvalidUtf8 { offset: 120 },
                D::BinaryData,
                D::BinaryData,
                D::BadSegmentId,
            ]),
        ),
        ("no_msh.hl7", K::MissingMsh, Fails(K::MissingMsh)),
        (
            "non_ascii_delimiter.hl7",
            bad(DelimiterProblem::NotAllowed),
            Fails(bad(DelimiterProblem::NotAllowed)),
        ),
        (
            "nul_in_field.hl7",
            K::BinaryData,
            Diagnoses(vec![D::BinaryData]),
        ),
        ("only_line_breaks.hl7", K::Empty, Fails(K::Empty)),
        (
            "segment_id_too_long.hl7",
            K::BadSegmentId,
            Diagnoses(vec![D::BadSegmentId]),
        ),
        (
            "space_delimiter.hl7",
            bad(DelimiterProblem::NotAllowed),
            Fails(bad(DelimiterProblem::NotAllowed)),
        ),
        (
            "too_many_encoding_chars.hl7",
            bad(DelimiterProblem::TooLong),
            Fails(bad(DelimiterProblem::TooLong)),
        ),
        (
            "truncated_after_msh1.hl7",
            bad(DelimiterProblem::TooShort),
            Fails(bad(DelimiterProblem::TooShort)),
        ),
        (
            "truncated_header.hl7",
            K::MissingMessageType,
            Diagnoses(vec![
                D::MissingMessageType,
                D::MissingControlId,
                D::MissingVersion,
            ]),
        ),
        (
            "truncated_in_msh2.hl7",
            bad(DelimiterProblem::TooShort),
            Fails(bad(DelimiterProblem::TooShort)),
        ),
        (
            "unescaped_line_break.hl7",
            K::BadSegmentId,
            Diagnoses(vec![D::BadSegmentId]),
        ),
        (
            "unknown_charset.hl7",
            K::UnknownCharset {
                name: "ISO IR87".into(),
            },
            Diagnoses(vec![D::UnknownCharset {
                name: "ISO IR87".into(),
            }]),
        ),
    ]
}

fn outcome(bytes: &[u8], mode: Mode) -> String {
    let options = ParseOptions {
        mode,
        ..ParseOptions::default()
    };
    match parse(bytes, &options) {
        Err(e) => format!("error {:?}\n  {e}\n", e.kind()),
        Ok(p) => {
            let mut s = format!("ok, {} segments\n", p.message.segment_count());
            for d in &p.diagnostics {
                s.push_str(&format!("  {:?}: {d}\n", d.kind));
            }
            s
        }
    }
}

#[test]
fn every_malformed_input_fails_strictly_with_its_kind_and_degrades_leniently_as_expected() {
    let files = corpus("err");
    let table = expectations();
    assert_eq!(
        files.len(),
        table.len(),
        "every err input needs a row in expectations()"
    );
    for ((name, bytes), (row, strict_kind, lenient_outcome)) in files.iter().zip(table) {
        assert_eq!(name, row, "expectations() must be sorted by file name");
        let err = parse(bytes, &ParseOptions::strict())
            .err()
            .unwrap_or_else(|| panic!("{name}: strict parse accepted it"));
        assert_eq!(err.kind(), &strict_kind, "{name}: strict kind");
        match (parse(bytes, &ParseOptions::lenient()), lenient_outcome) {
            (Err(e), Lenient::Fails(kind)) => assert_eq!(e.kind(), &kind, "{name}"),
            (Ok(p), Lenient::Diagnoses(kinds)) => {
                let got: Vec<DiagnosticKind> =
                    p.diagnostics.iter().map(|d| d.kind.clone()).collect();
                assert_eq!(got, kinds, "{name}: lenient diagnostics");
                walk(&p.message);
            }
            (Err(e), _) => panic!("{name}: lenient parse failed: {e}"),
            (Ok(_), _) => panic!("{name}: lenient parse should have failed"),
        }
        let text = format!(
            "strict: {}lenient: {}",
            outcome(bytes, Mode::Strict),
            outcome(bytes, Mode::Lenient)
        );
        check_expected("err", name, &text);
    }
}

#[test]
fn errors_and_diagnostics_never_show_field_contents() {
    for (name, bytes) in corpus("err") {
        for mode in [Mode::Strict, Mode::Lenient] {
            let text = outcome(&bytes, mode);
            let debug = match parse(
                &bytes,
                &ParseOptions {
                    mode,
                    ..Default::default()
                },
            ) {
                Err(e) => format!("{e:?}"),
                Ok(p) => format!("{:?} {:?}", p.diagnostics, p.message),
            };
            for shown in [&text, &debug] {
                assert!(
                    !shown.contains("SECRET"),
                    "{name} ({mode:?}) shows data: {shown}"
                );
            }
        }
    }
}

#[test]
fn strict_error_positions_name_segment_and_field() {
    let bytes = std::fs::read(crate::data_dir("err").join("nul_in_field.hl7")).expect("read");
    let err = parse(&bytes, &ParseOptions::strict()).expect_err("binary");
    let at = err.position().expect("position");
    assert_eq!(
        (at.segment_index, at.segment_id.as_str(), at.field),
        (1, "PID", Some(5))
    );
    assert_eq!(
        err.to_string(),
        "binary data (NUL or a control byte other than CR, LF, TAB); binary payloads must be Base64 or hex (`\\X..\\`) encoded (at segment 1 (PID), field 5)"
    );
    let bytes =
        std::fs::read(crate::data_dir("err").join("unescaped_line_break.hl7")).expect("read");
    let err = parse(&bytes, &ParseOptions::strict()).expect_err("bad id");
    let at = err.position().expect("position");
    assert_eq!((at.segment_index, at.segment_id.as_str()), (3, "???"));
}

/// MSH, then OBX segments with a text value until the message is `size` bytes or more.
fn big_message(size: usize) -> Vec<u8> {
    let mut m = b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240312||ORU^R01^ORU_R01|BIG1|P|2.5.1\r".to_vec();
    let mut i = 0u64;
    while m.len() < size {
        i += 1;
        m.extend_from_slice(
            format!("OBX|{i}|TX|11529-5^Surgical pathology study^LN||line {i} of a very long report \\T\\ appendix|||||F\r")
                .as_bytes(),
        );
    }
    m
}

#[test]
fn a_50_mb_message_parses_within_the_default_limit() {
    let bytes = big_message(50_000_000);
    assert!(bytes.len() >= 50_000_000 && bytes.len() < DEFAULT_MAX_BYTES);
    let parsed = strict(&bytes);
    let m = &parsed.message;
    let count = m.segment_count();
    assert!(count > 400_000, "{count} segments");
    let last = m.segment_at(count - 1).expect("last segment");
    assert_eq!(last.field(1).value(), (count - 1).to_string());
    assert!(last.field(5).value().ends_with("report & appendix"));
    assert!(m.is_borrowed());
}

#[test]
fn a_message_one_byte_over_max_bytes_is_refused_unread() {
    let limit = 4096;
    let at_limit = big_message(limit);
    let at_limit = &at_limit[..limit];
    let options = ParseOptions {
        max_bytes: limit,
        ..ParseOptions::default()
    };
    assert!(parse(at_limit, &options).is_ok());
    let mut over = at_limit.to_vec();
    over.push(b'\r');
    let err = parse(&over, &options).expect_err("over the limit");
    assert_eq!(
        err.kind(),
        &ParseErrorKind::TooLarge {
            size: limit + 1,
            limit
        }
    );

    // And at the default limit.
    let mut huge = big_message(DEFAULT_MAX_BYTES);
    huge.resize(DEFAULT_MAX_BYTES + 1, b'x');
    let err = parse(&huge, &ParseOptions::default()).expect_err("over 64 MiB");
    assert_eq!(
        err.kind(),
        &ParseErrorKind::TooLarge {
            size: DEFAULT_MAX_BYTES + 1,
            limit: DEFAULT_MAX_BYTES
        }
    );
}

fn mutate(rng: &mut XorShift, base: &[u8]) -> Vec<u8> {
    const INTERESTING: &[u8] = b"|^~\\&#\r\n\x00\x0b\x1c\xff\xc3\xa9\"XZ.ST ";
    let mut m = base.to_vec();
    for _ in 0..=rng.below(4) {
        let len = m.len().max(1);
        match rng.below(7) {
            0 => {
                let at = rng.below(len);
                if let Some(b) = m.get_mut(at) {
                    *b = rng.next() as u8;
                }
            }
            1 => {
                let at = rng.below(len);
                if let Some(b) = m.get_mut(at) {
                    *b = INTERESTING[rng.below(INTERESTING.len())];
                }
            }
            2 => {
                let at = rng.below(m.len() + 1);
                m.insert(at, INTERESTING[rng.below(INTERESTING.len())]);
            }
            3 => {
                let at = rng.below(len);
                let end = (at + rng.below(16)).min(m.len());
                if at < end {
                    m.drain(at..end);
                }
            }
            4 => {
                let at = rng.below(len);
                let end = (at + rng.below(32)).min(m.len());
                if at < end {
                    let piece = m[at..end].to_vec();
                    let to = rng.below(m.len() + 1);
                    m.splice(to..to, piece);
                }
            }
            5 => {
                let cut = rng.below(len);
                m.truncate(cut);
            }
            _ => {
                // Touch the header, where the delimiters are.
                let at = rng.below(12.min(len));
                if let Some(b) = m.get_mut(at) {
                    *b = INTERESTING[rng.below(INTERESTING.len())];
                }
            }
        }
    }
    m
}

fn exercise(m: &Message<'_>) -> usize {
    let mut n = walk(m);
    let text = MessageBuilder::from_message(m).encode();
    n += text.len();
    // Whatever a lenient parse accepted, re-encoded, is accepted again.
    let again =
        parse(text.as_bytes(), &ParseOptions::lenient()).expect("re-encoded message parses");
    n += walk(&again.message);
    n
}

#[test]
fn twenty_thousand_mutated_messages_never_panic() {
    let bases = corpus("ok");
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut accepted = [0usize; 2];
    let mut total = 0usize;
    for i in 0..20_000 {
        let (_, base) = &bases[i % bases.len()];
        let input = mutate(&mut rng, base);
        for (k, mode) in [Mode::Strict, Mode::Lenient].into_iter().enumerate() {
            let options = ParseOptions {
                mode,
                ..ParseOptions::default()
            };
            match parse(&input, &options) {
                Ok(p) => {
                    accepted[k] += 1;
                    total += exercise(&p.message);
                    assert!(p.diagnostics.len() <= meridian_hl7v2::MAX_DIAGNOSTICS + 1);
                    if mode == Mode::Strict {
                        assert!(p.diagnostics.is_empty());
                    }
                }
                Err(e) => total += e.to_string().len(),
            }
        }
    }
    // The loop must reach both outcomes to mean anything.
    assert!(
        accepted[0] > 1000 && accepted[0] < 19_000,
        "strict accepted {}",
        accepted[0]
    );
    assert!(
        accepted[1] > accepted[0],
        "lenient accepted {}",
        accepted[1]
    );
    assert!(total > 0);
}

#[test]
fn too_many_problems_are_capped_with_a_marker() {
    let mut m = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01|C1|P|2.5.1\r".to_vec();
    for _ in 0..3000 {
        m.extend_from_slice(b"NTE|1||\\Q\\\r");
    }
    let p = lenient(&m);
    assert_eq!(p.diagnostics.len(), meridian_hl7v2::MAX_DIAGNOSTICS + 1);
    assert_eq!(
        p.diagnostics.last().map(|d| &d.kind),
        Some(&DiagnosticKind::TooManyDiagnostics)
    );
    assert_eq!(p.message.segment_count(), 3001);
}
