//! Errors and diagnostics: what went wrong and where (segment index, segment id, field number),
//! never the content of a field.
//!
//! HL7 v2 fields hold names, birth dates and identifiers, so nothing here quotes input text. The
//! only input-derived strings are segment ids that passed the `[A-Z0-9]{3}` check (a segment id
//! that failed it is shown as `???`, because a "segment" that is really a wrapped line of a note
//! starts with the note's words) and an MSH-18 character set name, cut to printable ASCII.

use std::fmt;

/// Why MSH-1/MSH-2 cannot be used as delimiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DelimiterProblem {
    /// The message ends inside MSH-1 or MSH-2, or MSH-2 has fewer than 3 characters.
    TooShort,
    /// MSH-2 has more than 5 characters (component, repetition, escape, subcomponent, truncation).
    TooLong,
    /// Two delimiters are the same character.
    Duplicate,
    /// A delimiter is a letter, digit, space, control or non-ASCII character.
    NotAllowed,
}

impl fmt::Display for DelimiterProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooShort => "MSH-1/MSH-2 are cut short (MSH-2 needs at least 3 characters)",
            Self::TooLong => "MSH-2 has more than 5 encoding characters",
            Self::Duplicate => "the same character is used for two delimiters",
            Self::NotAllowed => {
                "a delimiter is a letter, digit, space, control or non-ASCII character"
            }
        })
    }
}

/// Why a DTM (date/time) text is invalid. Never carries the text itself: it may be a birth date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DtmProblem {
    /// The digits before any fraction or offset are not 4, 6, 8, 10, 12 or 14 long.
    BadLength,
    /// A character other than a digit where digits are expected.
    NotDigits,
    /// Month outside 01-12.
    MonthOutOfRange,
    /// Day outside 01 to the length of that month.
    DayOutOfRange,
    /// Hour outside 00-23.
    HourOutOfRange,
    /// Minute outside 00-59.
    MinuteOutOfRange,
    /// Second outside 00-59.
    SecondOutOfRange,
    /// A fraction that does not follow seconds, or has no digits or more than 4.
    BadFraction,
    /// A UTC offset that is not `+HHMM`/`-HHMM` within -12:00..+14:00.
    BadOffset,
}

impl fmt::Display for DtmProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BadLength => "date/time digits are not 4, 6, 8, 10, 12 or 14 long",
            Self::NotDigits => "a non-digit where digits are expected",
            Self::MonthOutOfRange => "month outside 01-12",
            Self::DayOutOfRange => "day outside the month",
            Self::HourOutOfRange => "hour outside 00-23",
            Self::MinuteOutOfRange => "minute outside 00-59",
            Self::SecondOutOfRange => "second outside 00-59",
            Self::BadFraction => "fraction must follow seconds and have 1 to 4 digits",
            Self::BadOffset => "offset must be +HHMM or -HHMM within -1200..+1400",
        })
    }
}

/// What kind of problem a [`ParseError`] is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// No bytes, or only line breaks.
    #[error("empty input; expected an HL7 v2 message starting with `MSH`")]
    Empty,
    /// Input longer than [`crate::ParseOptions::max_bytes`]; nothing was parsed.
    #[error(
        "message is {size} bytes, over the limit of {limit} bytes; raise `ParseOptions::max_bytes` if such messages are expected"
    )]
    TooLarge {
        /// Input length in bytes.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The first segment is not `MSH`.
    #[error(
        "message does not start with an MSH segment; strip MLLP framing and batch headers (FHS/BHS) before parsing"
    )]
    MissingMsh,
    /// MSH-1/MSH-2 do not give a usable set of delimiters.
    #[error("unusable delimiters: {0}; expected something like `MSH|^~\\&|`")]
    BadDelimiters(DelimiterProblem),
    /// A segment id is not three characters from `A-Z` and `0-9`.
    #[error(
        "segment id is not 3 characters from A-Z and 0-9; an unescaped line break inside a field value looks like this"
    )]
    BadSegmentId,
    /// The text is not valid UTF-8 (and MSH-18 does not say Latin-1).
    #[error(
        "invalid UTF-8 at byte {offset}; if the sender writes Latin-1 its MSH-18 should say `8859/1`"
    )]
    InvalidUtf8 {
        /// Byte offset of the first invalid byte in the input.
        offset: usize,
    },
    /// MSH-18 names a character set this crate does not decode. The name is not patient data.
    #[error(
        "unsupported character set `{name}` in MSH-18; supported are ASCII, 8859/1 and UNICODE UTF-8 (parse leniently to read it as UTF-8)"
    )]
    UnknownCharset {
        /// The MSH-18 value, cut to 32 printable ASCII characters.
        name: String,
    },
    /// MSH-18 says ASCII but the message has bytes above 0x7F.
    #[error("non-ASCII bytes in a message whose MSH-18 says ASCII; the sender's MSH-18 is wrong")]
    CharsetMismatch,
    /// MSH-10 (message control id) is empty.
    #[error("MSH-10 (message control id) is empty; the message cannot be acknowledged")]
    MissingControlId,
    /// MSH-9 (message type) is empty.
    #[error("MSH-9 (message type) is empty; expected e.g. `ADT^A01^ADT_A01`")]
    MissingMessageType,
    /// MSH-12 (version id) is empty.
    #[error("MSH-12 (version id) is empty; expected e.g. `2.5.1`")]
    MissingVersion,
    /// An escape sequence is unknown or not closed before the next delimiter.
    #[error(
        "unknown or unterminated escape sequence; a literal escape character must be written as its E sequence (`\\E\\`)"
    )]
    BadEscape,
    /// NUL or another control byte than CR, LF and TAB.
    #[error(
        "binary data (NUL or a control byte other than CR, LF, TAB); binary payloads must be Base64 or hex (`\\X..\\`) encoded"
    )]
    BinaryData,
    /// An empty or blank line between two segments.
    #[error("blank line between segments")]
    BlankLine,
    /// A DTM text is malformed or names an impossible date or time.
    #[error("invalid HL7 date/time: {0}; expected YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]")]
    InvalidDtm(DtmProblem),
    /// [`crate::read_ack`] was given a message without an MSA segment.
    #[error("message has no MSA segment, so it is not an acknowledgement")]
    NotAnAck,
    /// MSA-1 is not one of AA, AE, AR, CA, CE, CR.
    #[error("MSA-1 is not one of AA, AE, AR, CA, CE, CR")]
    UnknownAckCode,
}

