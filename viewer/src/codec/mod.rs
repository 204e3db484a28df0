//! Frame decoding, one module per family of transfer syntaxes. Every module checks the frame's
//! header (codestream dimensions, segment tables, lengths) and then decodes through
//! dicom-pixeldata (`pixeldata`) where it is exact on the pydicom corpus, or through our own code
//! for its documented gaps; each result says which path it took. Every output goes through
//! `native::to_pixel_data`, so masking, sign extension and the memory checks happen in one place.

mod j2k;
mod jpeg;
pub(crate) mod jpeg12;
mod jpegls;
pub(crate) mod native;
mod pixeldata;
pub(crate) mod rle;

use std::borrow::Cow;

use crate::error::{DecodeError, clean};
use crate::frame::{Frame, Photometric};
use crate::instance::{ImagePixel, Instance, PixelSource};
use crate::syntax::TransferSyntax;

pub(crate) use native::Layout;

/// What a codec hands back: samples in little-endian bytes, interleaved or planar, with the
/// photometric interpretation they are now in.
pub(crate) struct Decoded {
    pub(crate) bytes: Vec<u8>,
    pub(crate) bytes_per_sample: usize,
    pub(crate) planar: bool,
    pub(crate) photometric: Photometric,
    /// Which decoder produced it: [`pixeldata::PATH`] or `"meridian: <gap>"`.
    pub(crate) path: &'static str,
}

/// Decodes frame `index` and says which decoder did it (`"dicom-pixeldata"` or
/// `"meridian: <gap>"`).
pub(crate) fn decode_frame(
    inst: &Instance,
    index: u32,
) -> Result<(Frame, &'static str), DecodeError> {
    let px = &inst.pixel;
    if index >= px.number_of_frames {
        return Err(DecodeError::FrameOutOfRange {
            index,
            count: px.number_of_frames,
        });
    }
    let syntax = &inst.syntax;
    match &inst.source {
        PixelSource::Native { bytes, big_endian } => {
            let bits = px.native_frame_bits();
            let start_bit = bits.saturating_mul(u64::from(index));
            decode_native(bytes, start_bit, px, *big_endian, syntax, index)
        }
        PixelSource::Encapsulated { buf, frames } => {
            let parts = frames
                .get(index as usize)
                .ok_or(DecodeError::FrameOutOfRange {
                    index,
                    count: px.number_of_frames,
                })?;
            let data: Cow<'_, [u8]> = match parts.as_slice() {
                [(s, e)] => Cow::Borrowed(&buf[*s..*e]),
                many => Cow::Owned(
                    many.iter()
                        .flat_map(|(s, e)| buf[*s..*e].iter().copied())
                        .collect(),
                ),
            };
            decode_encapsulated(inst, &data, index, syntax)
        }
    }
}

/// Native frames: grey 16-bit little endian is converted here in one pass (dicom-pixeldata's
/// route copies it twice); dicom-pixeldata copies other little-endian samples of 8, 16 or 32
/// bits in interleaved colour; the rest (1-bit frames, which may start mid-byte, big endian, planar
/// configuration 1, uncompressed YBR_FULL_422) is ours.
fn decode_native(
    bytes: &[u8],
    start_bit: u64,
    px: &ImagePixel,
    big_endian: bool,
    syntax: &TransferSyntax,
    index: u32,
) -> Result<(Frame, &'static str), DecodeError> {
    let gap = if px.bits_allocated == 1 {
        Some("meridian: 1-bit")
    } else if big_endian {
        Some("meridian: big endian")
    } else if !matches!(px.bits_allocated, 8 | 16 | 32) {
        Some("meridian: bits allocated not 8, 16 or 32")
    } else if px.samples_per_pixel > 1 && px.planar_configuration == 1 {
        Some("meridian: planar configuration 1")
    } else if px.photometric == Photometric::YbrFull422 {
        Some("meridian: uncompressed YBR_FULL_422")
    } else {
        None
    };
    if let Some(gap) = gap {
        return native::decode_native(bytes, start_bit, px, big_endian).map(|f| (f, gap));
    }
    // Bits allocated is a multiple of 8 here, so every frame starts on a byte.
    let frame_bytes = px.native_frame_bits() / 8;
    let start = start_bit / 8;
    let available = bytes.len() as u64;
    if start.saturating_add(frame_bytes) > available {
        return Err(DecodeError::PixelDataLength {
            expected: start.saturating_add(frame_bytes),
            actual: available,
        });
    }
    // Both bounds are within `bytes` (checked just above), so the casts and the slice hold.
    let slice = &bytes[start as usize..(start + frame_bytes) as usize];
    // Grey 16-bit little endian (most CT and MR): one pass from the bytes, where going through
    // dicom-pixeldata would copy the frame twice (4x slower on a 512 x 512 CT).
    if let Some(f) = native::grey16_le(slice, px) {
        return Ok((f, "meridian: native 16-bit grey"));
    }
    if let Some(f) = native::grey32_le(slice, px) {
        return Ok((f, "meridian: native 32-bit grey"));
    }
    if let Some(f) = native::whole_bytes8(slice, px) {
        return Ok((f, "meridian: native 8-bit"));
    }
    let out = pixeldata::decode(pixeldata::Source::NativeLe(slice), px, syntax, index)?;
    let layout = Layout {
        planar: false,
        big_endian: false,
        ybr422: false,
        bytes_per_sample: usize::from(px.bits_allocated / 8),
    };
    native::to_pixel_data(&out, px, &layout, px.photometric.clone()).map(|f| (f, pixeldata::PATH))
}

