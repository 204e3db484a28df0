//! JPEG-LS lossless and near-lossless (ISO 14495-1) through CharLS.

use charls::CharLS;

use super::jpeg12::read_sof;
use super::{Decoded, check_dimensions, codec_error, pixeldata, unsupported};
use crate::error::DecodeError;
use crate::instance::{ImagePixel, Limits};
use crate::syntax::TransferSyntax;

pub(crate) fn decode(
    data: &[u8],
    px: &ImagePixel,
    syntax: &TransferSyntax,
    frame: u32,
    limits: &Limits,
) -> Result<Decoded, DecodeError> {
    let sof = read_sof(data)
        .filter(|s| s.marker == 0xF7)
        .ok_or_else(|| codec_error(syntax, frame, "no JPEG-LS frame header (SOF55) found"))?;
    check_dimensions(syntax, px, frame, sof.width, sof.height, sof.components)?;
    if !(2..=16).contains(&sof.precision) {
        return Err(codec_error(
            syntax,
            frame,
            format!("precision {} outside 2..16", sof.precision),
        ));
    }
    let out_bps: usize = if sof.precision <= 8 { 1 } else { 2 };
    let expected =
        px.rows as usize * px.columns as usize * usize::from(px.samples_per_pixel) * out_bps;
    if expected as u64 > limits.max_frame_bytes {
        return Err(DecodeError::TooLarge {
            what: "one decoded frame",
            needed: expected as u64,
            limit: limits.max_frame_bytes,
        });
    }
    let bytes_per_sample = usize::from(px.bits_allocated / 8).max(1);
    if out_bps > bytes_per_sample {
        return Err(unsupported(
            syntax,
            px,
            "JPEG-LS precision above 8 bits in 8 bits allocated",
        ));
    }
    // dicom-pixeldata's adapter hands back CharLS's output unchanged; it accepts 8 and 16 bits
    // allocated, so 32-bit containers call CharLS directly. Either way the output is checked,
    // de-planed and widened below, because the adapter does neither.
    let (out, path) = if matches!(px.bits_allocated, 8 | 16) {
        let out = pixeldata::decode(pixeldata::Source::Encapsulated(data), px, syntax, frame)?;
        (out, pixeldata::PATH)
    } else {
        let out = std::panic::catch_unwind(|| CharLS::default().decode(data))
            .map_err(|_| codec_error(syntax, frame, "CharLS panicked on this stream"))?
            .map_err(|e| codec_error(syntax, frame, e.to_string()))?;
        (out, "meridian: JPEG-LS in 32 bits allocated")
    };
    if out.len() != expected {
        return Err(codec_error(
            syntax,
            frame,
            format!("decoder returned {} bytes, expected {expected}", out.len()),
        ));
    }
    // CharLS returns colour planes separately when the stream is not interleaved (ILV 0).
    let planar = px.samples_per_pixel == 3 && interleave_mode(data) == Some(0);
    let bytes = if out_bps == bytes_per_sample {
        out
    } else {
        let mut wide = Vec::with_capacity(out.len() / out_bps * bytes_per_sample);
        for chunk in out.chunks_exact(out_bps) {
            let v = if out_bps == 1 {
                u32::from(chunk[0])
            } else {
                u32::from(u16::from_ne_bytes([chunk[0], chunk[1]]))
            };
            wide.extend_from_slice(&v.to_le_bytes()[..bytes_per_sample]);
        }
        wide
    };
    let bytes = if out_bps == 2 && bytes_per_sample == 2 && cfg!(target_endian = "big") {
        bytes.chunks_exact(2).flat_map(|c| [c[1], c[0]]).collect()
    } else {
        bytes
    };
    Ok(Decoded {
        bytes,
        bytes_per_sample,
        planar,
        photometric: px.photometric.clone(),
        path,
    })
}

/// The ILV byte of the first scan header: 0 none, 1 line, 2 sample.
fn interleave_mode(data: &[u8]) -> Option<u8> {
    let mut pos = 2;
    while pos + 4 <= data.len() {
        if data[pos] != 0xFF || data[pos + 1] == 0xFF {
            pos += 1;
            continue;
        }
        let m = data[pos + 1];
        let len = usize::from(u16::from_be_bytes([data[pos + 2], data[pos + 3]]));
        if m == 0xDA {
            let body = data.get(pos + 4..pos + 2 + len)?;
            let ns = usize::from(*body.first()?);
            return body.get(1 + 2 * ns + 1).copied();
        }
        pos += 2 + len;
    }
    None
}
