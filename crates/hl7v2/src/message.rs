//! A parsed message and lazy views into it: segments, fields, repetitions, components.
//!
//! [`Message`] keeps the text and where each segment starts and ends; everything below a segment
//! is found on demand by scanning for the next delimiter, so reading five fields of a segment
//! costs five short scans and no allocation. Values are unescaped into a [`Cow`] that borrows
//! when there is nothing to decode.
//!
//! Absent and empty are the same to the accessors (`field(40)` of a 10-field segment is an empty
//! [`Field`]), as in the standard, where trailing empty elements may be left out. Numbers are
//! 1-based as in the standard; 0 gives an empty element.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use crate::delimiters::{Charset, Delimiters};
use crate::escape::unescape;
use crate::path::Path;

/// A parsed HL7 v2 message: the text (borrowed from the input unless it had to be decoded) and
/// its segments. Made by [`crate::parse`]; the first segment is always `MSH`.
///
/// `Debug` shows the shape (segment count, delimiters, charset), never the text.
#[derive(Clone)]
pub struct Message<'a> {
    pub(crate) text: Cow<'a, str>,
    pub(crate) segments: Vec<Range<usize>>,
    pub(crate) delimiters: Delimiters,
    pub(crate) charset: Charset,
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("segments", &self.segments.len())
            .field("bytes", &self.text.len())
            .field("delimiters", &self.delimiters)
            .field("charset", &self.charset)
            .field("borrowed", &matches!(self.text, Cow::Borrowed(_)))
            .finish()
    }
}

/// MSH-9: message code, trigger event and message structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageType<'m> {
    /// MSH-9.1, e.g. `ORU`.
    pub code: &'m str,
    /// MSH-9.2, e.g. `R01`; empty when absent.
    pub trigger: &'m str,
    /// MSH-9.3, e.g. `ORU_R01`; `None` when absent.
    pub structure: Option<&'m str>,
}

impl<'a> Message<'a> {
    /// The delimiters declared in MSH-1/MSH-2.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// The character set the text was decoded from (MSH-18; absent reads as UTF-8).
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// The whole text as decoded, including segment terminators.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the text is borrowed from the input (no decoding was needed).
    pub fn is_borrowed(&self) -> bool {
        matches!(self.text, Cow::Borrowed(_))
    }

