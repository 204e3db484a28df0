//! HL7 v2 (2.3 to 2.8, written against 2.5.1) for Meridian: parse messages from bytes, read
//! values by position, build and encode messages, and acknowledge them.
//!
//! - **Zero-copy and lazy.** [`parse`] checks the message in one pass and records where each
//!   segment is; fields, repetitions, components and subcomponents are found when asked for.
//!   UTF-8 and ASCII text is borrowed from the input; values are unescaped into a
//!   [`std::borrow::Cow`] that borrows unless an escape sequence is present.
//! - **Messy input.** `\r`, `\n` and `\r\n` terminators (mixed), a UTF-8 BOM, Latin-1 by MSH-18,
//!   any delimiters MSH-1/MSH-2 declare (including none for escape). [`Mode::Lenient`] reads
//!   what it can and returns [`Diagnostic`]s; [`Mode::Strict`] refuses at the first problem.
//! - **Data-free errors.** Errors and diagnostics name what and where (segment index, segment
//!   id, field number), never field contents; `Debug` of messages and segments shows their
//!   shape only.
//! - **Encoding and ACKs.** [`MessageBuilder`] escapes values and writes MSH-1/MSH-2 from the
//!   delimiters; [`ack`], [`reject_unparseable`] and [`read_ack`] handle original-mode
//!   acknowledgements with ERR segments (table 0357).
//!
//! It refuses to know about IO, clocks (an ACK's timestamp is passed in), the environment, MLLP
//! framing, batches (FHS/BHS), message structures and data types beyond DTM: which segment
//! groups an ORU_R01 has, or what OBX-5 means for a given OBX-2, is the caller's business.
//!
//! ```
//! use meridian_hl7v2::{parse, ParseOptions, MessageBuilder};
//!
//! let bytes = b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240101120000||ORU^R01^ORU_R01|MSG42|P|2.5.1\r\
//!               PID|1||12345^^^HOSP^MR||DOE^JANE\r\
//!               OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F\r";
//! let parsed = parse(bytes, &ParseOptions::strict())?;
//! let m = &parsed.message;
//! assert_eq!(m.message_type().trigger, "R01");
//! assert_eq!(m.control_id(), "MSG42");
//! for obx in m.segments_named("OBX") {
//!     assert_eq!(obx.field(3).component(1).value(), "2345-7");
//!     assert_eq!(obx.field(5).value(), "95");
//! }
//! assert_eq!(m.get("PID-5.2").as_deref(), Some("JANE"));
//!
//! // Re-encode: same values back.
//! let again = MessageBuilder::from_message(m).encode();
//! assert_eq!(parse(again.as_bytes(), &ParseOptions::strict())?.message.get("OBX-7").as_deref(), Some("70-99"));
//! # Ok::<(), meridian_hl7v2::ParseError>(())
//! ```

mod ack;
mod delimiters;
mod dtm;
mod encode;
mod error;
mod escape;
mod message;
mod parse;
mod path;

pub use ack::{
    Ack, AckCode, AckHeader, ErrorDetail, Hl7ErrorCode, Location, Severity, ack, read_ack,
    reject_unparseable,
};
pub use delimiters::{Charset, Delimiters};
pub use dtm::{Dtm, parse_dtm};
pub use encode::{MAX_POSITION, MessageBuilder, SegmentBuilder};
pub use error::{
    DelimiterProblem, Diagnostic, DiagnosticKind, DtmProblem, EncodeError, EncodeErrorKind,
    ParseError, ParseErrorKind, PathError, Position,
};
pub use escape::{escape, unescape};
pub use message::{Component, Field, Message, MessageType, Repetition, Segment};
pub use parse::{DEFAULT_MAX_BYTES, MAX_DIAGNOSTICS, Mode, ParseOptions, Parsed, parse};
pub use path::Path;
