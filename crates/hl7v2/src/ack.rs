//! Acknowledgements in original mode (HL7 v2.5.1 chapter 2): MSA-1 AA/AE/AR, one ERR segment
//! per problem, and reading an ACK back.
//!
//! From v2.5 on an ERR carries ERR-2 location (ERL), ERR-3 the HL7 error code (CWE from table
//! 0357), ERR-4 severity (table 0516) and ERR-8 a user message. Before v2.5 an ERR has only
//! ERR-1 (ELD: segment^sequence^field^code&text&HL70357) and the text goes to MSA-3; this module
//! writes that form when the original's MSH-12 is below 2.5, and reads both.

use std::fmt;

use crate::delimiters::Delimiters;
use crate::encode::{MessageBuilder, SegmentBuilder};
use crate::error::{ParseError, ParseErrorKind};
use crate::message::{Message, Segment};

/// MSA-1, the acknowledgement code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckCode {
    /// Application accept (or commit accept, `CA`, when read).
    AA,
    /// Application error (or commit error, `CE`).
    AE,
    /// Application reject (or commit reject, `CR`).
    AR,
}

impl AckCode {
    /// The MSA-1 code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AA => "AA",
            Self::AE => "AE",
            Self::AR => "AR",
        }
    }
}

/// HL7 table 0357, message error condition codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hl7ErrorCode {
    /// 0: Message accepted.
    MessageAccepted,
    /// 100: Segment sequence error.
    SegmentSequence,
    /// 101: Required field missing.
    RequiredFieldMissing,
    /// 102: Data type error.
    DataTypeError,
    /// 103: Table value not found.
    TableValueNotFound,
    /// 200: Unsupported message type.
    UnsupportedMessageType,
    /// 201: Unsupported event code.
    UnsupportedEventCode,
    /// 202: Unsupported processing id.
    UnsupportedProcessingId,
    /// 203: Unsupported version id.
    UnsupportedVersionId,
    /// 204: Unknown key identifier.
    UnknownKeyIdentifier,
    /// 205: Duplicate key identifier.
    DuplicateKeyIdentifier,
    /// 206: Application record locked.
    ApplicationRecordLocked,
    /// 207: Application internal error.
    ApplicationInternalError,
    /// A numeric code outside the table (a later version's or a local one).
    Other(u16),
    /// Read from an ERR whose code is empty or not a number.
    Unspecified,
}

impl Hl7ErrorCode {
    const TABLE: [(u16, Self, &'static str); 13] = [
        (0, Self::MessageAccepted, "Message accepted"),
        (100, Self::SegmentSequence, "Segment sequence error"),
        (101, Self::RequiredFieldMissing, "Required field missing"),
        (102, Self::DataTypeError, "Data type error"),
        (103, Self::TableValueNotFound, "Table value not found"),
        (
            200,
            Self::UnsupportedMessageType,
            "Unsupported message type",
        ),
        (201, Self::UnsupportedEventCode, "Unsupported event code"),
        (
            202,
            Self::UnsupportedProcessingId,
            "Unsupported processing id",
        ),
        (203, Self::UnsupportedVersionId, "Unsupported version id"),
        (204, Self::UnknownKeyIdentifier, "Unknown key identifier"),
        (
            205,
            Self::DuplicateKeyIdentifier,
            "Duplicate key identifier",
        ),
        (
            206,
            Self::ApplicationRecordLocked,
            "Application record locked",
        ),
        (
            207,
            Self::ApplicationInternalError,
            "Application internal error",
        ),
    ];

    /// The numeric code; `None` for [`Hl7ErrorCode::Unspecified`].
    pub fn code(self) -> Option<u16> {
        match self {
            Self::Other(n) => Some(n),
            Self::Unspecified => None,
            known => Self::TABLE
                .iter()
                .find(|(_, v, _)| *v == known)
                .map(|(n, _, _)| *n),
        }
    }

    /// The table's text for the code; empty for codes outside the table.
    pub fn text(self) -> &'static str {
        Self::TABLE
            .iter()
            .find(|(_, v, _)| *v == self)
            .map_or("", |(_, _, t)| t)
    }

