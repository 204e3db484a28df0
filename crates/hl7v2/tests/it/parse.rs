//! Parsing: terminators, delimiters, charsets, field numbering, accessors, paths, modes.

use std::borrow::Cow;

use meridian_hl7v2::{
    Charset, Delimiters, DiagnosticKind, Mode, ParseErrorKind, ParseOptions, Path, parse,
};

use crate::{leaves, lenient, strict};

const ADT: &str = "MSH|^~\\&|REG|HOSP|EHR|CLINIC|20240312083015||ADT^A01^ADT_A01|MSG1|P|2.5.1\r\
EVN|A01|20240312083000\r\
PID|1||MR1^^^HOSP^MR~SS1^^^USSSA^SS||DOE^JOHN^Q||19700115|M|||1 MAIN ST^^SPRINGFIELD^IL&Illinois&FIPS^62701||\"\"\r\
PV1|1|I|4W^412^B\r";

#[test]
fn segments_fields_components_and_subcomponents_read_as_the_standard_numbers_them() {
    let p = strict(ADT.as_bytes());
    let m = &p.message;
    assert_eq!(m.segment_count(), 4);
    let ids: Vec<&str> = m.segments().map(|s| s.id()).collect();
    assert_eq!(ids, ["MSH", "EVN", "PID", "PV1"]);

    let msh = m.msh();
    assert_eq!(msh.field(1).raw(), "|");
    assert_eq!(msh.field(2).raw(), "^~\\&");
    assert_eq!(msh.field(2).value(), "^~\\&", "MSH-2 is never unescaped");
    assert_eq!(msh.field(2).component(1).raw(), "^~\\&", "nor split");
    assert_eq!(msh.field(3).value(), "REG");
    assert_eq!(msh.field(12).value(), "2.5.1");
    assert_eq!(msh.field_count(), 12);

    let pid = m.segment("PID").expect("PID");
    assert_eq!(pid.index(), 2);
    assert_eq!(pid.field_count(), 13);
    assert_eq!(pid.field(1).value(), "1");
    assert!(pid.field(2).is_empty());
    assert_eq!(pid.field(3).repetition_count(), 2);
    assert_eq!(pid.field(3).repetition(2).component(1).value(), "SS1");
    assert_eq!(pid.field(3).repetition(2).component(4).value(), "USSSA");
    assert!(pid.field(3).repetition(3).is_empty());
    assert_eq!(pid.field(5).component(2).value(), "JOHN");
    assert_eq!(pid.field(5).value(), "DOE");
    let state = pid.field(11).component(4);
    assert_eq!(state.raw(), "IL&Illinois&FIPS");
    assert_eq!(state.subcomponent(2), "Illinois");
    assert_eq!(
        state.subcomponents().collect::<Vec<_>>(),
        ["IL", "Illinois", "FIPS"]
    );
    assert_eq!(pid.field(11).value(), "1 MAIN ST");
    assert!(pid.field(13).is_null());
    assert!(!pid.field(13).is_empty());
    assert!(pid.field(40).is_empty());
    assert!(pid.field(0).is_empty());
    assert_eq!(pid.fields().count(), 13);

    let t = m.message_type();
    assert_eq!(
        (t.code, t.trigger, t.structure),
        ("ADT", "A01", Some("ADT_A01"))
    );
    assert_eq!(m.control_id(), "MSG1");
    assert_eq!(m.version(), "2.5.1");
    assert_eq!(m.charset(), Charset::Utf8);
    assert!(m.is_borrowed());
}

#[test]
fn get_reads_terser_style_paths() {
    let p = strict(ADT.as_bytes());
    let m = &p.message;
    let get = |path: &str| m.get(path).map(Cow::into_owned);
    assert_eq!(get("PID-5.1").as_deref(), Some("DOE"));
    assert_eq!(get("PID-5").as_deref(), Some("DOE"));
    assert_eq!(get("PID-5.2").as_deref(), Some("JOHN"));
    assert_eq!(get("PID-5.1.1").as_deref(), Some("DOE"));
    assert_eq!(get("PID-3[2].1").as_deref(), Some("SS1"));
    assert_eq!(get("PID-3(2).4").as_deref(), Some("USSSA"));
    assert_eq!(get("PID-11.4.2").as_deref(), Some("Illinois"));
    assert_eq!(get("PID.5.2").as_deref(), Some("JOHN"));
    assert_eq!(get("MSH-9.2").as_deref(), Some("A01"));
    assert_eq!(get("MSH-1").as_deref(), Some("|"));
    assert_eq!(get("MSH-2").as_deref(), Some("^~\\&"));
    assert_eq!(get("MSH-10").as_deref(), Some("MSG1"));
    assert_eq!(get("PID-13").as_deref(), Some("\"\""));
    assert_eq!(get("PID-2"), None, "empty");
    assert_eq!(get("PID-99"), None, "absent");
    assert_eq!(get("PID(2)-1"), None, "no second PID");
    assert_eq!(get("ZZZ-1"), None);
    assert_eq!(get("pid-5"), None, "malformed path");
    assert_eq!(get("PID-0"), None, "malformed path");
}