    /// A copy that owns its text, free of the input's lifetime.
    pub fn into_owned(self) -> Message<'static> {
        Message {
            text: Cow::Owned(self.text.into_owned()),
            segments: self.segments,
            delimiters: self.delimiters,
            charset: self.charset,
        }
    }

    fn make_segment(&self, index: usize, range: &Range<usize>) -> Segment<'_> {
        Segment {
            raw: self.text.get(range.clone()).unwrap_or(""),
            delimiters: &self.delimiters,
            index,
        }
    }

    /// Number of segments (blank lines not counted).
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// All segments in order.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = Segment<'_>> + '_ {
        self.segments
            .iter()
            .enumerate()
            .map(|(i, r)| self.make_segment(i, r))
    }

    /// The segment at a 0-based index.
    pub fn segment_at(&self, index: usize) -> Option<Segment<'_>> {
        self.segments
            .get(index)
            .map(|r| self.make_segment(index, r))
    }

    /// The first segment with this id.
    pub fn segment(&self, id: &str) -> Option<Segment<'_>> {
        self.nth_named(id, 0)
    }

    /// The `n`th (0-based) segment with this id.
    fn nth_named(&self, id: &str, n: usize) -> Option<Segment<'_>> {
        let field = self.delimiters.field;
        self.segments
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let raw = self.text.get((*r).clone()).unwrap_or("");
                raw.strip_prefix(id)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(field))
            })
            .nth(n)
            .map(|(i, r)| self.make_segment(i, r))
    }

    /// Every segment with this id, in order.
    pub fn segments_named<'s>(&'s self, id: &'s str) -> impl Iterator<Item = Segment<'s>> + 's {
        let field = self.delimiters.field;
        self.segments
            .iter()
            .enumerate()
            .filter(move |(_, r)| {
                let raw = self.text.get((*r).clone()).unwrap_or("");
                raw.strip_prefix(id)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(field))
            })
            .map(|(i, r)| self.make_segment(i, r))
    }

    /// The MSH segment (always the first).
    pub fn msh(&self) -> Segment<'_> {
        self.segment_at(0).unwrap_or(Segment {
            raw: "",
            delimiters: &self.delimiters,
            index: 0,
        })
    }

    /// MSH-9 as code, trigger and structure.
    pub fn message_type(&self) -> MessageType<'_> {
        let first = self.msh().field(9).repetition(1);
        let structure = first.component(3).raw();
        MessageType {
            code: first.component(1).raw(),
            trigger: first.component(2).raw(),
            structure: (!structure.is_empty()).then_some(structure),
        }
    }

    /// MSH-10, the message control id; empty when absent (which strict parsing refuses).
    pub fn control_id(&self) -> &str {
        self.msh().field(10).raw()
    }

    /// MSH-12.1, the version id (`2.5.1`).
    pub fn version(&self) -> &str {
        self.msh().field(12).repetition(1).component(1).raw()
    }

    /// Reads one value by a terser-style path, unescaped; `None` when absent or empty, or when
    /// the path is malformed (check paths with [`Path::parse`], or use [`Message::get_at`]).
    ///
    /// Paths: `PID-5` (first repetition, component 1, subcomponent 1), `PID-5.2`, `PID-5.1.1`,
    /// `PID-3[2].1` (second repetition), `OBX(3)-5` or `OBX[3]-5` (third OBX); `.` may stand
    /// for `-`. MSH-1 and MSH-2 give the delimiters as written. The HL7 null is returned as
    /// its text `""`; [`Field::is_null`] tells it apart.
    ///
    /// ```
    /// let m = meridian_hl7v2::parse(
    ///     b"MSH|^~\\&|LAB||EHR||20240101||ORU^R01^ORU_R01|42|P|2.5.1\rPID|1||123^^^H~456^^^MR||DOE^JANE",
    ///     &Default::default(),
    /// )?.message;
    /// assert_eq!(m.get("PID-5.2").as_deref(), Some("JANE"));
    /// assert_eq!(m.get("PID-3[2].1").as_deref(), Some("456"));
    /// assert_eq!(m.get("MSH-9.2").as_deref(), Some("R01"));
    /// assert_eq!(m.get("PID-7"), None);
    /// # Ok::<(), meridian_hl7v2::ParseError>(())
    /// ```
    pub fn get(&self, path: &str) -> Option<Cow<'_, str>> {
        Path::parse(path).ok().and_then(|p| self.get_at(&p))
    }

    /// [`Message::get`] with a path parsed once.
    pub fn get_at(&self, path: &Path) -> Option<Cow<'_, str>> {
        let segment = self.nth_named(path.segment(), path.occurrence().checked_sub(1)?)?;
        let field = segment.field(path.field());
        let value = if field.opaque {
            Cow::Borrowed(field.raw)
        } else {
            field
                .repetition(path.repetition())
                .component(path.component().unwrap_or(1))
                .subcomponent_value(path.subcomponent().unwrap_or(1))
        };
        (!value.is_empty()).then_some(value)
    }
}

/// Splits `rest` at `sep`, lazily. `None` as separator yields the text whole; empty text yields
/// nothing.
#[derive(Clone)]
struct Pieces<'m> {
    rest: Option<&'m str>,
    sep: Option<char>,
}

impl<'m> Pieces<'m> {
    fn new(text: &'m str, sep: Option<char>) -> Self {
        Self {
            rest: (!text.is_empty()).then_some(text),
            sep,
        }
    }
}

impl<'m> Iterator for Pieces<'m> {
    type Item = &'m str;

