//! Escape sequences (HL7 v2.5.1 chapter 2, "Use of escape sequences in text fields").
//!
//! Decoding is zero-copy when a value holds no escape character. Sequences this crate cannot
//! interpret faithfully (`\Z..\` locally defined, `\C..\`/`\M..\` character-set switches) are
//! kept as written rather than dropped, so no text is silently lost; unknown and unterminated
//! sequences are kept literally too.

use std::borrow::Cow;

use crate::delimiters::Delimiters;

/// The most line breaks or spaces one `\.sp n\` or `\.sk n\` sequence expands to, so that a
/// hostile `\.sp999999999\` cannot make a small message allocate gigabytes.
const MAX_REPEAT: usize = 100;

/// What one escape sequence (the text between two escape characters) stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sequence<'t> {
    /// A delimiter (`\F\`, `\S\`, `\T\`, `\R\`, `\E\`, `\P\`).
    Char(char),
    /// Formatting with no plain-text equivalent (`\H\`, `\N\`, `\.in\`, `\.ti\`, `\.ce\`,
    /// `\.fi\`, `\.nf\`).
    Drop,
    /// `\.br\` (one line break), `\.sp n\` (n line breaks), `\.sk n\` (n spaces).
    Repeat(char, usize),
    /// `\Xhh..\`: hexadecimal bytes (the digits only).
    Hex(&'t str),
    /// Known but not interpreted here (`\Z..\`, `\Cxxyy\`, `\Mxxyy[zz]\`): kept as written.
    Literal,
    /// Not an escape sequence of the standard.
    Unknown,
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `\.sp\`, `\.sp 2\`, `\.sp+2\` → a count; `None` when the argument is not a number.
fn count_arg(arg: &str) -> Option<usize> {
    let arg = arg.trim();
    let arg = arg.strip_prefix('+').unwrap_or(arg);
    if arg.is_empty() {
        return Some(1);
    }
    if !arg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Long digit strings overflow usize; they mean "a lot", which the cap below handles.
    Some(arg.parse::<usize>().unwrap_or(MAX_REPEAT).min(MAX_REPEAT))
}

fn signed_arg_ok(arg: &str) -> bool {
    let arg = arg.trim();
    let arg = arg
        .strip_prefix('+')
        .or_else(|| arg.strip_prefix('-'))
        .unwrap_or(arg);
    arg.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn classify<'t>(code: &'t str, d: &Delimiters) -> Sequence<'t> {
    match code {
        "F" => return Sequence::Char(d.field),
        "S" => return Sequence::Char(d.component),
        "T" => return Sequence::Char(d.subcomponent),
        "R" => return Sequence::Char(d.repetition),
        "E" => {
            return match d.escape {
                Some(e) => Sequence::Char(e),
                None => Sequence::Unknown,
            };
        }
        "P" => {
            return match d.truncation {
                Some(t) => Sequence::Char(t),
                None => Sequence::Unknown,
            };
        }
        "H" | "N" => return Sequence::Drop,
        ".br" => return Sequence::Repeat('\n', 1),
        ".ce" | ".fi" | ".nf" => return Sequence::Drop,
        _ => {}
    }
    if let Some(hex) = code.strip_prefix('X') {
        return if is_hex(hex) && hex.len() % 2 == 0 {
            Sequence::Hex(hex)
        } else {
            Sequence::Unknown
        };
    }
    if code.starts_with('Z') {
        return Sequence::Literal;
    }
    if let Some(hex) = code.strip_prefix('C') {
        return if is_hex(hex) && hex.len() == 4 {
            Sequence::Literal
        } else {
            Sequence::Unknown
        };
    }
    if let Some(hex) = code.strip_prefix('M') {
        return if is_hex(hex) && (hex.len() == 4 || hex.len() == 6) {
            Sequence::Literal
        } else {
            Sequence::Unknown
        };
    }
    if let Some(arg) = code.strip_prefix(".sp") {
        return count_arg(arg).map_or(Sequence::Unknown, |n| Sequence::Repeat('\n', n));
    }
    if let Some(arg) = code.strip_prefix(".sk") {
        return count_arg(arg).map_or(Sequence::Unknown, |n| Sequence::Repeat(' ', n));
    }
    if let Some(arg) = code
        .strip_prefix(".in")
        .or_else(|| code.strip_prefix(".ti"))
    {
        return if signed_arg_ok(arg) {
            Sequence::Drop
        } else {
            Sequence::Unknown
        };
    }
    Sequence::Unknown
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Appends the text of `\Xhh..\`: the bytes as UTF-8 when they are valid UTF-8, else as Latin-1.
fn push_hex(hex: &str, out: &mut String) {
    let bytes: Vec<u8> = hex
        .as_bytes()
        .chunks_exact(2)
        .map(|p| (hex_value(p[0]) << 4) | hex_value(p[1]))
        .collect();
    match std::str::from_utf8(&bytes) {
        Ok(s) => out.push_str(s),
        Err(_) => out.extend(bytes.iter().map(|&b| char::from(b))),
    }
}

/// Decodes the escape sequences in `text`.
///
/// `\F\ \S\ \T\ \R\ \E\` (and `\P\` when a truncation character is declared) become the
/// delimiter; `\Xhh..\` becomes the bytes it encodes (UTF-8 when valid, else Latin-1); `\.br\`
/// becomes `"\n"`, `\.sp n\` n line breaks and `\.sk n\` n spaces (at most 100); `\H\`, `\N\`
/// and the indent and fill hints are dropped. Locally defined (`\Z..\`), character-set switching
/// (`\C..\`, `\M..\`), unknown and unterminated sequences are kept as written.
///
/// Borrows `text` unchanged when it holds no escape character (or none is declared).
///
/// ```
/// use std::borrow::Cow;
/// use meridian_hl7v2::{unescape, Delimiters};
///
/// let d = Delimiters::default();
/// assert_eq!(unescape(r"Smith \T\ Sons\.br\Ltd", &d), "Smith & Sons\nLtd");
/// assert!(matches!(unescape("plain", &d), Cow::Borrowed("plain")));
/// ```
pub fn unescape<'t>(text: &'t str, delimiters: &Delimiters) -> Cow<'t, str> {
    let Some(esc) = delimiters.escape else {
        return Cow::Borrowed(text);
    };
    let Some(first) = text.find(esc) else {
        return Cow::Borrowed(text);
    };
    let el = esc.len_utf8();
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut rest = &text[first..];
    loop {
        // Here `rest` starts with the escape character.
        let body = &rest[el..];
        let Some(close) = body.find(esc) else {
            out.push_str(rest);
            break;
        };
        let code = &body[..close];
        let after = &body[close + el..];
        match classify(code, delimiters) {
            Sequence::Char(c) => out.push(c),
            Sequence::Drop => {}
            Sequence::Repeat(c, n) => out.extend(std::iter::repeat_n(c, n)),
            Sequence::Hex(hex) => push_hex(hex, &mut out),
            Sequence::Literal => out.push_str(&rest[..el + close + el]),
            Sequence::Unknown => {
                // Keep the opening escape and the code; the closing escape character may open
                // the next, valid sequence (`C:\temp\E\` keeps `\temp` and decodes `\E\`).
                out.push_str(&rest[..el + close]);
                rest = &body[close..];
                continue;
            }
        }
        match after.find(esc) {
            Some(p) => {
                out.push_str(&after[..p]);
                rest = &after[p..];
            }
            None => {
                out.push_str(after);
                break;
            }
        }
    }
    Cow::Owned(out)
}

