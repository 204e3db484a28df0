//! Building messages: set values by position, escaped on the way in; MSH-1/MSH-2 come from the
//! delimiters; segments end in `\r`.

use std::fmt;

use crate::delimiters::{Charset, Delimiters};
use crate::error::{EncodeError, EncodeErrorKind};
use crate::escape::escape;
use crate::message::{Message, is_segment_id};

/// The highest field, repetition, component or subcomponent number a builder accepts. Higher
/// numbers are ignored and make [`MessageBuilder::encode_bytes`] fail, so a bad index cannot
/// make the builder allocate without bound.
pub const MAX_POSITION: usize = 10_000;

/// Subcomponents (already escaped) of a component.
type Comp = Vec<String>;
/// Components of a repetition.
type Rep = Vec<Comp>;
/// Repetitions of a field.
type FieldValue = Vec<Rep>;

/// Builds an HL7 v2 message segment by segment.
///
/// ```
/// use meridian_hl7v2::{Charset, Delimiters, MessageBuilder};
///
/// let mut b = MessageBuilder::new(Delimiters::default());
/// b.segment("MSH")
///     .set(3, "EHR")
///     .set(7, "20240101120000")
///     .set_component(9, 1, "ADT")
///     .set_component(9, 2, "A08")
///     .set(10, "MSG0001")
///     .set_component(11, 1, "P")
///     .set(12, "2.5.1");
/// b.segment("PID").set_component(5, 1, "O'NEIL & SONS").set_raw(8, "\"\"");
/// assert_eq!(
///     b.encode(),
///     "MSH|^~\\&|EHR||||20240101120000||ADT^A08|MSG0001|P|2.5.1\rPID|||||O'NEIL \\T\\ SONS|||\"\"\r"
/// );
/// assert!(b.encode_bytes(Charset::Latin1).is_ok());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct MessageBuilder {
    delimiters: Delimiters,
    segments: Vec<SegmentBuilder>,
}

impl fmt::Debug for MessageBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self
            .segments
            .iter()
            .map(|s| {
                if is_segment_id(s.id.as_bytes()) {
                    s.id.as_str()
                } else {
                    "???"
                }
            })
            .collect();
        f.debug_struct("MessageBuilder")
            .field("delimiters", &self.delimiters)
            .field("segments", &ids)
            .finish()
    }
}

/// One segment being built. Values given to [`SegmentBuilder::set`] and friends are escaped;
/// [`SegmentBuilder::set_raw`] takes text already encoded with the builder's delimiters.
#[derive(Clone, PartialEq, Eq)]
pub struct SegmentBuilder {
    id: String,
    delimiters: Delimiters,
    fields: Vec<FieldValue>,
    overflow: bool,
}

impl fmt::Debug for SegmentBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = if is_segment_id(self.id.as_bytes()) {
            self.id.as_str()
        } else {
            "???"
        };
        f.debug_struct("SegmentBuilder")
            .field("id", &id)
            .field("fields", &self.fields.len())
            .finish_non_exhaustive()
    }
}

/// Grows `v` so index `n - 1` exists and returns it; `None` for 0 or above [`MAX_POSITION`].
fn slot<T: Default>(v: &mut Vec<T>, n: usize) -> Option<&mut T> {
    if n == 0 || n > MAX_POSITION {
        return None;
    }
    if v.len() < n {
        v.resize_with(n, T::default);
    }
    v.get_mut(n - 1)
}

impl SegmentBuilder {
    fn is_header(&self) -> bool {
        matches!(self.id.as_str(), "MSH" | "BHS" | "FHS")
    }

    /// The segment id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Header fields 1 and 2 are written from the delimiters; setting them is ignored.
    fn field_slot(&mut self, field: usize) -> Option<&mut FieldValue> {
        if self.is_header() && field <= 2 {
            return None;
        }
        if field > MAX_POSITION {
            self.overflow = true;
            return None;
        }
        slot(&mut self.fields, field)
    }