    /// The variant for a numeric code.
    pub fn from_code(code: u16) -> Self {
        Self::TABLE
            .iter()
            .find(|(n, _, _)| *n == code)
            .map_or(Self::Other(code), |(_, v, _)| *v)
    }

    fn from_text(text: &str) -> Self {
        text.trim()
            .parse::<u16>()
            .map_or(Self::Unspecified, Self::from_code)
    }
}

impl fmt::Display for Hl7ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            Some(n) => write!(f, "{n}")?,
            None => f.write_str("unspecified")?,
        }
        let text = self.text();
        if !text.is_empty() {
            write!(f, " ({text})")?;
        }
        Ok(())
    }
}

/// ERR-4, severity (HL7 table 0516).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// `E`: the message, or part of it, was not processed.
    Error,
    /// `W`: processed, with a warning.
    Warning,
    /// `I`: information only.
    Information,
}

impl Severity {
    /// The table 0516 code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "E",
            Self::Warning => "W",
            Self::Information => "I",
        }
    }
}

/// Where an error is (ERR-2, type ERL): segment id and occurrence, and optionally field and
/// component. All numbers are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// Segment id, e.g. `PID`.
    pub segment: String,
    /// Which occurrence of that segment (1 for the first).
    pub sequence: usize,
    /// Field number.
    pub field: Option<usize>,
    /// Component number.
    pub component: Option<usize>,
}

/// One problem to report in an ACK, or read from one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorDetail {
    /// ERR-3 code from table 0357.
    pub code: Hl7ErrorCode,
    /// ERR-4.
    pub severity: Severity,
    /// ERR-2.
    pub location: Option<Location>,
    /// ERR-8, text for a person. When writing it must not contain patient data: it travels to
    /// another system and into its logs.
    pub message: String,
}

/// Our side of an ACK's MSH. Values are plain text (escaped when written). `timestamp` is HL7
/// DTM text passed in by the caller: this crate reads no clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckHeader<'x> {
    /// MSH-3 of the ACK.
    pub sending_application: &'x str,
    /// MSH-4 of the ACK.
    pub sending_facility: &'x str,
    /// MSH-10 of the ACK (a new control id, not the original's).
    pub control_id: &'x str,
    /// MSH-7 of the ACK, e.g. `20240101120000+0100`.
    pub timestamp: &'x str,
}

/// An acknowledgement as read by [`read_ack`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// MSA-1 (`CA`/`CE`/`CR` read as `AA`/`AE`/`AR`, see `enhanced_mode`).
    pub code: AckCode,
    /// MSA-2, the control id of the message acknowledged.
    pub acknowledged_control_id: String,
    /// One per ERR segment (per ERR-1 repetition in the pre-2.5 form).
    pub errors: Vec<ErrorDetail>,
    /// Whether MSA-1 was an enhanced-mode accept acknowledgement (`CA`, `CE`, `CR`).
    pub enhanced_mode: bool,
}

/// Whether `version` (MSH-12.1) is below 2.5, where ERR has only ERR-1.
fn before_2_5(version: &str) -> bool {
    let mut parts = version.trim().split('.');
    let major = parts.next().and_then(|p| p.parse::<u32>().ok());
    let minor = parts.next().and_then(|p| p.parse::<u32>().ok());
    matches!((major, minor), (Some(2), Some(m)) if m < 5)
}

fn write_msh(
    b: &mut MessageBuilder,
    header: &AckHeader<'_>,
    receiver: (&str, &str),
    trigger: &str,
    processing: &str,
    version: &str,
) {
    let msh = b.segment("MSH");
    msh.set(3, header.sending_application)
        .set(4, header.sending_facility)
        .set_raw(5, receiver.0)
        .set_raw(6, receiver.1)
        .set(7, header.timestamp)
        .set_component(9, 1, "ACK");
    if !trigger.is_empty() {
        msh.set_component(9, 2, trigger);
    }
    msh.set_component(9, 3, "ACK")
        .set(10, header.control_id)
        .set_raw(11, processing)
        .set_raw(12, version);
}