/// Calls `bad(byte_offset)` for each unknown or unterminated escape sequence in `segment` from
/// byte `from` on. A sequence is unterminated when a separator or the end of the segment comes
/// before the closing escape character. Stops early when `bad` returns an error.
pub(crate) fn check_escapes<E>(
    segment: &str,
    from: usize,
    d: &Delimiters,
    mut bad: impl FnMut(usize) -> Result<(), E>,
) -> Result<(), E> {
    let Some(esc) = d.escape else {
        return Ok(());
    };
    let el = esc.len_utf8();
    let mut i = from;
    while let Some(p) = segment.get(i..).and_then(|s| s.find(esc)).map(|p| p + i) {
        let start = p + el;
        let tail = segment.get(start..).unwrap_or("");
        match tail.find(|c: char| c == esc || d.is_separator(c)) {
            Some(q) if tail[q..].starts_with(esc) => {
                if classify(&tail[..q], d) == Sequence::Unknown {
                    bad(p)?;
                }
                // Past the closing escape character even for an unknown sequence, so one stray
                // sequence is one report (unescape retries the closing character as an opener,
                // which can only decode more, never report more).
                i = start + q + el;
            }
            _ => {
                bad(p)?;
                i = start;
            }
        }
    }
    Ok(())
}

fn needs_escape(c: char, d: &Delimiters) -> bool {
    d.is_separator(c)
        || Some(c) == d.escape
        || (Some(c) == d.truncation && d.escape.is_some())
        || (c < ' ' && c != '\t')
        || c == '\u{7f}'
}