    fn next(&mut self) -> Option<&'m str> {
        let rest = self.rest?;
        match self
            .sep
            .and_then(|s| rest.find(s).map(|i| (i, s.len_utf8())))
        {
            Some((i, len)) => {
                self.rest = Some(&rest[i + len..]);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// Byte offset just past the `k`th (1-based) occurrence of `sep` in `b`, eight bytes at a time.
fn after_nth(b: &[u8], sep: u8, k: usize) -> Option<usize> {
    let mut remaining = k;
    if remaining == 0 {
        return Some(0);
    }
    let pattern = LO * u64::from(sep);
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(bytes) ^ pattern;
        // Exact per-byte zero test (no carries between bytes): the high bit of each byte of
        // `hits` is set exactly where `w` has a zero byte, i.e. where the text has `sep`.
        let hits = !(((w & LOW7) + LOW7) | w | LOW7);
        let count = hits.count_ones() as usize;
        if count >= remaining {
            let mut h = hits;
            for _ in 1..remaining {
                h &= h - 1;
            }
            return Some(i + (h.trailing_zeros() / 8) as usize + 1);
        }
        remaining -= count;
        i += 8;
    }
    for (j, &c) in b.get(i..).unwrap_or_default().iter().enumerate() {
        if c == sep {
            remaining -= 1;
            if remaining == 0 {
                return Some(i + j + 1);
            }
        }
    }
    None
}

/// Number of `sep` bytes in `b`, eight bytes at a time.
fn count_byte(b: &[u8], sep: u8) -> usize {
    let pattern = LO * u64::from(sep);
    let mut chunks = b.chunks_exact(8);
    let mut n = 0;
    for chunk in &mut chunks {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(bytes) ^ pattern;
        n += (!(((w & LOW7) + LOW7) | w | LOW7)).count_ones() as usize;
    }
    n + chunks.remainder().iter().filter(|&&c| c == sep).count()
}

/// The `n`th (1-based) piece, or `""`.
fn nth_piece(text: &str, sep: Option<char>, n: usize) -> &str {
    let Some(i) = n.checked_sub(1) else {
        return "";
    };
    match sep {
        // An ASCII separator byte is never inside a multi-byte character, so the offsets
        // found next to it are character boundaries.
        Some(s) if s.is_ascii() => {
            let b = text.as_bytes();
            let sep = s as u8;
            let Some(start) = after_nth(b, sep, i) else {
                return "";
            };
            let rest = b.get(start..).unwrap_or_default();
            let end = after_nth(rest, sep, 1).map_or(b.len(), |p| start + p - 1);
            text.get(start..end).unwrap_or("")
        }
        _ => Pieces::new(text, sep).nth(i).unwrap_or(""),
    }
}

/// Number of `sep` characters in `text`.
fn count_sep(text: &str, sep: char) -> usize {
    if sep.is_ascii() {
        count_byte(text.as_bytes(), sep as u8)
    } else {
        text.matches(sep).count()
    }
}

/// The text before the first `sep`.
fn first_piece(text: &str, sep: char) -> &str {
    match text.find(sep) {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The text before the first of three separators: the first subcomponent of the first
/// component of the first repetition, found in one pass. Values are short, so a plain byte loop
/// beats three `memchr` calls.
fn first_leaf(text: &str, a: char, b: char, c: char) -> &str {
    if a.is_ascii() && b.is_ascii() && c.is_ascii() {
        let (a, b, c) = (a as u8, b as u8, c as u8);
        let end = text
            .bytes()
            .position(|x| x == a || x == b || x == c)
            .unwrap_or(text.len());
        // Cut next to an ASCII byte, so at a character boundary.
        text.get(..end).unwrap_or("")
    } else {
        first_piece(first_piece(first_piece(text, a), b), c)
    }
}

/// One segment: its id and fields, found on demand.
#[derive(Clone, Copy)]
pub struct Segment<'m> {
    raw: &'m str,
    delimiters: &'m Delimiters,
    index: usize,
}

impl fmt::Debug for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segment")
            .field("index", &self.index)
            .field("id", &self.safe_id())
            .field("fields", &self.field_count())
            .finish()
    }
}

/// Whether `id` is a valid segment id: three characters from `A-Z` and `0-9`.
pub(crate) fn is_segment_id(id: &[u8]) -> bool {
    id.len() == 3
        && id
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl<'m> Segment<'m> {
    /// The segment id (`PID`), the text before the first field separator.
    pub fn id(&self) -> &'m str {
        first_piece(self.raw, self.delimiters.field)
    }

    /// The id if it is a valid one, else `???`: safe to log.
    fn safe_id(&self) -> &'m str {
        let id = self.id();
        if is_segment_id(id.as_bytes()) {
            id
        } else {
            "???"
        }
    }