/// Where in a message a problem was found: 0-based segment index in the order of the text, the
/// segment id (`???` when the id itself is bad) and, where known, the 1-based field number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// 0-based index of the segment among the message's segments (blank lines not counted).
    pub segment_index: usize,
    /// Three-character segment id, or `???` when it is not a valid id.
    pub segment_id: String,
    /// 1-based field number, as the standard numbers it (MSH-1 is the field separator).
    pub field: Option<usize>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment {} ({})", self.segment_index, self.segment_id)?;
        if let Some(field) = self.field {
            write!(f, ", field {field}")?;
        }
        Ok(())
    }
}

/// Why [`crate::parse`], [`crate::parse_dtm`] or [`crate::read_ack`] failed: a
/// [`ParseErrorKind`] and, when it concerns one place in a message, its [`Position`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}{}", PositionSuffix(.position.as_ref()))]
pub struct ParseError {
    kind: ParseErrorKind,
    position: Option<Position>,
}

struct PositionSuffix<'a>(Option<&'a Position>);

impl fmt::Display for PositionSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(p) => write!(f, " (at {p})"),
            None => Ok(()),
        }
    }
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind) -> Self {
        Self {
            kind,
            position: None,
        }
    }

    pub(crate) fn at(kind: ParseErrorKind, position: Position) -> Self {
        Self {
            kind,
            position: Some(position),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// Where, when the problem is in one place of a message.
    pub fn position(&self) -> Option<&Position> {
        self.position.as_ref()
    }
}

impl From<ParseErrorKind> for ParseError {
    fn from(kind: ParseErrorKind) -> Self {
        Self::new(kind)
    }
}

/// What a lenient parse noticed and worked around. In [`crate::Mode::Strict`] each of these is a
/// [`ParseError`] of the kind with the same name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// A blank line between segments was skipped.
    #[error("blank line between segments skipped")]
    BlankLine,
    /// A segment id is not three characters from `A-Z` and `0-9`; the segment was kept.
    #[error("segment id is not 3 characters from A-Z and 0-9 (kept as is)")]
    BadSegmentId,
    /// NUL or another control byte than CR, LF and TAB; kept as is.
    #[error("binary data (control byte other than CR, LF, TAB) kept as is")]
    BinaryData,
    /// Invalid UTF-8 replaced by U+FFFD.
    #[error("invalid UTF-8 at byte {offset} replaced by U+FFFD")]
    InvalidUtf8 {
        /// Byte offset of the first invalid byte in the input.
        offset: usize,
    },
    /// MSH-18 names an unsupported character set; the text was read as UTF-8.
    #[error("unsupported character set `{name}` in MSH-18; read as UTF-8")]
    UnknownCharset {
        /// The MSH-18 value, cut to 32 printable ASCII characters.
        name: String,
    },
    /// MSH-18 says ASCII but there are bytes above 0x7F; read as UTF-8.
    #[error("non-ASCII bytes although MSH-18 says ASCII; read as UTF-8")]
    CharsetMismatch,
    /// An unknown or unterminated escape sequence; kept literally when unescaping.
    #[error("unknown or unterminated escape sequence (kept literally)")]
    BadEscape,
    /// MSH-10 is empty.
    #[error("MSH-10 (message control id) is empty")]
    MissingControlId,
    /// MSH-9 is empty.
    #[error("MSH-9 (message type) is empty")]
    MissingMessageType,
    /// MSH-12 is empty.
    #[error("MSH-12 (version id) is empty")]
    MissingVersion,
    /// So many problems that later ones were not recorded (the message was still read).
    #[error("too many problems; later ones were not recorded")]
    TooManyDiagnostics,
}

