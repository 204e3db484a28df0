//! A structural walk over the encoded data set before anything is allocated for it.
//!
//! dicom-parser reserves and zero-fills a buffer of an element's declared length before it reads
//! the value, so a 4 GiB length in a 1 KiB file costs 4 GiB of memory. This walk reads only
//! headers and checks that every declared length fits inside the bytes that are there (and inside
//! its enclosing sequence item), that sequences nest at most [`MAX_DEPTH`] deep, and where the
//! top-level pixel data element lies, so that the pixel data can be taken straight from the input
//! without being copied through dicom-object.

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag as CoreTag, VR};
use dicom_dictionary_std::StandardDataDictionary;

use crate::error::{DecodeError, Tag};

/// Deepest sequence nesting accepted; real objects rarely go past 6.
pub(crate) const MAX_DEPTH: u8 = 32;

const UNDEFINED: u32 = 0xFFFF_FFFF;

/// How the data set is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Encoding {
    pub(crate) explicit: bool,
    pub(crate) big_endian: bool,
}

impl Encoding {
    pub(crate) const IMPLICIT_LE: Self = Self {
        explicit: false,
        big_endian: false,
    };
    pub(crate) const EXPLICIT_LE: Self = Self {
        explicit: true,
        big_endian: false,
    };
    pub(crate) const EXPLICIT_BE: Self = Self {
        explicit: true,
        big_endian: true,
    };
}

/// Where the top-level pixel data element lies in the scanned buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PixelLocation {
    /// The element tag: (7FE0,0010), or (7FE0,0008)/(7FE0,0009) for float pixel data.
    pub(crate) tag: Tag,
    /// First byte of the element header.
    pub(crate) start: usize,
    /// One past the last byte of the element (after the sequence delimiter when encapsulated).
    pub(crate) end: usize,
    /// The value: raw bytes when native, or the fragments when encapsulated.
    pub(crate) value: PixelValue,
    /// The explicit VR letters when the encoding is explicit (`OB`, `OW`, ...).
    pub(crate) vr: Option<[u8; 2]>,
}

/// The pixel data value as positions in the scanned buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PixelValue {
    /// One contiguous byte range.
    Native { start: usize, end: usize },
    /// Item ranges (value bytes, without the item headers), the first being the basic offset table.
    Encapsulated { items: Vec<(usize, usize)> },
}

/// The result of a walk: where the pixel data is and which encoding was actually found.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    pub(crate) pixel: Option<PixelLocation>,
    /// Bytes at the end that were too short to hold an element header and were ignored.
    pub(crate) trailing_ignored: usize,
}

const LONG_VRS: [&[u8; 2]; 13] = [
    b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV",
];
const SHORT_VRS: [&[u8; 2]; 21] = [
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FD", b"FL", b"IS", b"LO", b"LT", b"PN",
    b"SH", b"SL", b"SS", b"ST", b"TM", b"UI", b"UL", b"US",
];

/// Whether two bytes are a value representation we know.
pub(crate) fn is_known_vr(vr: [u8; 2]) -> bool {
    LONG_VRS.iter().chain(SHORT_VRS.iter()).any(|v| **v == vr)
}

fn is_long_vr(vr: [u8; 2]) -> bool {
    LONG_VRS.iter().any(|v| **v == vr)
}

struct Walker<'a> {
    buf: &'a [u8],
    pixel: Option<PixelLocation>,
    trailing_ignored: usize,
}

fn malformed(tag: Tag, offset: usize, reason: &'static str) -> DecodeError {
    DecodeError::Malformed {
        tag,
        offset: offset as u64,
        reason,
    }
}

