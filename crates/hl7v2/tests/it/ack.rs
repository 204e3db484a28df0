//! Acknowledgements: ACK for a parsed message, AR for unparseable bytes, reading ACKs of both
//! ERR forms.

use meridian_hl7v2::{
    AckCode, AckHeader, Charset, ErrorDetail, Hl7ErrorCode, Location, ParseErrorKind, Severity,
    ack, read_ack, reject_unparseable,
};

use crate::{lenient, strict};

const HEADER: AckHeader<'static> = AckHeader {
    sending_application: "MERIDIAN",
    sending_facility: "CLINIC",
    control_id: "ACK0001",
    timestamp: "20240312101531+0100",
};

const ADT: &str = "MSH|^~\\&|REGADT|MCM^1.2.3^ISO|MERIDIAN|CLINIC|20240312083015||ADT^A01^ADT_A01|MSG00001|T|2.5.1|||AL|NE||UNICODE UTF-8\rPID|1||MR1||DOE^JOHN\r";

fn missing_pid3() -> ErrorDetail {
    ErrorDetail {
        code: Hl7ErrorCode::RequiredFieldMissing,
        severity: Severity::Error,
        location: Some(Location {
            segment: "PID".into(),
            sequence: 1,
            field: Some(3),
            component: Some(1),
        }),
        message: "patient identifier list is empty".into(),
    }
}

#[test]
fn ack_swaps_sender_and_receiver_and_echoes_the_original() {
    let original = strict(ADT.as_bytes()).message;
    let text = ack(&original, &HEADER, AckCode::AE, &[missing_pid3()]).encode();
    assert_eq!(
        text,
        "MSH|^~\\&|MERIDIAN|CLINIC|REGADT|MCM^1.2.3^ISO|20240312101531+0100||ACK^A01^ACK|ACK0001|T|2.5.1||||||UNICODE UTF-8\r\
         MSA|AE|MSG00001\r\
         ERR||PID^1^3^^1|101^Required field missing^HL70357|E||||patient identifier list is empty\r"
    );
    let parsed = strict(text.as_bytes());
    let read = read_ack(&parsed.message).expect("read ack");
    assert_eq!(read.code, AckCode::AE);
    assert_eq!(read.acknowledged_control_id, "MSG00001");
    assert_eq!(read.errors, vec![missing_pid3()]);
    assert!(!read.enhanced_mode);
}

#[test]
fn an_accept_has_no_err_and_reads_back_as_aa() {
    let original = strict(ADT.as_bytes()).message;
    let b = ack(&original, &HEADER, AckCode::AA, &[]);
    let bytes = b.encode_bytes(original.charset()).expect("encode");
    let read = read_ack(&strict(&bytes).message).expect("read");
    assert_eq!((read.code, read.errors.len()), (AckCode::AA, 0));
}

#[test]
fn several_errors_of_each_severity_round_trip() {
    let original = strict(ADT.as_bytes()).message;
    let errors = vec![
        missing_pid3(),
        ErrorDetail {
            code: Hl7ErrorCode::TableValueNotFound,
            severity: Severity::Warning,
            location: Some(Location {
                segment: "PV1".into(),
                sequence: 2,
                field: Some(2),
                component: None,
            }),
            message: "patient class \\ not in table 0004 | ^ ~ &".into(),
        },
        ErrorDetail {
            code: Hl7ErrorCode::Other(999),
            severity: Severity::Information,
            location: None,
            message: String::new(),
        },
    ];
    let text = ack(&original, &HEADER, AckCode::AE, &errors).encode();
    let read = read_ack(&strict(text.as_bytes()).message).expect("read");
    assert_eq!(read.errors, errors);
}

#[test]
fn before_v25_errors_go_to_err1_and_msa3() {
    let original =
        strict(b"MSH|^~\\&|OLD|FAC|MERIDIAN|CLINIC|20240312||ORM^O01|ORD1|P|2.3\rPID|1||X\r")
            .message;
    let text = ack(&original, &HEADER, AckCode::AR, &[missing_pid3()]).encode();
    assert!(
        text.ends_with(
            "MSA|AR|ORD1|patient identifier list is empty\rERR|PID^1^3^101&Required field missing&HL70357\r"
        ),
        "{text:?}"
    );
    assert!(text.contains("|ACK^O01^ACK|ACK0001|P|2.3\r"));
    let read = read_ack(&strict(text.as_bytes()).message).expect("read");
    assert_eq!(read.code, AckCode::AR);
    assert_eq!(read.errors.len(), 1);
    let e = &read.errors[0];
    assert_eq!(e.code, Hl7ErrorCode::RequiredFieldMissing);
    assert_eq!(e.severity, Severity::Error);
    assert_eq!(
        e.location,
        Some(Location {
            segment: "PID".into(),
            sequence: 1,
            field: Some(3),
            component: None
        })
    );
    assert_eq!(
        e.message, "Required field missing",
        "ELD carries the code's text only"
    );
}

#[test]
fn old_err1_repetitions_each_become_an_error() {
    let text = "MSH|^~\\&|A|B|C|D|20240101||ACK^A01|X1|P|2.4\rMSA|AE|ORIG1\rERR|PID^1^3^101&Required field missing&HL70357~PV1^1^2^103&Table value not found\r";
    let read = read_ack(&strict(text.as_bytes()).message).expect("read");
    let codes: Vec<Hl7ErrorCode> = read.errors.iter().map(|e| e.code).collect();
    assert_eq!(
        codes,
        [
            Hl7ErrorCode::RequiredFieldMissing,
            Hl7ErrorCode::TableValueNotFound
        ]
    );
}