/// Encodes `text` for a field value: delimiters become `\F\ \S\ \T\ \R\ \E\` (and the
/// truncation character `\P\`), line breaks (`"\n"`, `"\r\n"`, `"\r"`) become `\.br\` and other
/// control characters except TAB become `\Xhh\`.
///
/// Borrows `text` unchanged when nothing needs escaping. When the delimiters declare no escape
/// character nothing can be escaped, and each delimiter or control character is replaced by a
/// space so the message keeps its structure.
///
/// ```
/// use meridian_hl7v2::{escape, unescape, Delimiters};
///
/// let d = Delimiters::default();
/// let coded = escape("Smith & Sons|Ltd\nline 2", &d);
/// assert_eq!(coded, r"Smith \T\ Sons\F\Ltd\.br\line 2");
/// assert_eq!(unescape(&coded, &d), "Smith & Sons|Ltd\nline 2");
/// ```
pub fn escape<'t>(text: &'t str, delimiters: &Delimiters) -> Cow<'t, str> {
    let Some(first) = text.find(|c: char| needs_escape(c, delimiters)) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    let Some(esc) = delimiters.escape else {
        out.extend(text[first..].chars().map(
            |c| {
                if needs_escape(c, delimiters) { ' ' } else { c }
            },
        ));
        return Cow::Owned(out);
    };
    let mut chars = text[first..].chars().peekable();
    while let Some(c) = chars.next() {
        let code = if c == delimiters.field {
            'F'
        } else if c == delimiters.component {
            'S'
        } else if c == delimiters.subcomponent {
            'T'
        } else if c == delimiters.repetition {
            'R'
        } else if c == esc {
            'E'
        } else if Some(c) == delimiters.truncation {
            'P'
        } else if c == '\r' || c == '\n' {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push(esc);
            out.push_str(".br");
            out.push(esc);
            continue;
        } else if needs_escape(c, delimiters) {
            out.push(esc);
            out.push('X');
            // Only C0 controls and DEL reach this branch, so the value fits in two hex digits.
            let b = u32::from(c);
            out.push(
                char::from_digit(b >> 4, 16)
                    .unwrap_or('0')
                    .to_ascii_uppercase(),
            );
            out.push(
                char::from_digit(b & 0xF, 16)
                    .unwrap_or('0')
                    .to_ascii_uppercase(),
            );
            out.push(esc);
            continue;
        } else {
            out.push(c);
            continue;
        };
        out.push(esc);
        out.push(code);
        out.push(esc);
    }
    Cow::Owned(out)
}