impl DiagnosticKind {
    /// The error kind that [`crate::Mode::Strict`] reports for this diagnostic.
    pub fn to_error_kind(&self) -> ParseErrorKind {
        match self {
            Self::BlankLine => ParseErrorKind::BlankLine,
            Self::BadSegmentId => ParseErrorKind::BadSegmentId,
            // Strict mode stops at the first problem, so it never reaches "too many"; mapping it to
            // binary data keeps the function total.
            Self::BinaryData | Self::TooManyDiagnostics => ParseErrorKind::BinaryData,
            Self::InvalidUtf8 { offset } => ParseErrorKind::InvalidUtf8 { offset: *offset },
            Self::UnknownCharset { name } => ParseErrorKind::UnknownCharset { name: name.clone() },
            Self::CharsetMismatch => ParseErrorKind::CharsetMismatch,
            Self::BadEscape => ParseErrorKind::BadEscape,
            Self::MissingControlId => ParseErrorKind::MissingControlId,
            Self::MissingMessageType => ParseErrorKind::MissingMessageType,
            Self::MissingVersion => ParseErrorKind::MissingVersion,
        }
    }
}

/// One problem a lenient parse worked around, with where it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at segment {segment_index} ({segment_id}){}", FieldSuffix(*.field))]
pub struct Diagnostic {
    /// What was noticed.
    pub kind: DiagnosticKind,
    /// 0-based index of the segment among the message's segments (blank lines not counted).
    pub segment_index: usize,
    /// Three-character segment id; `???` when the id itself is bad, empty for blank lines.
    pub segment_id: String,
    /// 1-based field number, where known.
    pub field: Option<usize>,
}

struct FieldSuffix(Option<usize>);

impl fmt::Display for FieldSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => write!(f, ", field {n}"),
            None => Ok(()),
        }
    }
}

impl Diagnostic {
    /// The same problem as a strict-mode error.
    pub fn to_error(&self) -> ParseError {
        ParseError::at(
            self.kind.to_error_kind(),
            Position {
                segment_index: self.segment_index,
                segment_id: self.segment_id.clone(),
                field: self.field,
            },
        )
    }
}

/// What kind of problem an [`EncodeError`] is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeErrorKind {
    /// A character cannot be written in the chosen character set (the character is not shown).
    #[error(
        "a character cannot be written in {charset}; encode as UTF-8 (and set MSH-18 to `UNICODE UTF-8`)"
    )]
    Unrepresentable {
        /// The MSH-18 name of the character set asked for.
        charset: &'static str,
    },
    /// A segment id is not three characters from `A-Z` and `0-9`.
    #[error("segment id is not 3 characters from A-Z and 0-9")]
    BadSegmentId,
    /// A field, repetition, component or subcomponent number above
    /// [`crate::MAX_POSITION`] was set; it was ignored.
    #[error(
        "a position above {} was set and ignored; HL7 v2 elements are numbered far lower",
        crate::MAX_POSITION
    )]
    PositionTooLarge,
}

/// Why [`crate::MessageBuilder::encode_bytes`] failed: the kind and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at segment {segment_index}{})", FieldSuffix(*.field))]
pub struct EncodeError {
    kind: EncodeErrorKind,
    segment_index: usize,
    field: Option<usize>,
}

impl EncodeError {
    pub(crate) fn new(kind: EncodeErrorKind, segment_index: usize, field: Option<usize>) -> Self {
        Self {
            kind,
            segment_index,
            field,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &EncodeErrorKind {
        &self.kind
    }

    /// 0-based index of the segment in the builder.
    pub fn segment_index(&self) -> usize {
        self.segment_index
    }

    /// 1-based field number, where known.
    pub fn field(&self) -> Option<usize> {
        self.field
    }
}

/// Why a terser-style path such as `PID-3[2].1` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid path at character {at}; expected SEG[(n)]-FIELD[[rep]][.COMPONENT[.SUBCOMPONENT]] such as `PID-3[2].1` or `OBX(2)-5`"
)]
pub struct PathError {
    pub(crate) at: usize,
}

impl PathError {
    /// 0-based character index where the path stopped making sense.
    pub fn at(&self) -> usize {
        self.at
    }
}
