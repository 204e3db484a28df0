//! JPEG baseline, extended and lossless (ISO 10918-1): dicom-pixeldata's adapter (jpeg-decoder)
//! where its output is exact, jpeg-decoder called directly with our colour transform where its
//! default colour guess is wrong, and our own `jpeg12` for 12-bit DCT. The frame says which
//! colour space the values are in.

use jpeg_decoder::{ColorTransform, Decoder, PixelFormat};

use super::jpeg12::{self, SofInfo};
use super::{Decoded, check_dimensions, codec_error, pixeldata, unsupported};
use crate::error::DecodeError;
use crate::frame::Photometric;
use crate::instance::{ImagePixel, Limits};
use crate::syntax::TransferSyntax;

pub(crate) fn decode(
    data: &[u8],
    px: &ImagePixel,
    syntax: &TransferSyntax,
    frame: u32,
    limits: &Limits,
) -> Result<Decoded, DecodeError> {
    let sof = jpeg12::read_sof(data)
        .ok_or_else(|| codec_error(syntax, frame, "no JPEG frame header (SOF) found"))?;
    check_dimensions(syntax, px, frame, sof.width, sof.height, sof.components)?;
    if matches!(sof.marker, 9..=15) {
        return Err(unsupported(
            syntax,
            px,
            "arithmetic-coded JPEG is not supported",
        ));
    }
    if sof.marker == 2 && sof.precision > 8 {
        return Err(unsupported(
            syntax,
            px,
            "12-bit progressive JPEG is not supported",
        ));
    }
    let photometric = colour_space(data, &sof, px);
    let bytes_per_sample = usize::from(px.bits_allocated.div_ceil(8)).max(1);
    if matches!(sof.marker, 0 | 1) && sof.precision == 12 {
        let max = limits.max_frame_bytes / 2;
        let img = jpeg12::decode(data, max).map_err(|e| codec_error(syntax, frame, e))?;
        check_dimensions(syntax, px, frame, img.width, img.height, img.components)?;
        if bytes_per_sample < 2 {
            return Err(unsupported(syntax, px, "12-bit JPEG in 8 bits allocated"));
        }
        let bytes = widen(img.samples.iter().copied(), bytes_per_sample);
        return Ok(Decoded {
            bytes,
            bytes_per_sample,
            planar: false,
            photometric,
            path: "meridian: 12-bit JPEG extended",
        });
    }
    // Single-component lossless (most lossless CT/MR): our decoder, about twice as fast as
    // jpeg-decoder's.
    if sof.marker == 3 && sof.components == 1 && bytes_per_sample >= 2 {
        let max = limits.max_frame_bytes / 2;
        if let Some(result) = jpeg12::decode_lossless(data, max) {
            let img = result.map_err(|e| codec_error(syntax, frame, e))?;
            check_dimensions(syntax, px, frame, img.width, img.height, img.components)?;
            return Ok(Decoded {
                bytes: widen(img.samples.iter().copied(), bytes_per_sample),
                bytes_per_sample,
                planar: false,
                photometric,
                path: "meridian: JPEG lossless",
            });
        }
    }
    if let Some(gap) = pixeldata_gap(data, &sof, &photometric, bytes_per_sample) {
        let colour = (photometric, bytes_per_sample);
        return decode_ours(data, px, syntax, frame, limits, &sof, colour, gap);
    }
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
    // jpeg-decoder writes 16-bit samples in native byte order; ours are little endian.
    let bytes = if bytes_per_sample == 2 && cfg!(target_endian = "big") {
        bytes.chunks_exact(2).flat_map(|c| [c[1], c[0]]).collect()
    } else {
        bytes
    };
    let photometric = match photometric {
        // The decoder converted YCbCr to RGB (lossless frames are never converted).
        Photometric::YbrFull if sof.components == 3 && sof.marker != 3 => Photometric::Rgb,
        other => other,
    };
    Ok(Decoded {
        bytes,
        bytes_per_sample,
        planar: false,
        photometric,
        path: pixeldata::PATH,
    })
}

