//! JPEG 2000 and HTJ2K through OpenJPEG (`meridian-openjpeg`): several threads for tiles of
//! 256 x 256 pixels and more, where decoding code blocks in parallel pays; one for smaller tiles,
//! where OpenJPEG's thread hand-offs cost more than they gain.

use super::{Decoded, check_dimensions, codec_error, unsupported};
use crate::error::DecodeError;
use crate::frame::Photometric;
use crate::instance::{ImagePixel, Limits};
use crate::syntax::TransferSyntax;

/// The image and tile size (SIZ) marker: width, height, components, subsampling all 1.
struct Siz {
    /// Where the codestream (SOC) starts: OpenJPEG decodes from here, so the checks below
    /// concern the very codestream it reads (a JP2 wrapper before it is skipped).
    start: usize,
    /// Tiles in the image.
    tiles: u64,
    width: u32,
    height: u32,
    components: u32,
    subsampled: bool,
    /// The largest component precision in bits (Ssiz & 0x7F, plus one).
    precision: u32,
    /// Pixels in one tile (at most the image).
    tile_pixels: u64,
}

/// Tiles of at least this many pixels are decoded on several threads.
const THREADED_TILE: u64 = 256 * 256;
/// The most tiles a frame may declare.
const MAX_TILES: u64 = 4096;

fn read_siz(data: &[u8]) -> Option<Siz> {
    // The codestream starts with SOC + SIZ, either at the start or inside a JP2 `jp2c` box.
    let start = data
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])?;
    let s = data.get(start + 4..)?;
    let u32_at =
        |i: usize| -> Option<u32> { Some(u32::from_be_bytes(s.get(i..i + 4)?.try_into().ok()?)) };
    let (xsiz, ysiz, xo, yo) = (u32_at(4)?, u32_at(8)?, u32_at(12)?, u32_at(16)?);
    let (xt, yt) = (u32_at(20)?, u32_at(24)?);
    let csiz = u32::from(u16::from_be_bytes([*s.get(36)?, *s.get(37)?]));
    let subsampled = (0..csiz as usize)
        .any(|c| s.get(38 + 3 * c + 1) != Some(&1) || s.get(38 + 3 * c + 2) != Some(&1));
    let precision = (0..csiz as usize)
        .map(|c| s.get(38 + 3 * c).map(|b| u32::from(b & 0x7F) + 1))
        .try_fold(0, |max, p| p.map(|p| max.max(p)))?;
    let (width, height) = (xsiz.checked_sub(xo)?, ysiz.checked_sub(yo)?);
    let (xto, yto) = (u32_at(28)?, u32_at(32)?);
    if xt == 0 || yt == 0 {
        return None;
    }
    let tiles = u64::from(xsiz.saturating_sub(xto)).div_ceil(u64::from(xt)) * u64::from(ysiz.saturating_sub(yto)).div_ceil(u64::from(yt));
    Some(Siz {
        start,
        tiles,
        tile_pixels: u64::from(xt.min(width)) * u64::from(yt.min(height)),
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
    // OpenJPEG sets up every tile before decoding: a stream cut into tiny tiles costs memory
    // and time out of all proportion (real images use one tile or a few hundred).
    if siz.tiles > MAX_TILES {
        return Err(codec_error(syntax, frame, format!("the codestream declares {} tiles (at most {MAX_TILES} are decoded)", siz.tiles)));
    }
    if siz.subsampled {
        return Err(unsupported(
            syntax,
            px,
            "JPEG 2000 with subsampled components is not supported",
        ));
    }
    // OpenJPEG holds every component as i32 while decoding.
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
    let threads = if siz.tile_pixels >= THREADED_TILE {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    } else {
        1
    };
    let image = meridian_openjpeg::decode(&data[siz.start..], threads).map_err(|e| codec_error(syntax, frame, e.0))?;
    let components = image.components();
    let first = components.first().ok_or_else(|| codec_error(syntax, frame, "no components"))?;
    check_dimensions(syntax, px, frame, first.width, first.height, components.len() as u32)?;
    let pixels = px.rows as usize * px.columns as usize;
    if components.iter().any(|c| c.data.len() != pixels || c.subsampling != (1, 1)) {
        return Err(codec_error(syntax, frame, "a decoded component does not have rows x columns values"));
    }
    if components.iter().any(|c| c.precision as usize > bytes_per_sample * 8) {
        return Err(unsupported(syntax, px, "JPEG 2000 precision above bits allocated"));
    }
    // Each value's two's complement truncated to the container, interleaved; `to_pixel_data`
    // then masks or sign-extends by Bits Stored as the data set declares (which also settles a
    // codestream whose signedness disagrees with Pixel Representation, as pydicom does).
    let spp = components.len();
    let mut bytes = vec![0u8; pixels * spp * bytes_per_sample];
    match (spp, bytes_per_sample) {
        (1, 2) => {
            for (out, v) in bytes.as_chunks_mut::<2>().0.iter_mut().zip(first.data) {
                *out = (*v as u16).to_le_bytes();
            }
        }
        (1, 1) => {
            for (out, v) in bytes.iter_mut().zip(first.data) {
                *out = *v as u8;
            }
        }
        _ => {
            for (c, component) in components.iter().enumerate() {
                for (i, v) in component.data.iter().enumerate() {
                    let at = (i * spp + c) * bytes_per_sample;
                    bytes[at..at + bytes_per_sample].copy_from_slice(&v.to_le_bytes()[..bytes_per_sample]);
                }
            }
        }
    }
    Ok(Decoded {
        bytes,
        bytes_per_sample,
        planar: false,
        photometric: decoded_photometric(px),
        path: "meridian: OpenJPEG",
    })
}

/// OpenJPEG undoes the multi-component transform, so YBR_ICT/YBR_RCT come back as RGB.
fn decoded_photometric(px: &ImagePixel) -> Photometric {
    match px.photometric {
        Photometric::YbrIct | Photometric::YbrRct => Photometric::Rgb,
        ref other => other.clone(),
    }
}
