//! Native (uncompressed) pixel data, and the conversion of every codec's output to stored
//! values: byte order (16- and 32-bit big endian), 1-bit unpacking, High Bit shift, masking to
//! Bits Stored, sign extension, planar configuration 1, and YBR_FULL_422 chroma expansion.

use crate::error::DecodeError;
use crate::frame::{Frame, Photometric, PixelData};
use crate::instance::ImagePixel;

/// How the bytes handed to [`to_pixel_data`] are laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Planar configuration 1: all of sample 0, then all of sample 1, ...
    pub(crate) planar: bool,
    pub(crate) big_endian: bool,
    /// Uncompressed YBR_FULL_422: `Y0 Y1 Cb Cr` for every two pixels.
    pub(crate) ybr422: bool,
    pub(crate) bytes_per_sample: usize,
}

/// Decodes one frame of native pixel data starting `start_bit` bits into `bytes`.
pub(crate) fn decode_native(
    bytes: &[u8],
    start_bit: u64,
    px: &ImagePixel,
    big_endian: bool,
) -> Result<Frame, DecodeError> {
    let frame_bits = px.native_frame_bits();
    let available = (bytes.len() as u64).saturating_mul(8);
    if start_bit.saturating_add(frame_bits) > available {
        return Err(DecodeError::PixelDataLength {
            expected: start_bit.saturating_add(frame_bits).div_ceil(8),
            actual: bytes.len() as u64,
        });
    }
    let spp = usize::from(px.samples_per_pixel);
    let count = px.rows as usize * px.columns as usize * spp;
    if px.bits_allocated == 1 {
        // Bit 0 of each byte is the first pixel (PS3.5 8.1.1 and D.1); frames need not start
        // on a byte boundary.
        let data = (0..count as u64)
            .map(|k| {
                let bit = start_bit + k;
                (bytes[(bit / 8) as usize] >> (bit % 8)) & 1
            })
            .collect();
        return Ok(frame(px, px.photometric.clone(), PixelData::U8(data)));
    }
    let start = (start_bit / 8) as usize;
    let end = start + (frame_bits / 8) as usize;
    let ybr422 = px.photometric == Photometric::YbrFull422 && spp == 3;
    let layout = Layout {
        planar: px.planar_configuration == 1 && spp == 3,
        big_endian,
        ybr422,
        bytes_per_sample: usize::from(px.bits_allocated / 8),
    };
    let photometric = if ybr422 {
        Photometric::YbrFull
    } else {
        px.photometric.clone()
    };
    to_pixel_data(&bytes[start..end], px, &layout, photometric)
}

fn frame(px: &ImagePixel, photometric: Photometric, data: PixelData) -> Frame {
    Frame {
        rows: px.rows,
        columns: px.columns,
        samples_per_pixel: px.samples_per_pixel,
        bits_allocated: px.bits_allocated,
        bits_stored: px.bits_stored,
        signed: px.signed,
        photometric,
        data,
    }
}

/// Converts decoded bytes (any layout) to interleaved stored values of `px`'s type.
pub(crate) fn to_pixel_data(
    bytes: &[u8],
    px: &ImagePixel,
    layout: &Layout,
    photometric: Photometric,
) -> Result<Frame, DecodeError> {
    let spp = usize::from(px.samples_per_pixel);
    let pixels = px.rows as usize * px.columns as usize;
    let count = if layout.ybr422 {
        if px.columns % 2 == 1 {
            return Err(DecodeError::InvalidAttribute {
                tag: crate::error::Tag(0x0028, 0x0011),
                name: "Columns",
                reason: format!(
                    "{} is odd, but YBR_FULL_422 needs pairs of pixels",
                    px.columns
                ),
            });
        }
        pixels * 2
    } else {
        pixels * spp
    };
    let bps = layout.bytes_per_sample;
    if !matches!(bps, 1 | 2 | 4) {
        return Err(DecodeError::InvalidAttribute {
            tag: crate::error::Tag(0x0028, 0x0100),
            name: "BitsAllocated",
            reason: format!("{} bytes per sample", bps),
        });
    }
    let needed = count as u64 * bps as u64;
    if (bytes.len() as u64) < needed {
        return Err(DecodeError::PixelDataLength {
            expected: needed,
            actual: bytes.len() as u64,
        });
    }
    let bits_stored = u32::from(px.bits_stored.min(32));
    let shift = u32::from(px.high_bit + 1)
        .saturating_sub(bits_stored)
        .min(31);
    let mask: u32 = if bits_stored >= 32 {
        u32::MAX
    } else {
        (1u32 << bits_stored) - 1
    };
    let sign_bit: u32 = 1u32 << (bits_stored.max(1) - 1);
    let unsigned = move |r: u32| (r >> shift) & mask;
    let signed = move |r: u32| {
        let v = (r >> shift) & mask;
        if v & sign_bit != 0 {
            (v | !mask) as i32
        } else {
            v as i32
        }
    };
    let be = layout.big_endian;
    let data = match (px.bits_allocated, px.signed) {
        (1 | 8, false) => PixelData::U8(shape(
            read(bytes, bps, be, count, |r| unsigned(r) as u8),
            pixels,
            spp,
            layout,
        )),
        (1 | 8, true) => PixelData::I8(shape(
            read(bytes, bps, be, count, |r| signed(r) as i8),
            pixels,
            spp,
            layout,
        )),
        (16, false) => PixelData::U16(shape(
            read(bytes, bps, be, count, |r| unsigned(r) as u16),
            pixels,
            spp,
            layout,
        )),
        (16, true) => PixelData::I16(shape(
            read(bytes, bps, be, count, |r| signed(r) as i16),
            pixels,
            spp,
            layout,
        )),
        (_, false) => PixelData::U32(shape(
            read(bytes, bps, be, count, unsigned),
            pixels,
            spp,
            layout,
        )),
        (_, true) => PixelData::I32(shape(
            read(bytes, bps, be, count, signed),
            pixels,
            spp,
            layout,
        )),
    };
    Ok(frame(px, photometric, data))
}