#[test]
fn get_addresses_later_occurrences_of_a_segment() {
    let text = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|C1|P|2.5.1\rOBX|1|NM|A^a||1\rOBX|2|NM|B^b||2\rOBX|3|NM|C^c||3\r";
    let p = strict(text.as_bytes());
    let m = &p.message;
    assert_eq!(m.get("OBX-5").as_deref(), Some("1"));
    assert_eq!(m.get("OBX(2)-5").as_deref(), Some("2"));
    assert_eq!(m.get("OBX[3]-3.2").as_deref(), Some("c"));
    assert_eq!(m.get("OBX(4)-5"), None);
    let values: Vec<String> = m
        .segments_named("OBX")
        .map(|s| s.field(5).value().into_owned())
        .collect();
    assert_eq!(values, ["1", "2", "3"]);
    assert_eq!(
        m.segments_named("OB").count(),
        0,
        "prefix of an id is not the id"
    );
}

#[test]
fn paths_parse_and_print_and_malformed_ones_say_where() {
    let p = Path::parse("OBX(2)-5[3].1.2").expect("path");
    assert_eq!(
        (
            p.segment(),
            p.occurrence(),
            p.field(),
            p.repetition(),
            p.component(),
            p.subcomponent()
        ),
        ("OBX", 2, 5, 3, Some(1), Some(2))
    );
    assert_eq!(p.to_string(), "OBX(2)-5[3].1.2");
    assert_eq!(Path::parse("PID-5").expect("path").to_string(), "PID-5");
    for (bad, at) in [
        ("", 0),
        ("PI", 0),
        ("PID", 3),
        ("PID-", 4),
        ("PID-x", 4),
        ("PID-5.", 6),
        ("PID-5[2", 7),
        ("PID-5 ", 5),
        ("PID-0", 4),
    ] {
        let e = Path::parse(bad).expect_err(bad);
        assert_eq!(e.at(), at, "{bad:?}");
    }
}

#[test]
fn all_terminator_styles_read_the_same_segments() {
    let segments = [
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|C1|P|2.5.1",
        "PID|1||X^^^H||DOE^JANE",
        "PV1|1|O",
    ];
    let reference = strict(format!("{}\r", segments.join("\r")).as_bytes())
        .message
        .into_owned();
    for text in [
        segments.join("\r"),
        segments.join("\n"),
        format!("{}\r\n", segments.join("\r\n")),
        format!(
            "{}\r{}\n{}\r\n\r\n\n",
            segments[0], segments[1], segments[2]
        ),
    ] {
        let p = strict(text.as_bytes());
        assert_eq!(leaves(&p.message), leaves(&reference), "{text:?}");
        assert_eq!(p.message.segment_count(), 3);
        assert!(p.diagnostics.is_empty());
    }
}

#[test]
fn a_utf8_bom_is_skipped_and_utf8_text_is_borrowed() {
    let text = "\u{feff}MSH|^~\\&|A|B|C|D|20240101||ADT^A08|C1|P|2.5.1||||||UNICODE UTF-8\rPID|1||X||ŻÓŁW^JOSÉ\r";
    let p = strict(text.as_bytes());
    assert!(p.message.is_borrowed());
    assert_eq!(p.message.charset(), Charset::Utf8);
    assert_eq!(p.message.get("PID-5.2").as_deref(), Some("JOSÉ"));
    assert!(p.message.text().starts_with("MSH|"));
}

