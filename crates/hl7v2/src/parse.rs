//! Bytes to [`Message`]: BOM, MSH-1/MSH-2, MSH-18 and decoding, then one pass over the text that
//! finds segment boundaries and checks segment ids, control bytes and escape sequences.
//!
//! The pass looks at eight bytes at a time (SWAR): a word without CR, LF, other control bytes,
//! DEL or the escape character is skipped whole, so typical text is crossed at several bytes a
//! cycle with no dependency beyond `core`.

use std::borrow::Cow;
use std::ops::Range;

use crate::delimiters::{Charset, Delimiters};
use crate::error::{DelimiterProblem, Diagnostic, DiagnosticKind, ParseError, ParseErrorKind};
use crate::escape::check_escapes;
use crate::message::{Message, is_segment_id};

/// Default input limit: 64 MiB, far above any real message (large embedded PDFs run to tens of
/// MiB), low enough that a hostile peer cannot make one parse exhaust memory.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;

/// The most diagnostics one lenient parse records; after that one
/// [`DiagnosticKind::TooManyDiagnostics`] says later ones were dropped.
pub const MAX_DIAGNOSTICS: usize = 1000;

/// How to treat input that breaks the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Refuse the message at the first problem.
    Strict,
    /// Work around what can be worked around and report it as a [`Diagnostic`]; refuse only
    /// input with no usable MSH.
    #[default]
    Lenient,
}

/// Options for [`parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Strict or lenient.
    pub mode: Mode,
    /// Inputs longer than this are refused unread.
    pub max_bytes: usize,
}