/// Why this frame is not one for dicom-pixeldata's JPEG adapter, if it is not. The adapter
/// copies jpeg-decoder's output into a buffer of Bits Allocated without widening it, and sets
/// no colour transform.
fn pixeldata_gap(
    data: &[u8],
    sof: &SofInfo,
    photometric: &Photometric,
    bytes_per_sample: usize,
) -> Option<&'static str> {
    let fits = if sof.precision <= 8 {
        bytes_per_sample == 1
    } else {
        bytes_per_sample == 2
    };
    if !fits {
        return Some("meridian: JPEG precision and bits allocated differ in width");
    }
    match sof.components {
        1 => None,
        // Lossless frames are never colour converted by jpeg-decoder.
        3 if sof.marker == 3 => None,
        3 => {
            let wanted = match photometric {
                Photometric::YbrFull => Some(StreamColour::YCbCr),
                Photometric::Rgb => Some(StreamColour::Rgb),
                _ => None,
            };
            if wanted.is_some() && wanted == default_colour(data) {
                None
            } else {
                Some("meridian: no colour transform JPEG")
            }
        }
        _ => Some("meridian: JPEG with 2 or 4 components"),
    }
}

/// jpeg-decoder called directly, with the colour transform `colour_space` chose.
#[allow(clippy::too_many_arguments)]
fn decode_ours(
    data: &[u8],
    px: &ImagePixel,
    syntax: &TransferSyntax,
    frame: u32,
    limits: &Limits,
    sof: &SofInfo,
    (photometric, bytes_per_sample): (Photometric, usize),
    path: &'static str,
) -> Result<Decoded, DecodeError> {
    // jpeg-decoder's "no transform" path is broken for three components (it writes planes
    // into an interleaved line and panics), so colour DCT frames are converted by the decoder:
    // from YCbCr when the stream is YCbCr, copied when it is RGB. Lossless frames are never
    // converted by jpeg-decoder, so they keep the colour space `colour_space` found.
    let (transform, photometric) = match (sof.components, sof.marker, &photometric) {
        (3, 3, _) => (ColorTransform::None, photometric),
        (3, _, Photometric::YbrFull) => (ColorTransform::YCbCr, Photometric::Rgb),
        (3, _, _) => (ColorTransform::RGB, Photometric::Rgb),
        _ => (ColorTransform::Grayscale, photometric),
    };
    let max_buffer = usize::try_from(limits.max_frame_bytes).unwrap_or(usize::MAX);
    // A panic inside a third-party decoder must not take the viewer down with it.
    let decoded = std::panic::catch_unwind(|| {
        let mut decoder = Decoder::new(data);
        decoder.set_max_decoding_buffer_size(max_buffer);
        decoder.set_color_transform(transform);
        let out = decoder.decode();
        out.map(|o| (o, decoder.info()))
    })
    .map_err(|_| codec_error(syntax, frame, "jpeg-decoder panicked on this stream"))?;
    let (out, info) = decoded.map_err(|e| codec_error(syntax, frame, e.to_string()))?;
    let info =
        info.ok_or_else(|| codec_error(syntax, frame, "decoder returned no image information"))?;
    let components = match info.pixel_format {
        PixelFormat::L8 | PixelFormat::L16 => 1,
        PixelFormat::RGB24 => 3,
        PixelFormat::CMYK32 => 4,
    };
    check_dimensions(
        syntax,
        px,
        frame,
        u32::from(info.width),
        u32::from(info.height),
        components,
    )?;
    let bytes = match (info.pixel_format, bytes_per_sample) {
        (PixelFormat::L16, 1) => {
            return Err(unsupported(
                syntax,
                px,
                "JPEG precision above 8 bits in 8 bits allocated",
            ));
        }
        // jpeg-decoder writes 16-bit samples in native byte order.
        (PixelFormat::L16, _) => widen(
            out.chunks_exact(2)
                .map(|c| u16::from_ne_bytes([c[0], c[1]])),
            bytes_per_sample,
        ),
        (_, 1) => out,
        _ => widen(out.iter().map(|b| u16::from(*b)), bytes_per_sample),
    };
    Ok(Decoded {
        bytes,
        bytes_per_sample,
        planar: false,
        photometric,
        path,
    })
}

/// Little-endian bytes of `bytes_per_sample` (2 or 4) for each value.
fn widen(values: impl Iterator<Item = u16>, bytes_per_sample: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.size_hint().0 * bytes_per_sample);
    if bytes_per_sample >= 4 {
        out.extend(values.flat_map(|v| u32::from(v).to_le_bytes()));
    } else if bytes_per_sample == 2 {
        out.extend(values.flat_map(u16::to_le_bytes));
    } else {
        out.extend(values.map(|v| v as u8));
    }
    out
}