impl Walker<'_> {
    fn u16_at(&self, pos: usize, big_endian: bool) -> u16 {
        // Callers check `pos + 2 <= buf.len()` first; `get` keeps this total anyway.
        let b = [
            self.buf.get(pos).copied().unwrap_or(0),
            self.buf.get(pos + 1).copied().unwrap_or(0),
        ];
        if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    }

    fn u32_at(&self, pos: usize, big_endian: bool) -> u32 {
        let mut b = [0u8; 4];
        for (i, byte) in b.iter_mut().enumerate() {
            *byte = self.buf.get(pos + i).copied().unwrap_or(0);
        }
        if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }

    fn tag_at(&self, pos: usize, enc: Encoding) -> Tag {
        Tag(
            self.u16_at(pos, enc.big_endian),
            self.u16_at(pos + 2, enc.big_endian),
        )
    }

    /// Reads an element header at `pos`: (VR if explicit, value length, header length).
    fn header(
        &self,
        pos: usize,
        end: usize,
        enc: Encoding,
        tag: Tag,
    ) -> Result<(Option<[u8; 2]>, u32, usize), DecodeError> {
        if !enc.explicit || tag.0 == 0xFFFE {
            return Ok((None, self.u32_at(pos + 4, enc.big_endian), 8));
        }
        let vr = [self.buf[pos + 4], self.buf[pos + 5]];
        if is_long_vr(vr) {
            if end - pos < 12 {
                return Err(malformed(tag, pos, "element header cut short"));
            }
            Ok((Some(vr), self.u32_at(pos + 8, enc.big_endian), 12))
        } else if is_known_vr(vr) {
            Ok((Some(vr), u32::from(self.u16_at(pos + 6, enc.big_endian)), 8))
        } else {
            Err(malformed(tag, pos, "unknown value representation"))
        }
    }

    /// Walks elements from `pos` to `end`, or to an item delimiter when `in_undefined_item`.
    fn elements(
        &mut self,
        mut pos: usize,
        end: usize,
        depth: u8,
        in_undefined_item: bool,
        enc: Encoding,
    ) -> Result<usize, DecodeError> {
        loop {
            if pos == end {
                if in_undefined_item {
                    return Err(malformed(
                        Tag(0xFFFE, 0xE00D),
                        pos,
                        "item delimiter missing",
                    ));
                }
                return Ok(pos);
            }
            if end - pos < 8 {
                if depth == 0 && !in_undefined_item {
                    self.trailing_ignored = end - pos;
                    return Ok(pos);
                }
                return Err(malformed(Tag(0, 0), pos, "element header cut short"));
            }
            let tag = self.tag_at(pos, enc);
            if tag.0 == 0xFFFE {
                if tag.1 == 0xE00D && in_undefined_item {
                    return Ok(pos + 8);
                }
                return Err(malformed(
                    tag,
                    pos,
                    "item or delimiter where an element was expected",
                ));
            }
            let (vr, len, header) = self.header(pos, end, enc, tag)?;
            let value_start = pos + header;
            let is_pixel = tag.0 == 0x7FE0 && matches!(tag.1, 0x0008 | 0x0009 | 0x0010);
            if len == UNDEFINED {
                let next = if tag == Tag(0x7FE0, 0x0010) {
                    let (next, items) = self.fragments(value_start, end)?;
                    if depth == 0 {
                        self.pixel = Some(PixelLocation {
                            tag,
                            start: pos,
                            end: next,
                            value: PixelValue::Encapsulated { items },
                            vr,
                        });
                    }
                    next
                } else {
                    let inner = match vr {
                        // An undefined-length UN holds implicit VR little endian (PS3.5 6.2.2).
                        Some(v) if &v == b"UN" => Encoding::IMPLICIT_LE,
                        Some(v) if &v == b"SQ" => enc,
                        None => enc,
                        Some(_) => {
                            return Err(malformed(
                                tag,
                                pos,
                                "undefined length on an element that is not a sequence",
                            ));
                        }
                    };
                    self.sequence(value_start, end, depth + 1, true, inner, tag)?
                };
                pos = next;
                continue;
            }
            let value_end = value_start
                .checked_add(len as usize)
                .filter(|e| *e <= end)
                .ok_or_else(|| {
                    malformed(tag, pos, "declared length runs past the end of the data")
                })?;
            if depth == 0 && is_pixel {
                self.pixel = Some(PixelLocation {
                    tag,
                    start: pos,
                    end: value_end,
                    value: PixelValue::Native {
                        start: value_start,
                        end: value_end,
                    },
                    vr,
                });
            }
            let is_sequence = match vr {
                Some(v) => &v == b"SQ",
                None => implicit_is_sequence(tag),
            };
            if is_sequence && len > 0 {
                self.sequence(value_start, value_end, depth + 1, false, enc, tag)?;
            }
            pos = value_end;
        }
    }

    /// Walks the items of a sequence; with `undefined` it ends at the sequence delimiter.
    fn sequence(
        &mut self,
        mut pos: usize,
        end: usize,
        depth: u8,
        undefined: bool,
        enc: Encoding,
        seq_tag: Tag,
    ) -> Result<usize, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(malformed(
                seq_tag,
                pos,
                "sequences nested more than 32 deep",
            ));
        }
        loop {
            if pos == end && !undefined {
                return Ok(pos);
            }
            if end - pos < 8 {
                return Err(malformed(seq_tag, pos, "sequence cut short"));
            }
            let tag = self.tag_at(pos, enc);
            let len = self.u32_at(pos + 4, enc.big_endian);
            match tag {
                Tag(0xFFFE, 0xE0DD) => return Ok(pos + 8),
                Tag(0xFFFE, 0xE000) if len == UNDEFINED => {
                    pos = self.elements(pos + 8, end, depth, true, enc)?;
                }
                Tag(0xFFFE, 0xE000) => {
                    let item_end = (pos + 8)
                        .checked_add(len as usize)
                        .filter(|e| *e <= end)
                        .ok_or_else(|| malformed(tag, pos, "item length runs past its sequence"))?;
                    self.elements(pos + 8, item_end, depth, false, enc)?;
                    pos = item_end;
                }
                _ => return Err(malformed(tag, pos, "expected an item in a sequence")),
            }
        }
    }

    /// Walks encapsulated pixel data: items of defined length up to the sequence delimiter.
    fn fragments(
        &self,
        mut pos: usize,
        end: usize,
    ) -> Result<(usize, Vec<(usize, usize)>), DecodeError> {
        // Encapsulated pixel data is always little endian (PS3.5 A.4).
        let enc = Encoding::EXPLICIT_LE;
        let mut items = Vec::new();
        loop {
            if end - pos < 8 {
                return Err(malformed(
                    Tag(0x7FE0, 0x0010),
                    pos,
                    "encapsulated pixel data cut short (no sequence delimiter)",
                ));
            }
            let tag = self.tag_at(pos, enc);
            let len = self.u32_at(pos + 4, false);
            match tag {
                Tag(0xFFFE, 0xE0DD) => return Ok((pos + 8, items)),
                Tag(0xFFFE, 0xE000) if len != UNDEFINED => {
                    let item_end = (pos + 8)
                        .checked_add(len as usize)
                        .filter(|e| *e <= end)
                        .ok_or_else(|| {
                            malformed(tag, pos, "fragment length runs past the end of the data")
                        })?;
                    items.push((pos + 8, item_end));
                    pos = item_end;
                }
                _ => {
                    return Err(malformed(
                        tag,
                        pos,
                        "expected a fragment item in pixel data",
                    ));
                }
            }
        }
    }
}

