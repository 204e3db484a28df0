//! JPEG 2000 and HTJ2K through `jpeg2k` on the pure-Rust `openjp2` port of OpenJPEG.

use super::{Decoded, check_dimensions, codec_error, pixeldata, unsupported};
use crate::error::DecodeError;
use crate::frame::Photometric;
use crate::instance::{ImagePixel, Limits};
use crate::syntax::TransferSyntax;

/// The image and tile size (SIZ) marker: width, height, components, subsampling all 1.
struct Siz {
    width: u32,
    height: u32,
    components: u32,
    subsampled: bool,
    /// The largest component precision in bits (Ssiz & 0x7F, plus one).
    precision: u32,
}

fn read_siz(data: &[u8]) -> Option<Siz> {
    // The codestream starts with SOC + SIZ, either at the start or inside a JP2 `jp2c` box.
    let at = data
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])?
        + 4;
    let s = data.get(at..)?;
    let u32_at =
        |i: usize| -> Option<u32> { Some(u32::from_be_bytes(s.get(i..i + 4)?.try_into().ok()?)) };
    let (xsiz, ysiz, xo, yo) = (u32_at(4)?, u32_at(8)?, u32_at(12)?, u32_at(16)?);
    let csiz = u32::from(u16::from_be_bytes([*s.get(36)?, *s.get(37)?]));
    let subsampled = (0..csiz as usize)
        .any(|c| s.get(38 + 3 * c + 1) != Some(&1) || s.get(38 + 3 * c + 2) != Some(&1));
    let precision = (0..csiz as usize)
        .map(|c| s.get(38 + 3 * c).map(|b| u32::from(b & 0x7F) + 1))
        .try_fold(0, |max, p| p.map(|p| max.max(p)))?;
    Some(Siz {
        precision,
        width: xsiz.checked_sub(xo)?,
        height: ysiz.checked_sub(yo)?,
        components: csiz,
        subsampled,
    })
}

pub(crate) fn decode(
    data: &[u8],
    px: &ImagePixel,
    syntax: &TransferSyntax,
    frame: u32,
    limits: &Limits,
) -> Result<Decoded, DecodeError> {
    let siz = read_siz(data).ok_or_else(|| {
        codec_error(
            syntax,
            frame,
            "no JPEG 2000 codestream header (SOC, SIZ) found",
        )
    })?;
    check_dimensions(syntax, px, frame, siz.width, siz.height, siz.components)?;
    if siz.subsampled {
        return Err(unsupported(
            syntax,
            px,
            "JPEG 2000 with subsampled components is not supported",
        ));
    }
    // openjp2 holds every component as i32 while decoding.
    let working = u64::from(siz.width) * u64::from(siz.height) * u64::from(siz.components) * 4;
    if working > limits.max_frame_bytes.saturating_mul(2) {
        return Err(DecodeError::TooLarge {
            what: "JPEG 2000 decoding buffers",
            needed: working,
            limit: limits.max_frame_bytes.saturating_mul(2),
        });
    }
    let bytes_per_sample = usize::from(px.bits_allocated / 8).max(1);
    if siz.precision as usize > bytes_per_sample * 8 {
        return Err(unsupported(
            syntax,
            px,
            "JPEG 2000 precision above bits allocated",
        ));
    }
    // dicom-pixeldata's adapter (the same jpeg2k/openjp2 underneath) writes each component's
    // values as little-endian Bits Allocated, interleaved, for 8 and 16 bits allocated.
    if matches!(px.bits_allocated, 8 | 16) {
        let bytes = pixeldata::decode(pixeldata::Source::Encapsulated(data), px, syntax, frame)?;
        let expected = px.rows as usize
            * px.columns as usize
            * usize::from(px.samples_per_pixel)
            * bytes_per_sample;
        if bytes.len() != expected {
            return Err(codec_error(
                syntax,
                frame,
                format!(
                    "decoder returned {} bytes, expected {expected}",
                    bytes.len()
                ),
            ));
        }
        return Ok(Decoded {
            bytes,
            bytes_per_sample,
            planar: false,
            photometric: decoded_photometric(px),
            path: pixeldata::PATH,
        });
    }
    // A panic inside a third-party decoder must not take the viewer down with it.
    let image = std::panic::catch_unwind(|| jpeg2k::Image::from_bytes(data))
        .map_err(|_| {
            codec_error(
                syntax,
                frame,
                "the JPEG 2000 decoder panicked on this stream",
            )
        })?
        .map_err(|e| codec_error(syntax, frame, e.to_string()))?;
    let components = image.components();
    check_dimensions(
        syntax,
        px,
        frame,
        image.width(),
        image.height(),
        components.len() as u32,
    )?;
    let pixels = px.rows as usize * px.columns as usize;
    if components.iter().any(|c| c.data().len() != pixels) {
        return Err(codec_error(
            syntax,
            frame,
            "a decoded component does not have rows x columns values",
        ));
    }
    if components
        .iter()
        .any(|c| c.precision() as usize > bytes_per_sample * 8)
    {
        return Err(unsupported(
            syntax,
            px,
            "JPEG 2000 precision above bits allocated",
        ));
    }
    let spp = components.len();
    let mut bytes = Vec::with_capacity(pixels * spp * bytes_per_sample);
    for i in 0..pixels {
        for c in components {
            // Two's complement truncated to the container; `to_pixel_data` then masks or
            // sign-extends by Bits Stored, as the data set declares.
            bytes.extend_from_slice(&c.data()[i].to_le_bytes()[..bytes_per_sample]);
        }
    }
    Ok(Decoded {
        bytes,
        bytes_per_sample,
        planar: false,
        photometric: decoded_photometric(px),
        path: "meridian: JPEG 2000 in 32 bits allocated",
    })
}

/// OpenJPEG undoes the multi-component transform, so YBR_ICT/YBR_RCT come back as RGB.
fn decoded_photometric(px: &ImagePixel) -> Photometric {
    match px.photometric {
        Photometric::YbrIct | Photometric::YbrRct => Photometric::Rgb,
        ref other => other.clone(),
    }
}