/// What colour space the coded components are in. A JFIF marker or an Adobe APP14 transform
/// flag, or component ids `R`,`G`,`B`, are the encoder's own statement and win; without them the
/// data set's Photometric Interpretation decides (this is how "no colour transform" RGB JPEG is
/// told apart from YCbCr, which jpeg-decoder alone would convert).
fn colour_space(data: &[u8], sof: &SofInfo, px: &ImagePixel) -> Photometric {
    if sof.components != 3 {
        return px.photometric.clone();
    }
    let from_dataset = match px.photometric {
        Photometric::Rgb => Photometric::Rgb,
        Photometric::YbrFull | Photometric::YbrFull422 => Photometric::YbrFull,
        ref other => other.clone(),
    };
    // Lossless JPEG carries no colour transform.
    if sof.marker == 3 {
        return from_dataset;
    }
    match stream_colour(data) {
        Some(StreamColour::YCbCr) => Photometric::YbrFull,
        Some(StreamColour::Rgb) => Photometric::Rgb,
        None => from_dataset,
    }
}

#[derive(PartialEq)]
enum StreamColour {
    YCbCr,
    Rgb,
}

/// What the stream says about its colour space, before the scan.
struct Markers {
    jfif: bool,
    /// The Adobe APP14 transform flag.
    adobe: Option<u8>,
    /// Whether that marker's name is NUL-terminated ("Adobe\0"), which jpeg-decoder requires.
    adobe_nul: bool,
    /// The first three component identifiers of the frame header.
    ids: Option<[u8; 3]>,
}

fn stream_colour(data: &[u8]) -> Option<StreamColour> {
    let Markers {
        jfif, adobe, ids, ..
    } = markers(data);
    match (adobe, jfif, ids) {
        (Some(0), _, _) => Some(StreamColour::Rgb),
        (Some(1), _, _) => Some(StreamColour::YCbCr),
        (_, true, _) => Some(StreamColour::YCbCr),
        (_, _, Some([b'R', b'G', b'B'])) => Some(StreamColour::Rgb),
        _ => None,
    }
}

/// What jpeg-decoder does with three components when no transform is set (its
/// `determine_color_transform`: component ids first, then JFIF, then Adobe), so that a frame
/// goes to dicom-pixeldata, which sets none, only when that equals what `colour_space` found.
fn default_colour(data: &[u8]) -> Option<StreamColour> {
    let Markers {
        jfif,
        adobe,
        adobe_nul,
        ids,
    } = markers(data);
    match ids {
        Some([1, 2, 3]) => return Some(StreamColour::YCbCr),
        Some([b'R', b'G', b'B']) => return Some(StreamColour::Rgb),
        // The JCS_BG_YCC and JCS_BG_RGB ids: big-gamut spaces, neither ours nor DICOM's.
        Some([1, 34, 35]) | Some([b'r', b'g', b'b']) => return None,
        _ => {}
    }
    if jfif {
        return Some(StreamColour::YCbCr);
    }
    match adobe.filter(|_| adobe_nul) {
        Some(0) => Some(StreamColour::Rgb),
        Some(1) | None => Some(StreamColour::YCbCr),
        Some(_) => None,
    }
}

fn markers(data: &[u8]) -> Markers {
    let mut pos = 2;
    let mut jfif = false;
    let mut adobe: Option<u8> = None;
    let mut adobe_nul = false;
    let mut ids: Option<[u8; 3]> = None;
    while pos + 4 <= data.len() {
        if data[pos] != 0xFF {
            pos += 1;
            continue;
        }
        let m = data[pos + 1];
        if m == 0xFF {
            pos += 1;
            continue;
        }
        if m == 0xDA || m == 0xD9 {
            break;
        }
        if m == 0x01 || (0xD0..=0xD8).contains(&m) {
            pos += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([data[pos + 2], data[pos + 3]]));
        let body = data.get(pos + 4..pos + 2 + len).unwrap_or(&[]);
        match m {
            0xE0 if body.starts_with(b"JFIF\0") => jfif = true,
            0xEE if body.starts_with(b"Adobe") && body.len() >= 12 => {
                adobe = Some(body[11]);
                adobe_nul = body[5] == 0;
            }
            0xC0..=0xCF if m != 0xC4 && m != 0xC8 && m != 0xCC && body.len() >= 15 => {
                ids = Some([body[6], body[9], body[12]]);
            }
            _ => {}
        }
        pos += 2 + len;
    }
    Markers {
        jfif,
        adobe,
        adobe_nul,
        ids,
    }
}