/// Little-endian grey samples of 16 bits allocated, one pass from the bytes (the common CT and
/// MR case): stored bits shifted down to bit 0, masked, and sign-extended when signed. `None`
/// for anything else.
pub(crate) fn grey16_le(bytes: &[u8], px: &ImagePixel) -> Option<Frame> {
    if px.bits_allocated != 16 || px.samples_per_pixel != 1 || !(1..=16).contains(&px.bits_stored) {
        return None;
    }
    let pixels = px.rows as usize * px.columns as usize;
    let bytes = bytes.get(..pixels * 2)?;
    let bits = px.bits_stored;
    let shift = (px.high_bit + 1).saturating_sub(bits).min(15);
    let mask: u16 = if bits >= 16 { u16::MAX } else { (1u16 << bits) - 1 };
    // Fixed-size chunks: a stride the compiler knows, so the loop vectorizes.
    let words = bytes.as_chunks::<2>().0.iter().map(move |c| (u16::from_le_bytes(*c) >> shift) & mask);
    let data = if px.signed {
        let up = 16 - bits;
        PixelData::I16(words.map(move |v| ((v << up) as i16) >> up).collect())
    } else {
        PixelData::U16(words.collect())
    };
    Some(frame(px, px.photometric.clone(), data))
}

/// Little-endian grey samples of 32 bits allocated (RT dose), one pass like [`grey16_le`].
pub(crate) fn grey32_le(bytes: &[u8], px: &ImagePixel) -> Option<Frame> {
    if px.bits_allocated != 32 || px.samples_per_pixel != 1 || !(1..=32).contains(&px.bits_stored) {
        return None;
    }
    let pixels = px.rows as usize * px.columns as usize;
    let bytes = bytes.get(..pixels * 4)?;
    let bits = u32::from(px.bits_stored);
    let shift = (u32::from(px.high_bit) + 1).saturating_sub(bits).min(31);
    let mask: u32 = if bits >= 32 { u32::MAX } else { (1u32 << bits) - 1 };
    let words = bytes.as_chunks::<4>().0.iter().map(move |c| (u32::from_le_bytes(*c) >> shift) & mask);
    let data = if px.signed {
        let up = 32 - bits;
        PixelData::I32(words.map(move |v| ((v << up) as i32) >> up).collect())
    } else {
        PixelData::U32(words.collect())
    };
    Some(frame(px, px.photometric.clone(), data))
}

/// Samples of 8 bits allocated and stored, interleaved (grey, or colour by pixel): the bytes
/// are the values.
pub(crate) fn whole_bytes8(bytes: &[u8], px: &ImagePixel) -> Option<Frame> {
    if px.bits_allocated != 8 || px.bits_stored != 8 || px.high_bit != 7 || (px.samples_per_pixel > 1 && px.planar_configuration != 0) {
        return None;
    }
    let n = px.rows as usize * px.columns as usize * usize::from(px.samples_per_pixel);
    let bytes = bytes.get(..n)?;
    let data = if px.signed { PixelData::I8(bytes.iter().map(|b| *b as i8).collect()) } else { PixelData::U8(bytes.to_vec()) };
    Some(frame(px, px.photometric.clone(), data))
}