fn write_errors(b: &mut MessageBuilder, errors: &[ErrorDetail], old_form: bool) {
    for e in errors {
        let code = e.code.code().map(|n| n.to_string()).unwrap_or_default();
        let err = b.segment("ERR");
        if old_form {
            write_eld(err, e, &code);
        } else {
            if let Some(l) = &e.location {
                err.set_component(2, 1, &l.segment)
                    .set_component(2, 2, &l.sequence.to_string());
                if let Some(f) = l.field {
                    err.set_component(2, 3, &f.to_string());
                }
                if let Some(c) = l.component {
                    err.set_component(2, 5, &c.to_string());
                }
            }
            err.set_component(3, 1, &code)
                .set_component(3, 2, e.code.text())
                .set_component(3, 3, "HL70357")
                .set(4, e.severity.as_str())
                .set(8, &e.message);
        }
    }
}

/// ERR-1 (ELD) for versions before 2.5: segment^sequence^field^code&text&HL70357.
fn write_eld(err: &mut SegmentBuilder, e: &ErrorDetail, code: &str) {
    if let Some(l) = &e.location {
        err.set_component(1, 1, &l.segment)
            .set_component(1, 2, &l.sequence.to_string());
        if let Some(f) = l.field {
            err.set_component(1, 3, &f.to_string());
        }
    }
    err.set_sub(1, 1, 4, 1, code)
        .set_sub(1, 1, 4, 2, e.code.text())
        .set_sub(1, 1, 4, 3, "HL70357");
}

/// Builds the ACK for `original`: MSH with sender and receiver swapped (MSH-5/MSH-6 copied from
/// the original's MSH-3/MSH-4), MSH-9 `ACK^<trigger>^ACK`, MSH-11 and MSH-12 (and MSH-18) as in
/// the original, MSA-1 `code`, MSA-2 the original's control id, and one ERR per error. The
/// builder uses the original's delimiters; encode it with [`Message::charset`] of the original.
///
/// For an original below v2.5 the errors go to ERR-1 and the first message to MSA-3.
///
/// ```
/// use meridian_hl7v2::{ack, parse, read_ack, AckCode, AckHeader, ErrorDetail, Hl7ErrorCode, Location, Severity};
///
/// let original = parse(b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240101||ORU^R01^ORU_R01|MSG42|P|2.5.1", &Default::default())?.message;
/// let header = AckHeader { sending_application: "EHR", sending_facility: "CLINIC", control_id: "ACK1", timestamp: "20240101120001" };
/// let err = ErrorDetail {
///     code: Hl7ErrorCode::RequiredFieldMissing,
///     severity: Severity::Error,
///     location: Some(Location { segment: "PID".into(), sequence: 1, field: Some(3), component: None }),
///     message: "patient identifier list is empty".into(),
/// };
/// let text = ack(&original, &header, AckCode::AE, &[err.clone()]).encode();
/// assert!(text.starts_with("MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240101120001||ACK^R01^ACK|ACK1|P|2.5.1\rMSA|AE|MSG42\r"));
/// let read = read_ack(&parse(text.as_bytes(), &Default::default())?.message)?;
/// assert_eq!((read.code, read.acknowledged_control_id.as_str()), (AckCode::AE, "MSG42"));
/// assert_eq!(read.errors, vec![err]);
/// # Ok::<(), meridian_hl7v2::ParseError>(())
/// ```
pub fn ack(
    original: &Message<'_>,
    header: &AckHeader<'_>,
    code: AckCode,
    errors: &[ErrorDetail],
) -> MessageBuilder {
    let mut b = MessageBuilder::new(original.delimiters());
    let msh = original.msh();
    // An original without MSH-11/MSH-12 (truncated, or a lenient parse of a broken header)
    // still gets a well-formed ACK: one a strict reader accepts.
    let version = Some(msh.field(12).raw())
        .filter(|v| !v.is_empty())
        .unwrap_or("2.5.1");
    let processing = Some(msh.field(11).raw())
        .filter(|v| !v.is_empty())
        .unwrap_or("P");
    write_msh(
        &mut b,
        header,
        (msh.field(3).raw(), msh.field(4).raw()),
        original.message_type().trigger,
        processing,
        version,
    );
    let charset = msh.field(18).raw();
    if !charset.is_empty()
        && let Some(m) = b.segment_mut(0)
    {
        m.set_raw(18, charset);
    }
    let old_form = before_2_5(original.version());
    let msa = b.segment("MSA");
    msa.set(1, code.as_str()).set_raw(2, original.control_id());
    if old_form && let Some(first) = errors.first() {
        msa.set(3, &first.message);
    }
    write_errors(&mut b, errors, old_form);
    b
}

