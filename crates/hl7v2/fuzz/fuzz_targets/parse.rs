//! Parses arbitrary bytes in both modes, walks every element, re-encodes what was accepted and
//! parses that again; also feeds the bytes to the escape, DTM, path, ACK and reject paths.
//! Any panic, and any broken invariant asserted here, is a finding.

#![no_main]

use libfuzzer_sys::fuzz_target;
use meridian_hl7v2::{
    AckHeader, Delimiters, ErrorDetail, Hl7ErrorCode, Message, MessageBuilder, ParseOptions, Path,
    Severity, escape, parse, parse_dtm, read_ack, reject_unparseable, unescape,
};

fn walk(m: &Message<'_>) -> usize {
    let mut n = m.text().len() + m.control_id().len() + m.version().len();
    let t = m.message_type();
    n += t.code.len() + t.trigger.len() + t.structure.map_or(0, str::len);
    for path in [
        "MSH-9.2",
        "PID-5.1",
        "PID-3[2].1",
        "OBX(2)-5",
        "PID-5.1.1",
        "MSH-2",
    ] {
        n += m.get(path).map_or(0, |v| v.len());
    }
    for seg in m.segments() {
        n += seg.id().len() + seg.field_count();
        for field in seg.fields() {
            n += field.value().len() + usize::from(field.is_null());
            for rep in field.repetitions() {
                n += rep.value().len();
                for comp in rep.components() {
                    n += comp.value().len();
                    for s in 1..=comp.subcomponent_count() {
                        n += comp.subcomponent_value(s).len();
                    }
                }
            }
        }
    }
    n
}

const HEADER: AckHeader<'static> = AckHeader {
    sending_application: "FUZZ",
    sending_facility: "FAC",
    control_id: "A1",
    timestamp: "20240101000000",
};

fuzz_target!(|data: &[u8]| {
    for options in [ParseOptions::strict(), ParseOptions::lenient()] {
        let Ok(parsed) = parse(data, &options) else {
            continue;
        };
        std::hint::black_box(walk(&parsed.message));
        let _ = read_ack(&parsed.message);
        let text = MessageBuilder::from_message(&parsed.message).encode();
        let again = parse(text.as_bytes(), &ParseOptions::lenient());
        assert!(again.is_ok(), "a re-encoded accepted message must parse");
        if let Ok(again) = again {
            std::hint::black_box(walk(&again.message));
        }
        let _ = meridian_hl7v2::ack(&parsed.message, &HEADER, meridian_hl7v2::AckCode::AE, &[])
            .encode();
    }
    let error = ErrorDetail {
        code: Hl7ErrorCode::ApplicationInternalError,
        severity: Severity::Error,
        location: None,
        message: "fuzz".into(),
    };
    let reject = reject_unparseable(data, &HEADER, &error).encode();
    assert!(parse(reject.as_bytes(), &ParseOptions::strict()).is_ok());
    if let Ok(s) = std::str::from_utf8(data) {
        let d = Delimiters::default();
        std::hint::black_box(unescape(s, &d));
        let coded = escape(s, &d);
        let expected = s.replace("\r\n", "\n").replace('\r', "\n");
        assert_eq!(unescape(&coded, &d), expected);
        let _ = parse_dtm(s);
        if let Ok(dtm) = parse_dtm(s) {
            assert_eq!(parse_dtm(&dtm.to_string()).ok(), Some(dtm));
        }
        let _ = Path::parse(s);
    }
});