fn read<T>(
    bytes: &[u8],
    bps: usize,
    big_endian: bool,
    count: usize,
    f: impl Fn(u32) -> T,
) -> Vec<T> {
    let bytes = &bytes[..count * bps];
    match (bps, big_endian) {
        (1, _) => bytes.iter().map(move |b| f(u32::from(*b))).collect(),
        (2, false) => bytes
            .as_chunks::<2>()
            .0
            .iter()
            .map(move |c| f(u32::from(u16::from_le_bytes(*c))))
            .collect(),
        (2, true) => bytes
            .as_chunks::<2>()
            .0
            .iter()
            .map(move |c| f(u32::from(u16::from_be_bytes(*c))))
            .collect(),
        (_, false) => bytes
            .as_chunks::<4>()
            .0
            .iter()
            .map(move |c| f(u32::from_le_bytes(*c)))
            .collect(),
        (_, true) => bytes
            .as_chunks::<4>()
            .0
            .iter()
            .map(move |c| f(u32::from_be_bytes(*c)))
            .collect(),
    }
}

/// Planar to interleaved, and 4:2:2 to full chroma.
fn shape<T: Copy>(v: Vec<T>, pixels: usize, spp: usize, layout: &Layout) -> Vec<T> {
    if layout.ybr422 {
        let mut out = Vec::with_capacity(pixels * 3);
        for q in v.chunks_exact(4) {
            out.extend_from_slice(&[q[0], q[2], q[3], q[1], q[2], q[3]]);
        }
        return out;
    }
    if layout.planar && spp > 1 {
        let mut out = Vec::with_capacity(pixels * spp);
        for i in 0..pixels {
            for s in 0..spp {
                out.push(v[s * pixels + i]);
            }
        }
        return out;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn px(bits_allocated: u16, bits_stored: u16, signed: bool, spp: u16) -> ImagePixel {
        ImagePixel {
            rows: 1,
            columns: 2,
            samples_per_pixel: spp,
            bits_allocated,
            bits_stored,
            high_bit: bits_stored - 1,
            signed,
            photometric: if spp == 3 {
                Photometric::Rgb
            } else {
                Photometric::Monochrome2
            },
            planar_configuration: 0,
            number_of_frames: 1,
        }
    }

    #[test]
    fn twelve_bit_signed_is_sign_extended_and_high_bits_dropped() {
        // 0xF800 has overlay garbage in bits 12-15 and -2048 in the low 12 bits.
        let p = px(16, 12, true, 1);
        let f = decode_native(&[0x00, 0xF8, 0xFF, 0x07], 0, &p, false).expect("decodes");
        assert_eq!(f.data, PixelData::I16(vec![-2048, 2047]));
    }

    #[test]
    fn thirty_two_bit_big_endian() {
        let p = px(32, 32, false, 1);
        let f = decode_native(&[0, 0, 1, 2, 0x80, 0, 0, 0], 0, &p, true).expect("decodes");
        assert_eq!(f.data, PixelData::U32(vec![0x0102, 0x8000_0000]));
    }

    #[test]
    fn planar_rgb_is_interleaved() {
        let mut p = px(8, 8, false, 3);
        p.planar_configuration = 1;
        let f = decode_native(&[1, 2, 3, 4, 5, 6], 0, &p, false).expect("decodes");
        assert_eq!(f.data, PixelData::U8(vec![1, 3, 5, 2, 4, 6]));
    }

    #[test]
    fn ybr_full_422_is_expanded() {
        let mut p = px(8, 8, false, 3);
        p.photometric = Photometric::YbrFull422;
        let f = decode_native(&[10, 20, 100, 200], 0, &p, false).expect("decodes");
        assert_eq!(f.photometric, Photometric::YbrFull);
        assert_eq!(f.data, PixelData::U8(vec![10, 100, 200, 20, 100, 200]));
    }

    #[test]
    fn one_bit_frames_start_mid_byte() {
        let mut p = px(1, 1, false, 1);
        p.columns = 3;
        // Frame 1 starts at bit 3: bits 3,4,5 of 0b0010_1000 are 1,0,1.
        let f = decode_native(&[0b0010_1000], 3, &p, false).expect("decodes");
        assert_eq!(f.data, PixelData::U8(vec![1, 0, 1]));
    }

    #[test]
    fn short_data_is_an_error_not_a_panic() {
        let p = px(16, 16, false, 1);
        assert!(matches!(
            decode_native(&[1, 2, 3], 0, &p, false),
            Err(DecodeError::PixelDataLength {
                expected: 4,
                actual: 3
            })
        ));
    }
}
