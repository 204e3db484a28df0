//! RLE Lossless (PS3.5 annex G): a 64-byte header of segment offsets, then one PackBits segment
//! per byte plane, most significant byte first, sample by sample. Works for any number of bytes
//! per sample, so 32-bit (RT dose) frames decode like 8- and 16-bit ones.

use super::{Decoded, codec_error, unsupported};
use crate::error::DecodeError;
use crate::instance::ImagePixel;
use crate::syntax::TransferSyntax;

pub(crate) fn decode(
    data: &[u8],
    px: &ImagePixel,
    syntax: &TransferSyntax,
    frame: u32,
) -> Result<Decoded, DecodeError> {
    if px.bits_allocated == 1 {
        return Err(unsupported(syntax, px, "1-bit RLE is not supported"));
    }
    let bps = usize::from(px.bits_allocated / 8);
    let spp = usize::from(px.samples_per_pixel);
    let pixels = px.rows as usize * px.columns as usize;
    let err = |reason: String| codec_error(syntax, frame, reason);
    if data.len() < 64 {
        return Err(err(format!(
            "RLE header needs 64 bytes, fragment has {}",
            data.len()
        )));
    }
    let word = |i: usize| {
        u32::from_le_bytes([
            data[4 * i],
            data[4 * i + 1],
            data[4 * i + 2],
            data[4 * i + 3],
        ])
    };
    let segments = word(0) as usize;
    if segments != bps * spp {
        return Err(err(format!(
            "RLE header lists {segments} segment(s), expected {} ({} sample(s) x {} byte(s))",
            bps * spp,
            spp,
            bps
        )));
    }
    let offsets: Vec<usize> = (1..=segments).map(|i| word(i) as usize).collect();
    for (k, &start) in offsets.iter().enumerate() {
        let end = offsets.get(k + 1).copied().unwrap_or(data.len());
        if start < 64 || start > end || end > data.len() {
            return Err(err(format!(
                "RLE segment {k} offset is outside the fragment"
            )));
        }
    }
    // 8 and 16 bits allocated: each segment is unpacked into its byte plane with slice copies
    // and fills, and the planes are interleaved into little-endian samples in one pass (about
    // twice as fast as dicom-pixeldata's adapter, which also panics on a short segment).
    if bps <= 2 {
        let mut planes = Vec::with_capacity(offsets.len());
        for (k, &start) in offsets.iter().enumerate() {
            let end = offsets.get(k + 1).copied().unwrap_or(data.len());
            let plane = unpack_plane(&data[start..end], pixels);
            if plane.len() < pixels {
                return Err(err(format!(
                    "RLE segment {k} decodes to {} bytes, frame needs {pixels}",
                    plane.len()
                )));
            }
            planes.push(plane);
        }
        let bytes = match (bps, spp) {
            (1, 1) => planes.swap_remove(0),
            (2, 1) => planes[0].iter().zip(&planes[1]).flat_map(|(hi, lo)| [*lo, *hi]).collect(),
            _ => {
                let mut out = vec![0u8; pixels * spp * bps];
                for (k, plane) in planes.iter().enumerate() {
                    let (sample, byte) = (k / bps, bps - 1 - (k % bps));
                    let stride = spp * bps;
                    for (i, v) in plane.iter().enumerate() {
                        out[sample * bps + byte + i * stride] = *v;
                    }
                }
                out
            }
        };
        return Ok(Decoded {
            bytes,
            bytes_per_sample: bps,
            planar: false,
            photometric: px.photometric.clone(),
            path: "meridian: RLE",
        });
    }
    let mut out = vec![0u8; pixels * spp * bps];
    for (k, &start) in offsets.iter().enumerate() {
        let end = offsets.get(k + 1).copied().unwrap_or(data.len());
        let sample = k / bps;
        // Segment 0 of a sample is its most significant byte; our bytes are little endian.
        let byte = bps - 1 - (k % bps);
        let stride = spp * bps;
        let base = sample * bps + byte;
        let written = unpack(&data[start..end], pixels, |i, v| out[base + i * stride] = v);
        if written < pixels {
            return Err(err(format!(
                "RLE segment {k} decodes to {written} bytes, frame needs {pixels}"
            )));
        }
    }
    Ok(Decoded {
        bytes: out,
        bytes_per_sample: bps,
        planar: false,
        photometric: px.photometric.clone(),
        path: "meridian: RLE over 16 bits allocated",
    })
}

/// One PackBits segment into a plane of at most `limit` bytes (fewer when the segment is short).
fn unpack_plane(src: &[u8], limit: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(limit);
    let mut pos = 0;
    while pos < src.len() && out.len() < limit {
        let n = src[pos] as i8;
        pos += 1;
        if n >= 0 {
            let count = (n as usize + 1).min(limit - out.len());
            let end = (pos + count).min(src.len());
            out.extend_from_slice(&src[pos..end]);
            pos += n as usize + 1;
        } else if n != -128 {
            let Some(&b) = src.get(pos) else { break };
            pos += 1;
            let count = ((1 - isize::from(n)) as usize).min(limit - out.len());
            out.resize(out.len() + count, b);
        }
    }
    out
}

/// PackBits: `n` in 0..=127 copies `n + 1` bytes, -127..=-1 repeats the next byte `1 - n` times,
/// -128 does nothing. Stops after `limit` bytes; returns how many were written.
pub(crate) fn unpack(src: &[u8], limit: usize, mut put: impl FnMut(usize, u8)) -> usize {
    let mut i = 0;
    let mut pos = 0;
    while pos < src.len() && i < limit {
        let n = src[pos] as i8;
        pos += 1;
        if n >= 0 {
            let count = n as usize + 1;
            let Some(run) = src.get(pos..pos + count) else {
                // A literal run cut short: take what is there.
                for &b in &src[pos..] {
                    if i < limit {
                        put(i, b);
                        i += 1;
                    }
                }
                break;
            };
            for &b in run {
                if i == limit {
                    break;
                }
                put(i, b);
                i += 1;
            }
            pos += count;
        } else if n != -128 {
            let Some(&b) = src.get(pos) else { break };
            pos += 1;
            for _ in 0..(1 - n as isize) {
                if i == limit {
                    break;
                }
                put(i, b);
                i += 1;
            }
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packbits_literal_and_replicate() {
        let mut out = Vec::new();
        // literal [1,2,3], repeat 9 four times, no-op, literal [7]
        let n = unpack(&[2, 1, 2, 3, 0xFD, 9, 0x80, 0, 7], 100, |_, v| out.push(v));
        assert_eq!(n, 8);
        assert_eq!(out, vec![1, 2, 3, 9, 9, 9, 9, 7]);
    }

    #[test]
    fn packbits_stops_at_limit() {
        let mut out = Vec::new();
        let n = unpack(&[0x81, 5], 3, |_, v| out.push(v));
        assert_eq!((n, out), (3, vec![5, 5, 5]));
    }
}
