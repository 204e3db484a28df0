//! Colour models to RGB (PS3.3 C.7.6.3.1.2).

fn to8(v: f64, max: f64) -> u8 {
    (v.clamp(0.0, max) * 255.0 / max).round() as u8
}

/// YBR_FULL (and YBR_FULL_422 after upsampling) to RGB8, for samples of `bits` bits:
/// `R = Y + 1.402 (Cr - h)`, `G = Y - 0.344136 (Cb - h) - 0.714136 (Cr - h)`,
/// `B = Y + 1.772 (Cb - h)` with `h = 2^(bits-1)` (ITU-R BT.601 full range, as JFIF).
pub fn ybr_full_to_rgb8(y: i64, cb: i64, cr: i64, bits: u16) -> [u8; 3] {
    let bits = bits.clamp(1, 16);
    let max = f64::from((1u32 << bits) - 1);
    let half = f64::from(1u32 << (bits - 1));
    let (y, cb, cr) = (y as f64, cb as f64 - half, cr as f64 - half);
    [
        to8(y + 1.402 * cr, max),
        to8(y - 0.344_136 * cb - 0.714_136 * cr, max),
        to8(y + 1.772 * cb, max),
    ]
}

/// YBR_PARTIAL_420 / _422 to RGB8 (BT.601 studio range, 8-bit scaled to `bits`):
/// `R = 1.1644 (Y - 16) + 1.5960 (Cr - 128)`, `G = 1.1644 (Y - 16) - 0.3917 (Cb - 128) - 0.8129 (Cr - 128)`,
/// `B = 1.1644 (Y - 16) + 2.0172 (Cb - 128)`.
pub fn ybr_partial_to_rgb8(y: i64, cb: i64, cr: i64, bits: u16) -> [u8; 3] {
    let bits = bits.clamp(8, 16);
    let scale = f64::from(1u32 << (bits - 8));
    let max = f64::from((1u32 << bits) - 1);
    let (y, cb, cr) = (
        y as f64 - 16.0 * scale,
        cb as f64 - 128.0 * scale,
        cr as f64 - 128.0 * scale,
    );
    [
        to8(1.1644 * y + 1.5960 * cr, max),
        to8(1.1644 * y - 0.3917 * cb - 0.8129 * cr, max),
        to8(1.1644 * y + 2.0172 * cb, max),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_chroma_is_grey() {
        assert_eq!(ybr_full_to_rgb8(100, 128, 128, 8), [100, 100, 100]);
        assert_eq!(ybr_full_to_rgb8(0, 128, 128, 8), [0, 0, 0]);
        assert_eq!(ybr_full_to_rgb8(255, 128, 128, 8), [255, 255, 255]);
    }

    #[test]
    fn pure_red_round_trips() {
        // RGB (255,0,0) -> Y 76.245, Cb 84.97, Cr 255.5 (JFIF forward); stored rounded 76/85/255.
        assert_eq!(ybr_full_to_rgb8(76, 85, 255, 8), [254, 0, 0]);
    }
}