    /// 0-based position among the message's segments.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The segment's text without its terminator.
    pub fn raw(&self) -> &'m str {
        self.raw
    }

    /// Header segments (`MSH`, and the batch headers `BHS`, `FHS`) number their field
    /// separator as field 1 and their encoding characters as field 2.
    fn is_header(&self) -> bool {
        // Called on every field access: look at the first bytes rather than search for the id.
        let b = self.raw.as_bytes();
        matches!(b.get(..3), Some(b"MSH" | b"BHS" | b"FHS"))
            && self
                .raw
                .get(3..)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(self.delimiters.field))
    }

    /// Field `n` (1-based, as the standard numbers it); empty when absent. For MSH, field 1 is
    /// the field separator itself and field 2 the encoding characters; both are given whole,
    /// never split or unescaped.
    pub fn field(&self, n: usize) -> Field<'m> {
        let d = self.delimiters;
        if self.is_header() {
            match n {
                0 => Field::new("", d),
                1 => Field::opaque(self.raw.get(3..3 + d.field.len_utf8()).unwrap_or(""), d),
                2 => Field::opaque(nth_piece(self.raw, Some(d.field), 2), d),
                _ => Field::new(nth_piece(self.raw, Some(d.field), n), d),
            }
        } else if n == 0 {
            Field::new("", d)
        } else {
            Field::new(nth_piece(self.raw, Some(d.field), n.saturating_add(1)), d)
        }
    }

    /// Number of fields present, counting empty ones before the last separator.
    pub fn field_count(&self) -> usize {
        let seps = count_sep(self.raw, self.delimiters.field);
        if self.is_header() && seps > 0 {
            seps + 1
        } else {
            seps
        }
    }

    /// Fields 1..=[`Segment::field_count`] in order.
    pub fn fields(&self) -> impl Iterator<Item = Field<'m>> + 'm {
        let d = self.delimiters;
        let header = self.is_header();
        let mut pieces = Pieces::new(self.raw, Some(d.field));
        // Skip the id; a header then yields its separator and encoding characters unsplit.
        let _ = pieces.next();
        let separator = if header {
            self.raw.get(3..3 + d.field.len_utf8())
        } else {
            None
        };
        let mut index = 0usize;
        separator
            .map(|s| Field::opaque(s, d))
            .into_iter()
            .chain(pieces.map(move |p| {
                index += 1;
                if header && index == 1 {
                    Field::opaque(p, d)
                } else {
                    Field::new(p, d)
                }
            }))
    }
}

/// One field: its repetitions, and shortcuts into the first one.
#[derive(Clone, Copy)]
pub struct Field<'m> {
    raw: &'m str,
    delimiters: &'m Delimiters,
    /// MSH-1 and MSH-2: never split or unescaped.
    opaque: bool,
}

impl fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("len", &self.raw.len())
            .field("null", &self.is_null())
            .finish_non_exhaustive()
    }
}

impl<'m> Field<'m> {
    fn new(raw: &'m str, delimiters: &'m Delimiters) -> Self {
        Self {
            raw,
            delimiters,
            opaque: false,
        }
    }

    fn opaque(raw: &'m str, delimiters: &'m Delimiters) -> Self {
        Self {
            raw,
            delimiters,
            opaque: true,
        }
    }

    fn rep_sep(&self) -> Option<char> {
        (!self.opaque).then_some(self.delimiters.repetition)
    }

    /// The field's text as written (escaped, with its delimiters).
    pub fn raw(&self) -> &'m str {
        self.raw
    }

    /// Whether the field is empty or absent.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Whether the field is the HL7 null `""` (meaning "delete the stored value").
    pub fn is_null(&self) -> bool {
        self.raw == "\"\""
    }

    /// The repetitions; none for an empty field.
    pub fn repetitions(&self) -> impl Iterator<Item = Repetition<'m>> + 'm {
        let d = self.delimiters;
        let opaque = self.opaque;
        Pieces::new(self.raw, self.rep_sep()).map(move |raw| Repetition {
            raw,
            delimiters: d,
            opaque,
        })
    }

    /// Number of repetitions (0 for an empty field).
    pub fn repetition_count(&self) -> usize {
        Pieces::new(self.raw, self.rep_sep()).count()
    }

    /// Repetition `n` (1-based); empty when absent.
    pub fn repetition(&self, n: usize) -> Repetition<'m> {
        Repetition {
            raw: nth_piece(self.raw, self.rep_sep(), n),
            delimiters: self.delimiters,
            opaque: self.opaque,
        }
    }

    /// Component `n` of the first repetition.
    pub fn component(&self, n: usize) -> Component<'m> {
        self.repetition(1).component(n)
    }

    /// First repetition, component 1, subcomponent 1, unescaped. MSH-1/MSH-2 as written.
    pub fn value(&self) -> Cow<'m, str> {
        if self.opaque {
            return Cow::Borrowed(self.raw);
        }
        let d = self.delimiters;
        unescape(
            first_leaf(self.raw, d.repetition, d.component, d.subcomponent),
            d,
        )
    }
}

/// One repetition of a field: its components.
#[derive(Clone, Copy)]
pub struct Repetition<'m> {
    raw: &'m str,
    delimiters: &'m Delimiters,
    opaque: bool,
}