/// The first line's fields, split by the byte at index 3, when it looks like an MSH.
fn raw_msh_fields(raw: &[u8]) -> Option<(u8, Vec<&[u8]>)> {
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    let start = raw.iter().position(|&b| b != b'\r' && b != b'\n')?;
    let raw = &raw[start..];
    if !raw.starts_with(b"MSH") {
        return None;
    }
    let &fs = raw.get(3)?;
    if !fs.is_ascii_graphic() || fs.is_ascii_alphanumeric() {
        return None;
    }
    let end = raw
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(raw.len());
    Some((fs, raw[..end].split(|&b| b == fs).collect()))
}

/// The text before the first `comp` byte.
fn first_component(v: Option<&[u8]>, comp: Option<u8>) -> Option<&[u8]> {
    let v = v?;
    Some(match comp {
        Some(c) => v.split(|&b| b == c).next().unwrap_or(v),
        None => v,
    })
}

/// A salvaged value: printable ASCII without delimiters of either message, at most 199 bytes.
fn salvage<'v>(value: Option<&'v [u8]>, forbidden: &[u8]) -> &'v str {
    match value {
        Some(v)
            if !v.is_empty()
                && v.len() <= 199
                && v.iter()
                    .all(|b| (b.is_ascii_graphic() || *b == b' ') && !forbidden.contains(b)) =>
        {
            std::str::from_utf8(v).unwrap_or("")
        }
        _ => "",
    }
}

/// For input that could not be parsed at all: a minimal `AR` with what a raw scan of the first
/// line could salvage (the control id for MSA-2, the sender for MSH-5/MSH-6, trigger,
/// processing id and version), each only when it is plain printable ASCII. Default delimiters.
pub fn reject_unparseable<'r>(
    raw: &'r [u8],
    header: &AckHeader<'_>,
    error: &ErrorDetail,
) -> MessageBuilder {
    let (fs, fields) = raw_msh_fields(raw).unwrap_or((b'|', Vec::new()));
    let d = Delimiters::default();
    // The original's encoding characters (when they look like ones) and ours may not appear in
    // a salvaged value: it would be split differently on either side.
    let mut forbidden: Vec<u8> = vec![fs, b'|', b'^', b'~', b'\\', b'&'];
    if let Some(enc) = fields.get(1) {
        forbidden.extend(enc.iter().take(5));
    }
    let comp = fields.get(1).and_then(|e| e.first().copied());
    let first_comp = |v: Option<&&'r [u8]>| first_component(v.copied(), comp);
    let sender_app = salvage(first_comp(fields.get(2)), &forbidden);
    let sender_facility = salvage(first_comp(fields.get(3)), &forbidden);
    let trigger = salvage(
        fields
            .get(8)
            .and_then(|v| comp.and_then(|c| v.split(|&b| b == c).nth(1))),
        &forbidden,
    );
    let control_id = salvage(fields.get(9).copied(), &forbidden);
    let processing = match salvage(first_comp(fields.get(10)), &forbidden) {
        p @ ("P" | "D" | "T") => p,
        _ => "P",
    };
    let version = salvage(first_comp(fields.get(11)), &forbidden);
    let version = if version.len() <= 8
        && version.starts_with("2.")
        && version.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        version
    } else {
        "2.5.1"
    };
    let mut b = MessageBuilder::new(d);
    write_msh(
        &mut b,
        header,
        (sender_app, sender_facility),
        trigger,
        processing,
        version,
    );
    let old_form = before_2_5(version);
    let msa = b.segment("MSA");
    msa.set(1, AckCode::AR.as_str()).set(2, control_id);
    if old_form {
        msa.set(3, &error.message);
    }
    write_errors(&mut b, std::slice::from_ref(error), old_form);
    b
}