    fn place(
        &mut self,
        field: usize,
        repetition: usize,
        component: usize,
        subcomponent: usize,
        value: String,
    ) -> &mut Self {
        if repetition.max(component).max(subcomponent) > MAX_POSITION {
            self.overflow = true;
            return self;
        }
        if let Some(s) = self
            .field_slot(field)
            .and_then(|f| slot(f, repetition))
            .and_then(|r| slot(r, component))
            .and_then(|c| slot(c, subcomponent))
        {
            *s = value;
        }
        self
    }

    /// Sets the whole field to one escaped value (replacing any repetitions or components).
    pub fn set(&mut self, field: usize, text: &str) -> &mut Self {
        let value = escape(text, &self.delimiters).into_owned();
        if let Some(f) = self.field_slot(field) {
            *f = vec![vec![vec![value]]];
        }
        self
    }

    /// Sets component `component` of the field's first repetition to one escaped value.
    pub fn set_component(&mut self, field: usize, component: usize, text: &str) -> &mut Self {
        if component > MAX_POSITION {
            self.overflow = true;
            return self;
        }
        let value = escape(text, &self.delimiters).into_owned();
        if let Some(c) = self
            .field_slot(field)
            .and_then(|f| slot(f, 1))
            .and_then(|r| slot(r, component))
        {
            *c = vec![value];
        }
        self
    }

    /// Sets one subcomponent of one component of one repetition (all 1-based), escaped.
    pub fn set_sub(
        &mut self,
        field: usize,
        repetition: usize,
        component: usize,
        subcomponent: usize,
        text: &str,
    ) -> &mut Self {
        let value = escape(text, &self.delimiters).into_owned();
        self.place(field, repetition, component, subcomponent, value)
    }

    /// Sets the field to text already encoded with this builder's delimiters (for example the
    /// HL7 null `""`, or a field copied from a parsed message). It is split at the delimiters,
    /// so later `set_component` calls address its parts.
    pub fn set_raw(&mut self, field: usize, raw: &str) -> &mut Self {
        let d = self.delimiters;
        let value: FieldValue = raw
            .split(d.repetition)
            .map(|rep| {
                rep.split(d.component)
                    .map(|comp| comp.split(d.subcomponent).map(str::to_owned).collect())
                    .collect()
            })
            .collect();
        if let Some(f) = self.field_slot(field) {
            *f = if raw.is_empty() { Vec::new() } else { value };
        }
        self
    }

    /// Writes the segment (without terminator).
    fn write(&self, out: &mut String) {
        let d = &self.delimiters;
        out.push_str(&self.id);
        let first = if self.is_header() {
            out.push(d.field);
            out.push_str(&d.encoding_characters());
            3
        } else {
            1
        };
        let last = self
            .fields
            .iter()
            .rposition(|f| !field_is_empty(f))
            .map_or(0, |p| p + 1);
        for n in first..=last {
            out.push(d.field);
            if let Some(f) = self.fields.get(n - 1) {
                write_field(f, d, out);
            }
        }
    }
}

fn field_is_empty(f: &FieldValue) -> bool {
    f.iter()
        .all(|r| r.iter().all(|c| c.iter().all(String::is_empty)))
}

/// Joins `items` with `sep`, leaving out trailing empty items.
fn write_joined<T>(
    items: &[T],
    sep: char,
    empty: impl Fn(&T) -> bool,
    mut write: impl FnMut(&T, &mut String),
    out: &mut String,
) {
    let last = items.iter().rposition(|i| !empty(i)).map_or(0, |p| p + 1);
    for (k, item) in items[..last].iter().enumerate() {
        if k > 0 {
            out.push(sep);
        }
        write(item, out);
    }
}

fn write_field(f: &FieldValue, d: &Delimiters, out: &mut String) {
    let comp_empty = |c: &Comp| c.iter().all(String::is_empty);
    let rep_empty = |r: &Rep| r.iter().all(comp_empty);
    write_joined(
        f,
        d.repetition,
        rep_empty,
        |rep, out| {
            write_joined(
                rep,
                d.component,
                comp_empty,
                |comp, out| {
                    write_joined(
                        comp,
                        d.subcomponent,
                        String::is_empty,
                        |s, o| o.push_str(s),
                        out,
                    )
                },
                out,
            );
        },
        out,
    );
}