impl Default for ParseOptions {
    /// Lenient, [`DEFAULT_MAX_BYTES`].
    fn default() -> Self {
        Self {
            mode: Mode::Lenient,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl ParseOptions {
    /// Strict, with the default size limit.
    pub fn strict() -> Self {
        Self {
            mode: Mode::Strict,
            ..Self::default()
        }
    }

    /// Lenient, with the default size limit.
    pub fn lenient() -> Self {
        Self::default()
    }
}

/// A parsed message and what a lenient parse worked around (always empty in strict mode).
#[derive(Debug, Clone)]
pub struct Parsed<'a> {
    /// The message.
    pub message: Message<'a>,
    /// Problems worked around, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

struct Sink {
    strict: bool,
    diagnostics: Vec<Diagnostic>,
}

impl Sink {
    /// Whether nothing more will be recorded (the too-many marker is already there), so the
    /// work of locating a problem can be skipped.
    fn full(&self) -> bool {
        !self.strict && self.diagnostics.len() > MAX_DIAGNOSTICS
    }

    fn report(
        &mut self,
        kind: DiagnosticKind,
        segment_index: usize,
        segment_id: &str,
        field: Option<usize>,
    ) -> Result<(), ParseError> {
        let d = Diagnostic {
            kind,
            segment_index,
            segment_id: segment_id.to_owned(),
            field,
        };
        if self.strict {
            return Err(d.to_error());
        }
        match self.diagnostics.len() {
            n if n < MAX_DIAGNOSTICS => self.diagnostics.push(d),
            MAX_DIAGNOSTICS => self.diagnostics.push(Diagnostic {
                kind: DiagnosticKind::TooManyDiagnostics,
                ..d
            }),
            _ => {}
        }
        Ok(())
    }
}

fn is_terminator(b: u8) -> bool {
    b == b'\r' || b == b'\n'
}

/// The id of a segment if it is valid, else `???` (the text might be patient data).
fn safe_id(segment: &[u8]) -> &str {
    match segment.get(..3) {
        Some(id) if is_segment_id(id) => std::str::from_utf8(id).unwrap_or("???"),
        _ => "???",
    }
}

fn is_header_id(segment: &[u8]) -> bool {
    matches!(segment.get(..3), Some(b"MSH" | b"BHS" | b"FHS"))
}

/// The 1-based field number of byte `at` in `segment`, as the standard numbers fields.
fn field_at(segment: &[u8], at: usize, fs: u8) -> usize {
    let seps = segment
        .get(..at)
        .unwrap_or(segment)
        .iter()
        .filter(|&&b| b == fs)
        .count();
    if is_header_id(segment) {
        seps + 1
    } else {
        seps
    }
}

/// Reads MSH-1 and MSH-2 from the raw first line.
fn read_delimiters(line: &[u8]) -> Result<Delimiters, ParseError> {
    let bad = |p| ParseError::new(ParseErrorKind::BadDelimiters(p));
    let &fs = line.get(3).ok_or_else(|| bad(DelimiterProblem::TooShort))?;
    if !fs.is_ascii_graphic() || fs.is_ascii_alphanumeric() {
        return Err(bad(DelimiterProblem::NotAllowed));
    }
    let rest = &line[4..];
    let encoding = &rest[..rest.iter().position(|&b| b == fs).unwrap_or(rest.len())];
    if !encoding.is_ascii() {
        return Err(bad(DelimiterProblem::NotAllowed));
    }
    let encoding = std::str::from_utf8(encoding).map_err(|_| bad(DelimiterProblem::NotAllowed))?;
    Delimiters::from_msh(char::from(fs), encoding).map_err(bad)
}

/// MSH-18 (first repetition, first component) from the raw first line; empty when absent.
fn read_charset_name<'b>(line: &'b [u8], d: &Delimiters) -> &'b [u8] {
    // Delimiters read from a message are ASCII (checked in `read_delimiters`).
    let fs = d.field as u8;
    let rep = d.repetition as u8;
    let comp = d.component as u8;
    let Some(field) = line.split(|&b| b == fs).nth(17) else {
        return b"";
    };
    let first = field.split(|&b| b == rep).next().unwrap_or(b"");
    let first = first.split(|&b| b == comp).next().unwrap_or(b"");
    first.trim_ascii()
}

/// The MSH-18 name cut to 32 printable ASCII characters, safe to show.
fn printable_name(name: &[u8]) -> String {
    name.iter()
        .take(32)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

/// Segment index, id and field of byte `offset` of `body` (for errors found before the scan).
fn locate(body: &[u8], offset: usize, fs: u8) -> (usize, String, Option<usize>) {
    let offset = offset.min(body.len());
    let line_start = body[..offset]
        .iter()
        .rposition(|&b| is_terminator(b))
        .map_or(0, |p| p + 1);
    let index = body[..line_start]
        .split(|&b| is_terminator(b))
        .filter(|l| !l.is_empty())
        .count();
    let line = &body[line_start..];
    let line = &line[..line
        .iter()
        .position(|&b| is_terminator(b))
        .unwrap_or(line.len())];
    (
        index,
        safe_id(line).to_owned(),
        Some(field_at(line, offset - line_start, fs)),
    )
}

fn decode_utf8<'a>(
    body: &'a [u8],
    bom: usize,
    fs: u8,
    sink: &mut Sink,
) -> Result<Cow<'a, str>, ParseError> {
    match std::str::from_utf8(body) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(e) => {
            let (index, id, field) = locate(body, e.valid_up_to(), fs);
            sink.report(
                DiagnosticKind::InvalidUtf8 {
                    offset: bom + e.valid_up_to(),
                },
                index,
                &id,
                field,
            )?;
            Ok(Cow::Owned(String::from_utf8_lossy(body).into_owned()))
        }
    }
}