fn parse_usize(s: &str) -> Option<usize> {
    s.trim().parse().ok()
}

fn read_severity(s: &str) -> Severity {
    match s.trim() {
        "W" => Severity::Warning,
        "I" => Severity::Information,
        // E, F (fatal, v2.7) and absent (pre-2.5 ERR) all mean the message was not processed.
        _ => Severity::Error,
    }
}

fn read_err(err: &Segment<'_>, out: &mut Vec<ErrorDetail>) {
    let erl = err.field(2).repetition(1);
    let cwe = err.field(3).repetition(1);
    if !erl.is_empty() || !cwe.is_empty() || err.field(1).is_empty() {
        let segment = erl.component(1).value();
        let location = (!segment.is_empty()).then(|| Location {
            segment: segment.into_owned(),
            sequence: parse_usize(&erl.component(2).value()).unwrap_or(1),
            field: parse_usize(&erl.component(3).value()),
            component: parse_usize(&erl.component(5).value()),
        });
        out.push(ErrorDetail {
            code: Hl7ErrorCode::from_text(&cwe.component(1).value()),
            severity: read_severity(&err.field(4).value()),
            location,
            message: err.field(8).value().into_owned(),
        });
        return;
    }
    // Pre-2.5: ERR-1 repeats, each segment^sequence^field^code&text&table.
    for eld in err.field(1).repetitions() {
        let segment = eld.component(1).value();
        let code = eld.component(4);
        let location = (!segment.is_empty()).then(|| Location {
            segment: segment.into_owned(),
            sequence: parse_usize(&eld.component(2).value()).unwrap_or(1),
            field: parse_usize(&eld.component(3).value()),
            component: None,
        });
        out.push(ErrorDetail {
            code: Hl7ErrorCode::from_text(&code.subcomponent_value(1)),
            severity: Severity::Error,
            location,
            message: code.subcomponent_value(2).into_owned(),
        });
    }
}

/// Reads an acknowledgement: MSA-1, MSA-2 and the ERR segments (both the v2.5+ form and the
/// older ERR-1 form, whose code text becomes the message).
///
/// # Errors
/// [`ParseErrorKind::NotAnAck`] without an MSA segment, [`ParseErrorKind::UnknownAckCode`]
/// when MSA-1 is not AA, AE, AR, CA, CE or CR.
pub fn read_ack(message: &Message<'_>) -> Result<Ack, ParseError> {
    let msa = message
        .segment("MSA")
        .ok_or(ParseError::new(ParseErrorKind::NotAnAck))?;
    let (code, enhanced_mode) = match msa.field(1).value().trim() {
        "AA" => (AckCode::AA, false),
        "AE" => (AckCode::AE, false),
        "AR" => (AckCode::AR, false),
        "CA" => (AckCode::AA, true),
        "CE" => (AckCode::AE, true),
        "CR" => (AckCode::AR, true),
        _ => return Err(ParseError::new(ParseErrorKind::UnknownAckCode)),
    };
    let mut errors = Vec::new();
    for err in message.segments_named("ERR") {
        read_err(&err, &mut errors);
    }
    Ok(Ack {
        code,
        acknowledged_control_id: msa.field(2).value().into_owned(),
        errors,
        enhanced_mode,
    })
}