#[test]
fn latin1_is_decoded_by_msh18_and_ascii_only_latin1_stays_borrowed() {
    let mut bytes =
        b"MSH|^~\\&|A|B|C|D|20240101||ADT^A08|C1|P|2.5.1|||||FRA|8859/1\rPID|1||X||LEF".to_vec();
    bytes.extend_from_slice(&[
        0xC8, b'V', b'R', b'E', b'^', b'H', 0xC9, b'L', 0xC8, b'N', b'E', b'\r',
    ]);
    let p = strict(&bytes);
    assert_eq!(p.message.charset(), Charset::Latin1);
    assert!(!p.message.is_borrowed());
    assert_eq!(p.message.get("PID-5.1").as_deref(), Some("LEFÈVRE"));
    assert_eq!(p.message.get("PID-5.2").as_deref(), Some("HÉLÈNE"));

    let ascii = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A08|C1|P|2.5.1|||||FRA|8859/1\rPID|1||X||PLAIN\r";
    let p = strict(ascii);
    assert_eq!(p.message.charset(), Charset::Latin1);
    assert!(p.message.is_borrowed());
}

#[test]
fn msh18_variants_and_repetitions_choose_the_charset() {
    let with = |name: &str| {
        format!("MSH|^~\\&|A|B|C|D|20240101||ADT^A08|C1|P|2.5.1|||||USA|{name}\rPID|1\r")
    };
    for (name, charset) in [
        ("ASCII", Charset::Ascii),
        ("UNICODE UTF-8", Charset::Utf8),
        ("UTF-8", Charset::Utf8),
        ("unicode utf-8", Charset::Utf8),
        ("8859/1~UNICODE UTF-8", Charset::Latin1),
        ("", Charset::Utf8),
    ] {
        let text = with(name);
        assert_eq!(
            strict(text.as_bytes()).message.charset(),
            charset,
            "{name:?}"
        );
    }
    let text = with("ISO IR87");
    let err = parse(text.as_bytes(), &ParseOptions::strict()).expect_err("unknown charset");
    assert_eq!(
        err.kind(),
        &ParseErrorKind::UnknownCharset {
            name: "ISO IR87".into()
        }
    );
    assert!(err.to_string().contains("`ISO IR87`"));
    let p = lenient(text.as_bytes());
    assert_eq!(p.message.charset(), Charset::Utf8);
    assert_eq!(p.diagnostics.len(), 1);
    assert_eq!(p.diagnostics[0].field, Some(18));
}

#[test]
fn non_default_delimiters_split_and_unescape_with_their_own_characters() {
    let text = "MSH#$*!@#LAB#HOSP#EHR#CLINIC#20240101##ORU$R01#C1#P#2.5.1\rOBX#1#ST#A$b*C$d##x!F!y!S!z!T!w!E!v@sub2$comp2\r";
    let p = strict(text.as_bytes());
    let m = &p.message;
    assert_eq!(
        m.delimiters(),
        Delimiters {
            field: '#',
            component: '$',
            repetition: '*',
            escape: Some('!'),
            subcomponent: '@',
            truncation: None
        }
    );
    assert_eq!(m.msh().field(1).raw(), "#");
    assert_eq!(m.msh().field(2).raw(), "$*!@");
    assert_eq!(m.message_type().trigger, "R01");
    let obx = m.segment("OBX").expect("OBX");
    assert_eq!(obx.field(3).repetition(2).component(2).value(), "d");
    assert_eq!(obx.field(5).component(1).subcomponent_value(1), "x#y$z@w!v");
    assert_eq!(obx.field(5).component(1).subcomponent_value(2), "sub2");
    assert_eq!(obx.field(5).component(2).value(), "comp2");
    assert_eq!(m.get("OBX-5.2").as_deref(), Some("comp2"));
}

#[test]
fn a_three_character_msh2_means_no_escape_character() {
    let text = "MSH|^~&|A|B|C|D|20240101||ADT^A08|C1|P|2.3\rPID|1||X||DOE\\T\\JOHN^Q&R\r";
    let p = strict(text.as_bytes());
    let d = p.message.delimiters();
    assert_eq!((d.escape, d.subcomponent), (None, '&'));
    let pid = p.message.segment("PID").expect("PID");
    assert_eq!(
        pid.field(5).value(),
        "DOE\\T\\JOHN",
        "no escaping: backslashes are text"
    );
    assert_eq!(pid.field(5).component(2).subcomponent(2), "R");
}