/// Decodes the body by MSH-18.
fn decode<'a>(
    body: &'a [u8],
    bom: usize,
    name: &[u8],
    d: &Delimiters,
    sink: &mut Sink,
) -> Result<(Cow<'a, str>, Charset), ParseError> {
    let fs = d.field as u8;
    if name.is_empty() {
        return Ok((decode_utf8(body, bom, fs, sink)?, Charset::Utf8));
    }
    let charset = std::str::from_utf8(name).ok().and_then(Charset::from_msh18);
    match charset {
        Some(Charset::Latin1) => {
            let text = if body.is_ascii() {
                // Checked ASCII just above, so this cannot fail; Latin-1 and UTF-8 agree on ASCII.
                Cow::Borrowed(std::str::from_utf8(body).unwrap_or_default())
            } else {
                Cow::Owned(body.iter().map(|&b| char::from(b)).collect())
            };
            Ok((text, Charset::Latin1))
        }
        Some(Charset::Ascii) => {
            if let Some(p) = body.iter().position(|b| !b.is_ascii()) {
                let (index, id, field) = locate(body, p, fs);
                sink.report(DiagnosticKind::CharsetMismatch, index, &id, field)?;
            }
            Ok((decode_utf8(body, bom, fs, sink)?, Charset::Ascii))
        }
        Some(other) => Ok((decode_utf8(body, bom, fs, sink)?, other)),
        None => {
            sink.report(
                DiagnosticKind::UnknownCharset {
                    name: printable_name(name),
                },
                0,
                "MSH",
                Some(18),
            )?;
            Ok((decode_utf8(body, bom, fs, sink)?, Charset::Utf8))
        }
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Index of the first byte at or after `i` that is a control byte (< 0x20), DEL or `esc`;
/// `t.len()` when there is none.
fn next_special(t: &[u8], mut i: usize, esc: u8) -> usize {
    let esc_word = LO * u64::from(esc);
    let del_word = LO * 0x7F;
    while let Some(chunk) = t.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(bytes);
        // Classic SWAR tests: the lowest flagged byte is always a true match (false positives
        // can only appear above a true one), so `trailing_zeros` finds the first match.
        let below_space = w.wrapping_sub(LO * 0x20) & !w & HI;
        let x = w ^ del_word;
        let del = x.wrapping_sub(LO) & !x & HI;
        let y = w ^ esc_word;
        let escape = y.wrapping_sub(LO) & !y & HI;
        let m = below_space | del | escape;
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = t.get(i) {
        if b < 0x20 || b == 0x7F || b == esc {
            return i;
        }
        i += 1;
    }
    t.len()
}

struct Scan<'t> {
    text: &'t str,
    d: Delimiters,
    fs: u8,
    segments: Vec<Range<usize>>,
    blank_pending: bool,
}

impl Scan<'_> {
    /// Records the segment `range` (without terminator), checking its id and escapes.
    fn end_segment(
        &mut self,
        range: Range<usize>,
        has_escape: bool,
        sink: &mut Sink,
    ) -> Result<(), ParseError> {
        let t = self.text.as_bytes();
        let seg = &t[range.clone()];
        if seg.iter().all(|&b| b == b' ' || b == b'\t') {
            self.blank_pending = true;
            return Ok(());
        }
        let index = self.segments.len();
        let id = safe_id(seg);
        if self.blank_pending {
            self.blank_pending = false;
            sink.report(DiagnosticKind::BlankLine, index, id, None)?;
        }
        let id_ok = id != "???" && (seg.len() == 3 || seg[3] == self.fs);
        if !id_ok {
            sink.report(DiagnosticKind::BadSegmentId, index, "???", None)?;
        }
        if has_escape && !sink.full() {
            let text = self.text.get(range.clone()).unwrap_or("");
            let from = if is_header_id(seg) {
                // Skip MSH-1 and MSH-2: the escape character is declared there.
                seg.get(4..)
                    .and_then(|s| s.iter().position(|&b| b == self.fs))
                    .map_or(seg.len(), |p| p + 4)
            } else {
                0
            };
            let fs = self.fs;
            let mut counted = 0;
            let mut field = if is_header_id(seg) { 1 } else { 0 };
            check_escapes(text, from, &self.d, |at| {
                field += seg[counted..at].iter().filter(|&&b| b == fs).count();
                counted = at;
                sink.report(DiagnosticKind::BadEscape, index, id, Some(field))
            })?;
        }
        self.segments.push(range);
        Ok(())
    }
}

/// Finds the segments of `text` from byte `from` on.
fn scan(
    text: &str,
    from: usize,
    d: &Delimiters,
    sink: &mut Sink,
) -> Result<Vec<Range<usize>>, ParseError> {
    let t = text.as_bytes();
    // Delimiters read from a message are ASCII; with no escape character a CR stands in, which
    // is handled as a terminator before the escape test.
    let esc = d.escape.map_or(b'\r', |c| c as u8);
    let mut scan = Scan {
        text,
        d: *d,
        fs: d.field as u8,
        segments: Vec::with_capacity(t.len() / 64 + 2),
        blank_pending: false,
    };
    let mut seg_start = from;
    let mut seg_escape = false;
    let mut seg_binary = false;
    let mut i = from;
    loop {
        i = next_special(t, i, esc);
        let Some(&b) = t.get(i) else { break };
        if is_terminator(b) {
            scan.end_segment(seg_start..i, seg_escape, sink)?;
            i += if b == b'\r' && t.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            seg_start = i;
            seg_escape = false;
            seg_binary = false;
        } else if b == esc {
            seg_escape = true;
            i += 1;
        } else if b == b'\t' {
            i += 1;
        } else {
            // One report per segment keeps a megabyte of binary garbage linear to scan.
            if !seg_binary && !sink.full() {
                seg_binary = true;
                let seg = &t[seg_start..];
                let field = field_at(seg, i - seg_start, scan.fs);
                sink.report(
                    DiagnosticKind::BinaryData,
                    scan.segments.len(),
                    safe_id(seg),
                    // Field 0 would be the segment id itself: no field to name.
                    Some(field).filter(|&f| f > 0),
                )?;
            }
            i += 1;
        }
    }
    if seg_start < t.len() {
        scan.end_segment(seg_start..t.len(), seg_escape, sink)?;
    }
    Ok(scan.segments)
}