impl MessageBuilder {
    /// An empty message with these delimiters (`Delimiters::default()` is `|^~\&`).
    pub fn new(delimiters: Delimiters) -> Self {
        Self {
            delimiters,
            segments: Vec::new(),
        }
    }

    /// A builder holding every segment and field of a parsed message as written, with its
    /// delimiters: `parse(from_message(m).encode())` reads the same values as `m`.
    pub fn from_message(message: &Message<'_>) -> Self {
        let mut b = Self::new(message.delimiters());
        for segment in message.segments() {
            let sb = b.segment(segment.id());
            for (i, field) in segment.fields().enumerate() {
                sb.set_raw(i + 1, field.raw());
            }
        }
        b
    }

    /// The delimiters.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// Appends a segment and returns it for setting fields. For `MSH`, fields 1 and 2 are
    /// written from the delimiters.
    pub fn segment(&mut self, id: &str) -> &mut SegmentBuilder {
        let index = self.segments.len();
        self.segments.push(SegmentBuilder {
            id: id.to_owned(),
            delimiters: self.delimiters,
            fields: Vec::new(),
            overflow: false,
        });
        // The element at `index` was pushed on the line above, so indexing cannot fail.
        &mut self.segments[index]
    }

    /// The segment at a 0-based index, to change it after others were appended.
    pub fn segment_mut(&mut self, index: usize) -> Option<&mut SegmentBuilder> {
        self.segments.get_mut(index)
    }

    /// Number of segments.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// The message text: segments each followed by `\r`. Positions above [`MAX_POSITION`]
    /// were ignored when set; [`MessageBuilder::encode_bytes`] reports them.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(self.segments.len() * 64);
        for s in &self.segments {
            s.write(&mut out);
            out.push('\r');
        }
        out
    }

    /// The message as bytes in `charset`. Set MSH-18 to match ([`Charset::msh18`]).
    ///
    /// # Errors
    /// [`EncodeErrorKind::Unrepresentable`] when a character does not exist in `charset`
    /// (above U+007F for ASCII, above U+00FF for Latin-1), [`EncodeErrorKind::BadSegmentId`]
    /// for an id that is not three characters from `A-Z` and `0-9`, and
    /// [`EncodeErrorKind::PositionTooLarge`] when a position above [`MAX_POSITION`] was set.
    pub fn encode_bytes(&self, charset: Charset) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.segments.len() * 64);
        let mut text = String::new();
        for (index, s) in self.segments.iter().enumerate() {
            if !is_segment_id(s.id.as_bytes()) {
                return Err(EncodeError::new(EncodeErrorKind::BadSegmentId, index, None));
            }
            if s.overflow {
                return Err(EncodeError::new(
                    EncodeErrorKind::PositionTooLarge,
                    index,
                    None,
                ));
            }
            text.clear();
            s.write(&mut text);
            let limit = match charset {
                Charset::Ascii => 0x7F,
                Charset::Latin1 => 0xFF,
                Charset::Utf8 => {
                    out.extend_from_slice(text.as_bytes());
                    out.push(b'\r');
                    continue;
                }
            };
            for (at, c) in text.char_indices() {
                match u8::try_from(u32::from(c)) {
                    Ok(b) if u32::from(b) <= limit => out.push(b),
                    _ => {
                        let seps = text[..at].matches(self.delimiters.field).count();
                        let field = if s.is_header() { seps + 1 } else { seps };
                        return Err(EncodeError::new(
                            EncodeErrorKind::Unrepresentable {
                                charset: charset.msh18(),
                            },
                            index,
                            Some(field),
                        ));
                    }
                }
            }
            out.push(b'\r');
        }
        Ok(out)
    }
}
