//! JPEG baseline, extended and lossless (ISO 10918-1): jpeg-decoder for 8-bit DCT and all
//! lossless streams, our own `jpeg12` for 12-bit DCT. Colour is never converted here: the
//! decoder returns component values and the frame says which colour space they are in.

use jpeg_decoder::{ColorTransform, Decoder, PixelFormat};

use super::jpeg12::{self, SofInfo};
use super::{Decoded, check_dimensions, codec_error, unsupported};
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
        });
    }
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
    })
}

/// Little-endian bytes of `bytes_per_sample` (2 or 4) for each value.
fn widen(values: impl Iterator<Item = u16>, bytes_per_sample: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        if bytes_per_sample >= 4 {
            out.extend_from_slice(&u32::from(v).to_le_bytes());
        } else if bytes_per_sample == 2 {
            out.extend_from_slice(&v.to_le_bytes());
        } else {
            out.push(v as u8);
        }
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

enum StreamColour {
    YCbCr,
    Rgb,
}

fn stream_colour(data: &[u8]) -> Option<StreamColour> {
    let mut pos = 2;
    let mut jfif = false;
    let mut adobe: Option<u8> = None;
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
            0xEE if body.starts_with(b"Adobe") && body.len() >= 12 => adobe = Some(body[11]),
            0xC0..=0xCF if m != 0xC4 && m != 0xC8 && m != 0xCC && body.len() >= 15 => {
                ids = Some([body[6], body[9], body[12]]);
            }
            _ => {}
        }
        pos += 2 + len;
    }
    match (adobe, jfif, ids) {
        (Some(0), _, _) => Some(StreamColour::Rgb),
        (Some(1), _, _) => Some(StreamColour::YCbCr),
        (_, true, _) => Some(StreamColour::YCbCr),
        (_, _, Some([b'R', b'G', b'B'])) => Some(StreamColour::Rgb),
        _ => None,
    }
}