/// Whether the dictionary says this tag is a sequence (what dicom-parser assumes in implicit VR).
fn implicit_is_sequence(tag: Tag) -> bool {
    StandardDataDictionary
        .by_tag(CoreTag(tag.0, tag.1))
        .is_some_and(|e| matches!(e.vr(), VirtualVr::Exact(VR::SQ)))
}

/// Walks a whole data set. Fewer than 8 bytes left at the top level are ignored (some writers
/// pad files), anything else that does not fit is an error.
pub(crate) fn scan(buf: &[u8], enc: Encoding) -> Result<Scan, DecodeError> {
    let mut walker = Walker {
        buf,
        pixel: None,
        trailing_ignored: 0,
    };
    walker.elements(0, buf.len(), 0, false, enc)?;
    Ok(Scan {
        pixel: walker.pixel,
        trailing_ignored: walker.trailing_ignored,
    })
}

/// Reads the file meta group (always explicit VR little endian) starting at `pos`.
/// Returns the transfer syntax UID (if present) and where the data set starts.
pub(crate) fn meta_group(
    buf: &[u8],
    mut pos: usize,
) -> Result<(Option<String>, usize), DecodeError> {
    let walker = Walker {
        buf,
        pixel: None,
        trailing_ignored: 0,
    };
    let enc = Encoding::EXPLICIT_LE;
    let mut ts = None;
    while buf.len().saturating_sub(pos) >= 8 {
        let tag = walker.tag_at(pos, enc);
        if tag.0 != 0x0002 {
            break;
        }
        let (_, len, header) = walker.header(pos, buf.len(), enc, tag)?;
        let start = pos + header;
        let end = start
            .checked_add(len as usize)
            .filter(|e| *e <= buf.len() && len != UNDEFINED)
            .ok_or_else(|| malformed(tag, pos, "meta element length runs past the end"))?;
        if tag == Tag(0x0002, 0x0010) {
            let text = String::from_utf8_lossy(&buf[start..end]);
            ts = Some(
                text.trim_end_matches(|c: char| c == '\0' || c.is_whitespace())
                    .trim()
                    .to_owned(),
            );
        }
        pos = end;
    }
    Ok((ts, pos))
}

/// Guesses the encoding of a data set that has no meta group (or no transfer syntax in it)
/// from its first element: explicit when a known VR follows the tag.
pub(crate) fn guess_encoding(buf: &[u8]) -> Option<Encoding> {
    if buf.len() < 8 {
        return None;
    }
    let vr = [buf[4], buf[5]];
    let le_group = u16::from_le_bytes([buf[0], buf[1]]);
    let be_group = u16::from_be_bytes([buf[0], buf[1]]);
    let plausible = |g: u16| g.is_multiple_of(2) && g <= 0x0028;
    if is_known_vr(vr) {
        if plausible(le_group) {
            return Some(Encoding::EXPLICIT_LE);
        }
        if plausible(be_group) {
            return Some(Encoding::EXPLICIT_BE);
        }
        return None;
    }
    if plausible(le_group) {
        return Some(Encoding::IMPLICIT_LE);
    }
    None
}