fn decode_encapsulated(
    inst: &Instance,
    data: &[u8],
    index: u32,
    syntax: &TransferSyntax,
) -> Result<(Frame, &'static str), DecodeError> {
    let px = &inst.pixel;
    let decoded = match syntax {
        TransferSyntax::EncapsulatedUncompressed => {
            return decode_native(data, 0, px, false, syntax, index);
        }
        TransferSyntax::DeflatedImageFrame => {
            let limit = px.native_frame_bits().div_ceil(8).max(1);
            let raw = crate::instance::inflate_frame(data, limit, syntax)?;
            return decode_native(&raw, 0, px, false, syntax, index);
        }
        TransferSyntax::RleLossless => rle::decode(data, px, syntax, index)?,
        TransferSyntax::JpegBaseline
        | TransferSyntax::JpegExtended
        | TransferSyntax::JpegLossless
        | TransferSyntax::JpegLosslessSv1 => jpeg::decode(data, px, syntax, index, &inst.limits)?,
        TransferSyntax::JpegLsLossless | TransferSyntax::JpegLsNearLossless => {
            jpegls::decode(data, px, syntax, index, &inst.limits)?
        }
        TransferSyntax::Jpeg2000Lossless
        | TransferSyntax::Jpeg2000
        | TransferSyntax::Htj2kLossless
        | TransferSyntax::Htj2kLosslessRpcl
        | TransferSyntax::Htj2k => j2k::decode(data, px, syntax, index, &inst.limits)?,
        other => {
            return Err(DecodeError::UnsupportedTransferSyntax {
                uid: other.uid().to_owned(),
            });
        }
    };
    // Grey 16-bit samples (most CT/MR codecs' output): one pass to values.
    if decoded.bytes_per_sample == 2 && !decoded.planar && px.samples_per_pixel == 1 && decoded.photometric == px.photometric
        && let Some(f) = native::grey16_le(&decoded.bytes, px)
    {
        return Ok((f, decoded.path));
    }
    let layout = Layout {
        planar: decoded.planar,
        big_endian: false,
        ybr422: false,
        bytes_per_sample: decoded.bytes_per_sample,
    };
    native::to_pixel_data(&decoded.bytes, px, &layout, decoded.photometric)
        .map(|f| (f, decoded.path))
}

/// A codec failure, with the library's words cut to printable ASCII.
pub(crate) fn codec_error(
    syntax: &TransferSyntax,
    frame: u32,
    reason: impl AsRef<str>,
) -> DecodeError {
    DecodeError::Codec {
        transfer_syntax: syntax.uid().to_owned(),
        frame,
        reason: clean(reason.as_ref(), 160),
    }
}

/// A refusal for a combination we do not decode.
pub(crate) fn unsupported(
    syntax: &TransferSyntax,
    px: &ImagePixel,
    reason: impl Into<String>,
) -> DecodeError {
    DecodeError::Unsupported {
        transfer_syntax: syntax.uid().to_owned(),
        bits_allocated: px.bits_allocated,
        bits_stored: px.bits_stored,
        photometric: px.photometric.to_string(),
        reason: reason.into(),
    }
}

/// The codestream's matrix must be the data set's, so that a forged header cannot make a
/// decoder allocate more than the limits already allowed for.
pub(crate) fn check_dimensions(
    syntax: &TransferSyntax,
    px: &ImagePixel,
    frame: u32,
    width: u32,
    height: u32,
    components: u32,
) -> Result<(), DecodeError> {
    if width != px.columns || height != px.rows {
        return Err(codec_error(
            syntax,
            frame,
            format!(
                "stream is {width}x{height} but the data set declares {}x{} (columns x rows)",
                px.columns, px.rows
            ),
        ));
    }
    if components != u32::from(px.samples_per_pixel) {
        return Err(codec_error(
            syntax,
            frame,
            format!(
                "stream has {components} component(s) but the data set declares {} sample(s) per pixel",
                px.samples_per_pixel
            ),
        ));
    }
    Ok(())
}