#[test]
fn enhanced_mode_codes_are_read_as_their_original_mode_equivalents() {
    for (msa1, code) in [
        ("CA", AckCode::AA),
        ("CE", AckCode::AE),
        ("CR", AckCode::AR),
    ] {
        let text = format!("MSH|^~\\&|A|B|C|D|20240101||ACK|X1|P|2.5.1\rMSA|{msa1}|ORIG1\r");
        let read = read_ack(&strict(text.as_bytes()).message).expect("read");
        assert_eq!((read.code, read.enhanced_mode), (code, true), "{msa1}");
    }
}

#[test]
fn read_ack_refuses_non_acks_and_unknown_codes() {
    let not_ack = strict(ADT.as_bytes()).message;
    let err = read_ack(&not_ack).expect_err("no MSA");
    assert_eq!(err.kind(), &ParseErrorKind::NotAnAck);
    let bad = "MSH|^~\\&|A|B|C|D|20240101||ACK|X1|P|2.5.1\rMSA|OK|ORIG1\r";
    let err = read_ack(&strict(bad.as_bytes()).message).expect_err("bad code");
    assert_eq!(err.kind(), &ParseErrorKind::UnknownAckCode);
}

#[test]
fn acks_use_the_original_delimiters() {
    let original =
        strict(b"MSH#$*!@#LAB#HOSP#MERIDIAN#CLINIC#20240101##ORU$R01$ORU_R01#C!F!1#P#2.5.1\r")
            .message;
    let text = ack(&original, &HEADER, AckCode::AA, &[]).encode();
    assert!(
        text.starts_with("MSH#$*!@#MERIDIAN#CLINIC#LAB#HOSP#"),
        "{text:?}"
    );
    let read = read_ack(&strict(text.as_bytes()).message).expect("read");
    assert_eq!(read.acknowledged_control_id, "C#1");
}

#[test]
fn reject_unparseable_salvages_a_plain_control_id_and_sender() {
    let raw = b"MSH|^^\\&|REGADT|MCM^X|MERIDIAN|CLINIC|20240312||ADT^A04|CTRL-77.a|D|2.4\rPID|1||SECRET\r";
    let error = ErrorDetail {
        code: Hl7ErrorCode::ApplicationInternalError,
        severity: Severity::Error,
        location: None,
        message: "message could not be parsed".into(),
    };
    let b = reject_unparseable(raw, &HEADER, &error);
    let text = b.encode();
    assert_eq!(
        text,
        "MSH|^~\\&|MERIDIAN|CLINIC|REGADT|MCM|20240312101531+0100||ACK^A04^ACK|ACK0001|D|2.4\r\
         MSA|AR|CTRL-77.a|message could not be parsed\r\
         ERR|^^^207&Application internal error&HL70357\r"
    );
    let read = read_ack(&strict(text.as_bytes()).message).expect("read");
    assert_eq!(
        (read.code, read.acknowledged_control_id.as_str()),
        (AckCode::AR, "CTRL-77.a")
    );
    assert!(!text.contains("SECRET"));
}

#[test]
fn reject_unparseable_of_garbage_is_a_minimal_v251_reject_with_no_control_id() {
    let error = ErrorDetail {
        code: Hl7ErrorCode::SegmentSequence,
        severity: Severity::Error,
        location: None,
        message: "no MSH segment".into(),
    };
    for raw in [
        &b""[..],
        b"\x0b\x00\xff garbage",
        b"MSH",
        b"MSHA^~\\&A",
        b"MSH|^~\\&|A|B|C|D|E|F|G|\x01weird\x02|P|2.5.1\r",
        b"MSH|^~\\&|A|B|C|D|E|F|G|ctl^with^carets|P|9.9\r",
    ] {
        let text = reject_unparseable(raw, &HEADER, &error).encode();
        let p = lenient(text.as_bytes());
        assert!(p.diagnostics.is_empty(), "{text:?}");
        let read = read_ack(&p.message).expect("read");
        assert_eq!(read.code, AckCode::AR);
        assert_eq!(read.acknowledged_control_id, "", "{raw:?}");
        assert_eq!(p.message.version(), "2.5.1", "{raw:?}");
        assert_eq!(read.errors.len(), 1);
        assert_eq!(read.errors[0].code, Hl7ErrorCode::SegmentSequence);
        assert!(
            reject_unparseable(raw, &HEADER, &error)
                .encode_bytes(Charset::Ascii)
                .is_ok()
        );
    }
}

#[test]
fn table_0357_codes_and_texts() {
    assert_eq!(Hl7ErrorCode::MessageAccepted.code(), Some(0));
    assert_eq!(Hl7ErrorCode::ApplicationInternalError.code(), Some(207));
    assert_eq!(
        Hl7ErrorCode::from_code(203),
        Hl7ErrorCode::UnsupportedVersionId
    );
    assert_eq!(Hl7ErrorCode::from_code(104), Hl7ErrorCode::Other(104));
    assert_eq!(Hl7ErrorCode::Unspecified.code(), None);
    assert_eq!(
        Hl7ErrorCode::DuplicateKeyIdentifier.to_string(),
        "205 (Duplicate key identifier)"
    );
    for n in [
        0u16, 100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207,
    ] {
        let code = Hl7ErrorCode::from_code(n);
        assert_eq!(code.code(), Some(n));
        assert!(!code.text().is_empty());
    }
}