#[test]
fn a_five_character_msh2_declares_the_v27_truncation_character() {
    let text = "MSH|^~\\&#|A|B|C|D|20240101||ADT^A08|C1|P|2.7\rPID|1||X||LONGNAM#^A\\P\\B\r";
    let p = strict(text.as_bytes());
    assert_eq!(p.message.delimiters().truncation, Some('#'));
    assert_eq!(p.message.msh().field(2).raw(), "^~\\&#");
    assert_eq!(p.message.get("PID-5.1").as_deref(), Some("LONGNAM#"));
    assert_eq!(p.message.get("PID-5.2").as_deref(), Some("A#B"));
}

#[test]
fn z_segments_and_digit_ids_are_segments_like_any_other() {
    let text = "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|C1|P|2.5.1\rZPI|1|custom^value\rZ01|x\rPV1\r";
    let p = strict(text.as_bytes());
    assert_eq!(p.message.get("ZPI-2.2").as_deref(), Some("value"));
    assert_eq!(p.message.get("Z01-1").as_deref(), Some("x"));
    let pv1 = p.message.segment("PV1").expect("a segment with no fields");
    assert_eq!(pv1.field_count(), 0);
    assert!(pv1.field(1).is_empty());
}

#[test]
fn lenient_mode_reports_each_problem_with_its_place_and_keeps_reading() {
    let text = "MSH|^~\\&|A|B|C|D|20240101||ADT^A08||P|2.5.1\r\rPID|1||X||DOE\\Q\\JOHN|\x01\rnot a segment\rPV1|1|O\r";
    let p = lenient(text.as_bytes());
    let got: Vec<(DiagnosticKind, usize, &str, Option<usize>)> = p
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.kind.clone(),
                d.segment_index,
                d.segment_id.as_str(),
                d.field,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (DiagnosticKind::BinaryData, 1, "PID", Some(6)),
            (DiagnosticKind::BlankLine, 1, "PID", None),
            (DiagnosticKind::BadEscape, 1, "PID", Some(5)),
            (DiagnosticKind::BadSegmentId, 2, "???", None),
            (DiagnosticKind::MissingControlId, 0, "MSH", Some(10)),
        ]
    );
    let m = &p.message;
    assert_eq!(m.segment_count(), 4);
    assert_eq!(
        m.get("PID-5").as_deref(),
        Some("DOE\\Q\\JOHN"),
        "unknown escape kept"
    );
    assert_eq!(m.get("PV1-2").as_deref(), Some("O"));
    assert_eq!(m.control_id(), "");
    assert_eq!(
        p.diagnostics[2].to_string(),
        "unknown or unterminated escape sequence (kept literally) at segment 1 (PID), field 5"
    );
    let err = parse(
        text.as_bytes(),
        &ParseOptions {
            mode: Mode::Strict,
            ..Default::default()
        },
    )
    .expect_err("strict refuses");
    assert_eq!(err.kind(), &ParseErrorKind::BinaryData);
}

#[test]
fn escapes_in_msh2_are_not_escape_sequences_but_those_in_later_msh_fields_are_checked() {
    let ok = "MSH|^~\\&|A\\T\\B|B|C|D|20240101||ADT^A08|C1|P|2.5.1\r";
    let p = strict(ok.as_bytes());
    assert_eq!(p.message.get("MSH-3").as_deref(), Some("A&B"));
    let bad = "MSH|^~\\&|A\\|B|C|D|20240101||ADT^A08|C1|P|2.5.1\r";
    let err = parse(bad.as_bytes(), &ParseOptions::strict()).expect_err("bad escape in MSH-3");
    assert_eq!(err.kind(), &ParseErrorKind::BadEscape);
    assert_eq!(err.position().and_then(|p| p.field), Some(3));
}

#[test]
fn debug_output_shows_shape_not_contents() {
    let p = strict(ADT.as_bytes());
    let all = format!(
        "{:?} {:?} {:?} {:?}",
        p,
        p.message.segment("PID"),
        p.message.segment("PID").map(|s| s.field(5)),
        p.message.segment("PID").map(|s| s.field(5).component(1))
    );
    for secret in ["DOE", "JOHN", "19700115", "MR1", "SPRINGFIELD"] {
        assert!(!all.contains(secret), "Debug shows {secret}: {all}");
    }
    assert!(all.contains("segments: 4"));
}

#[test]
fn segment_views_outlive_nothing_but_the_message_and_into_owned_frees_the_input() {
    let owned = {
        let bytes = ADT.as_bytes().to_vec();
        strict(&bytes).message.clone().into_owned()
    };
    assert_eq!(owned.get("PID-5.2").as_deref(), Some("JOHN"));
    assert!(!owned.is_borrowed());
}