/// Parses one HL7 v2 message.
///
/// Segment terminators may be `\r`, `\n` or `\r\n`, mixed; trailing terminators are fine. A
/// leading UTF-8 byte order mark is skipped. MSH-18 decides the character set: absent, `ASCII`,
/// `UNICODE UTF-8` or `UTF-8` read the bytes as UTF-8 and borrow them; `8859/1` decodes Latin-1
/// into an owned string (borrowing when the bytes are all ASCII). MLLP framing is not removed
/// here.
///
/// [`Mode::Lenient`] returns a message whenever the input starts with an MSH whose delimiters
/// are usable, with a [`Diagnostic`] for each problem worked around; [`Mode::Strict`] refuses
/// the message at the first such problem.
///
/// # Errors
/// In both modes: [`ParseErrorKind::TooLarge`], [`ParseErrorKind::Empty`],
/// [`ParseErrorKind::MissingMsh`], [`ParseErrorKind::BadDelimiters`]. In strict mode also the
/// error for each [`DiagnosticKind`].
pub fn parse<'a>(bytes: &'a [u8], options: &ParseOptions) -> Result<Parsed<'a>, ParseError> {
    if bytes.len() > options.max_bytes {
        return Err(ParseError::new(ParseErrorKind::TooLarge {
            size: bytes.len(),
            limit: options.max_bytes,
        }));
    }
    let (body, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, 3),
        None => (bytes, 0),
    };
    let lead = body.iter().take_while(|&&b| is_terminator(b)).count();
    if lead == body.len() {
        return Err(ParseError::new(ParseErrorKind::Empty));
    }
    let head = &body[lead..];
    if !head.starts_with(b"MSH") {
        return Err(ParseError::new(ParseErrorKind::MissingMsh));
    }
    let line = &head[..head
        .iter()
        .position(|&b| is_terminator(b))
        .unwrap_or(head.len())];
    let delimiters = read_delimiters(line)?;
    let mut sink = Sink {
        strict: options.mode == Mode::Strict,
        diagnostics: Vec::new(),
    };
    if lead > 0 {
        sink.report(DiagnosticKind::BlankLine, 0, "MSH", None)?;
    }
    let name = read_charset_name(line, &delimiters);
    let (text, charset) = decode(body, bom, name, &delimiters, &mut sink)?;
    let segments = scan(&text, lead, &delimiters, &mut sink)?;
    let message = Message {
        text,
        segments,
        delimiters,
        charset,
    };
    let msh = message.msh();
    let required = [
        (
            9,
            msh.field(9).component(1).is_empty(),
            DiagnosticKind::MissingMessageType,
        ),
        (
            10,
            msh.field(10).is_empty(),
            DiagnosticKind::MissingControlId,
        ),
        (
            12,
            msh.field(12).component(1).is_empty(),
            DiagnosticKind::MissingVersion,
        ),
    ];
    for (field, missing, kind) in required {
        if missing {
            sink.report(kind, 0, "MSH", Some(field))?;
        }
    }
    Ok(Parsed {
        message,
        diagnostics: sink.diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::next_special;

    #[test]
    fn next_special_finds_the_first_control_or_escape_byte_at_every_offset() {
        for len in 0..40 {
            for pos in 0..=len {
                for special in [b'\r', b'\n', 0u8, 0x1F, 0x7F, b'\\'] {
                    let mut t = vec![b'a'; len];
                    // Bytes next to the thresholds must not match.
                    for (k, b) in t.iter_mut().enumerate() {
                        *b = [b'a', b' ', 0x7E, 0x80, 0xFF, b']'][k % 6];
                    }
                    if pos < len {
                        t[pos] = special;
                    }
                    assert_eq!(next_special(&t, 0, b'\\'), pos, "len {len} pos {pos}");
                }
            }
        }
    }
}
