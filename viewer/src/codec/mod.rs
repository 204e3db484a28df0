//! Frame decoding, one module per family of transfer syntaxes. Every codec output goes through
//! `native::to_pixel_data`, so masking, sign extension and the memory checks happen in one place.

mod j2k;
mod jpeg;
pub(crate) mod jpeg12;
mod jpegls;
pub(crate) mod native;
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
}

pub(crate) fn decode_frame(inst: &Instance, index: u32) -> Result<Frame, DecodeError> {
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
            native::decode_native(bytes, start_bit, px, *big_endian)
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

fn decode_encapsulated(
    inst: &Instance,
    data: &[u8],
    index: u32,
    syntax: &TransferSyntax,
) -> Result<Frame, DecodeError> {
    let px = &inst.pixel;
    let decoded = match syntax {
        TransferSyntax::EncapsulatedUncompressed => {
            return native::decode_native(data, 0, px, false);
        }
        TransferSyntax::DeflatedImageFrame => {
            let limit = px.native_frame_bits().div_ceil(8).max(1);
            let raw = crate::instance::inflate_frame(data, limit, syntax)?;
            return native::decode_native(&raw, 0, px, false);
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
    let layout = Layout {
        planar: decoded.planar,
        big_endian: false,
        ybr422: false,
        bytes_per_sample: decoded.bytes_per_sample,
    };
    native::to_pixel_data(&decoded.bytes, px, &layout, decoded.photometric)
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