impl fmt::Debug for Repetition<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repetition")
            .field("len", &self.raw.len())
            .finish_non_exhaustive()
    }
}

impl<'m> Repetition<'m> {
    fn comp_sep(&self) -> Option<char> {
        (!self.opaque).then_some(self.delimiters.component)
    }

    /// The repetition's text as written.
    pub fn raw(&self) -> &'m str {
        self.raw
    }

    /// Whether the repetition is empty or absent.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The components; none for an empty repetition.
    pub fn components(&self) -> impl Iterator<Item = Component<'m>> + 'm {
        let d = self.delimiters;
        let opaque = self.opaque;
        Pieces::new(self.raw, self.comp_sep()).map(move |raw| Component {
            raw,
            delimiters: d,
            opaque,
        })
    }

    /// Number of components (0 for an empty repetition).
    pub fn component_count(&self) -> usize {
        Pieces::new(self.raw, self.comp_sep()).count()
    }

    /// Component `n` (1-based); empty when absent.
    pub fn component(&self, n: usize) -> Component<'m> {
        Component {
            raw: nth_piece(self.raw, self.comp_sep(), n),
            delimiters: self.delimiters,
            opaque: self.opaque,
        }
    }

    /// Component 1, subcomponent 1, unescaped.
    pub fn value(&self) -> Cow<'m, str> {
        self.component(1).subcomponent_value(1)
    }
}

/// One component: its subcomponents.
#[derive(Clone, Copy)]
pub struct Component<'m> {
    raw: &'m str,
    delimiters: &'m Delimiters,
    opaque: bool,
}

impl fmt::Debug for Component<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Component")
            .field("len", &self.raw.len())
            .finish_non_exhaustive()
    }
}

impl<'m> Component<'m> {
    fn sub_sep(&self) -> Option<char> {
        (!self.opaque).then_some(self.delimiters.subcomponent)
    }

    /// The component's text as written.
    pub fn raw(&self) -> &'m str {
        self.raw
    }

    /// Whether the component is empty or absent.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The whole component unescaped (subcomponent separators stay in the text).
    pub fn value(&self) -> Cow<'m, str> {
        if self.opaque {
            return Cow::Borrowed(self.raw);
        }
        unescape(self.raw, self.delimiters)
    }

    /// Subcomponent `n` (1-based) as written; `""` when absent.
    pub fn subcomponent(&self, n: usize) -> &'m str {
        nth_piece(self.raw, self.sub_sep(), n)
    }

    /// Subcomponent `n` (1-based), unescaped.
    pub fn subcomponent_value(&self, n: usize) -> Cow<'m, str> {
        let raw = self.subcomponent(n);
        if self.opaque {
            return Cow::Borrowed(raw);
        }
        unescape(raw, self.delimiters)
    }

    /// The subcomponents as written; none for an empty component.
    pub fn subcomponents(&self) -> impl Iterator<Item = &'m str> + 'm {
        Pieces::new(self.raw, self.sub_sep())
    }

    /// Number of subcomponents (0 for an empty component).
    pub fn subcomponent_count(&self) -> usize {
        Pieces::new(self.raw, self.sub_sep()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::{count_sep, nth_piece};

    #[test]
    fn word_at_a_time_splitting_agrees_with_str_split_for_every_length_and_position() {
        let alphabet = ['a', '|', '^', 'é', '\u{80}', '\u{7f}', '\u{ff}', '\0', '~'];
        let mut seed = 0x1234_5678_9ABC_DEF0_u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 40) as usize;
            let text: String = (0..len)
                .map(|k| alphabet[((seed >> (k % 60)) as usize + k * 7) % alphabet.len()])
                .collect();
            for sep in ['|', '^', '\0', '\u{7f}', 'é'] {
                let pieces: Vec<&str> = if text.is_empty() {
                    Vec::new()
                } else {
                    text.split(sep).collect()
                };
                assert_eq!(count_sep(&text, sep), text.matches(sep).count(), "{text:?}");
                assert_eq!(nth_piece(&text, Some(sep), 0), "");
                for n in 1..pieces.len() + 3 {
                    let expected = pieces.get(n - 1).copied().unwrap_or("");
                    assert_eq!(
                        nth_piece(&text, Some(sep), n),
                        expected,
                        "{text:?} {sep:?} {n}"
                    );
                }
            }
        }
    }
}
