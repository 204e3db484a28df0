//! Errors: what could not be decoded and why, named by transfer syntax, attribute tag, bit depth
//! and photometric interpretation, never by a value of the data set.
//!
//! A DICOM data set holds the patient's name, identifiers and dates, so no message here quotes an
//! element's value. The only input-derived texts are transfer syntax UIDs and photometric
//! interpretations (both cut to 64 printable ASCII characters, since a broken file can put
//! anything there), numbers that describe the pixel matrix, and byte offsets. Messages of the
//! codec libraries are passed through cut the same way: they describe bitstreams, not patients.

use std::fmt;

/// A data element tag, shown as `(gggg,eeee)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u16, pub u16);

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:04X},{:04X})", self.0, self.1)
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why a file, a frame or a volume could not be decoded. Every variant says what to look at.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Neither a preamble with `DICM` nor a plausible first element was found.
    #[error(
        "not a DICOM file: {reason} (hint: expected `DICM` at byte 128 or a data set starting with group 0002 or 0008)"
    )]
    NotDicom {
        /// What was seen instead, in words.
        reason: &'static str,
    },
    /// An element's header or declared length does not fit the bytes that are there.
    #[error(
        "malformed data set: element {tag} at byte {offset}: {reason} (hint: the file is truncated or not in the transfer syntax it declares)"
    )]
    Malformed {
        /// The element being read.
        tag: Tag,
        /// Where its header starts, counted from the start of the data set.
        offset: u64,
        /// What is wrong, in words.
        reason: &'static str,
    },
    /// The structure passed our checks but dicom-object refused it.
    #[error(
        "the data set could not be parsed (transfer syntax {transfer_syntax}) (hint: check the file with dciodvfy or dcmdump)"
    )]
    Parse {
        /// The transfer syntax UID used to read it.
        transfer_syntax: String,
    },
    /// A required attribute is absent.
    #[error(
        "missing attribute {name} {tag} (hint: the object has no image or is not a standard image IOD)"
    )]
    MissingAttribute {
        /// The tag.
        tag: Tag,
        /// Its keyword.
        name: &'static str,
    },
    /// An attribute that describes the pixel matrix has a value we cannot use.
    #[error("invalid {name} {tag}: {reason}")]
    InvalidAttribute {
        /// The tag.
        tag: Tag,
        /// Its keyword.
        name: &'static str,
        /// What is wrong with it (numbers only).
        reason: String,
    },
    /// The transfer syntax is not one we decode.
    #[error(
        "unsupported transfer syntax {uid} (hint: supported are implicit/explicit VR little endian, explicit VR big endian, deflated, encapsulated uncompressed, RLE, JPEG baseline/extended/lossless, JPEG-LS and JPEG 2000)"
    )]
    UnsupportedTransferSyntax {
        /// The UID.
        uid: String,
    },
    /// The combination of transfer syntax, bit depth and photometric interpretation is one we
    /// refuse rather than risk showing a wrong image.
    #[error(
        "refused to decode: {reason} (transfer syntax {transfer_syntax}, {bits_allocated} bits allocated, {bits_stored} stored, {photometric})"
    )]
    Unsupported {
        /// The transfer syntax UID.
        transfer_syntax: String,
        /// Bits Allocated (0028,0100).
        bits_allocated: u16,
        /// Bits Stored (0028,0101).
        bits_stored: u16,
        /// Photometric Interpretation (0028,0004).
        photometric: String,
        /// Why, in words.
        reason: String,
    },
    /// The pixel data element is shorter than the matrix it declares.
    #[error(
        "pixel data too short: {actual} bytes for {expected} expected from rows x columns x samples x bits x frames (hint: the file is truncated)"
    )]
    PixelDataLength {
        /// Bytes needed.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// Decoding would need more memory than allowed.
    #[error(
        "{what} needs {needed} bytes, over the limit of {limit} (hint: raise the limit in `Limits` or open fewer frames)"
    )]
    TooLarge {
        /// What was about to be allocated.
        what: &'static str,
        /// Bytes it would need (saturated at `u64::MAX`).
        needed: u64,
        /// The limit in force.
        limit: u64,
    },
    /// A frame index past the last frame.
    #[error("frame {index} out of range: the object has {count} frame(s)")]
    FrameOutOfRange {
        /// Requested index (0-based).
        index: u32,
        /// Number of frames.
        count: u32,
    },
    /// Frames that should stack into one volume do not match.
    #[error("cannot build the volume: {reason} (hint: split the series by orientation and size)")]
    MixedFrames {
        /// What differs.
        reason: &'static str,
    },
    /// A compressed frame could not be decoded.
    #[error("frame {frame} could not be decoded ({transfer_syntax}): {reason}")]
    Codec {
        /// The transfer syntax UID.
        transfer_syntax: String,
        /// Frame index (0-based).
        frame: u32,
        /// The codec's words, cut to printable ASCII.
        reason: String,
    },
}

/// Cut an input-derived or library text to at most `max` printable ASCII characters.
pub(crate) fn clean(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}
