//! Lookup tables: modality, VOI and palette tables (PS3.3 C.11 and C.7.6.3.1.5-6), and the
//! expansion of segmented palette data (PS3.3 C.7.9.2).

use std::fmt;

/// A lookup table: `data[0]` is the output for `first_mapped`; inputs below map to the first
/// entry and inputs above to the last (PS3.3 C.11.1.1.1).
#[derive(Clone, PartialEq, Eq)]
pub struct Lut {
    first_mapped: i32,
    bits: u16,
    data: Vec<u16>,
}

impl fmt::Debug for Lut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Lut {{ first_mapped: {}, bits: {}, entries: {} }}",
            self.first_mapped,
            self.bits,
            self.data.len()
        )
    }
}

impl Lut {
    /// A table from its descriptor values and data. `bits` is clamped to 1..=16; an empty table
    /// gets one zero entry so that lookups stay total.
    pub fn new(first_mapped: i32, bits: u16, mut data: Vec<u16>) -> Self {
        if data.is_empty() {
            data.push(0);
        }
        Self {
            first_mapped,
            bits: bits.clamp(1, 16),
            data,
        }
    }

    /// The input value mapped to the first entry.
    pub fn first_mapped(&self) -> i32 {
        self.first_mapped
    }

    /// Bits per entry from the descriptor.
    pub fn bits(&self) -> u16 {
        self.bits
    }

    /// The entries.
    pub fn data(&self) -> &[u16] {
        &self.data
    }

    /// The output for input `x`, clamped to the table.
    pub fn lookup(&self, x: i64) -> u16 {
        let i = (x - i64::from(self.first_mapped)).clamp(0, self.data.len() as i64 - 1);
        self.data[i as usize]
    }

    /// The largest output the descriptor allows (2^bits - 1).
    pub fn max_output(&self) -> u16 {
        ((1u32 << self.bits) - 1) as u16
    }
}

/// One channel of a palette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteChannel {
    /// The table; its bits are 8 or 16.
    pub lut: Lut,
}

impl PaletteChannel {
    /// The 8-bit intensity for palette index `x`.
    pub fn value8(&self, x: i64) -> u8 {
        let v = self.lut.lookup(x);
        if self.lut.bits() > 8 {
            (v >> 8) as u8
        } else {
            // 8-bit entries stored in 16-bit words keep their value in the low byte.
            (v & 0xFF) as u8
        }
    }
}

/// Red, green and blue palette tables of a PALETTE COLOR image (supplemental palettes and
/// Enhanced Palette Color are not handled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    /// Red table.
    pub red: PaletteChannel,
    /// Green table.
    pub green: PaletteChannel,
    /// Blue table.
    pub blue: PaletteChannel,
}

impl Palette {
    /// The colour of index `x`.
    pub fn rgb8(&self, x: i64) -> [u8; 3] {
        [
            self.red.value8(x),
            self.green.value8(x),
            self.blue.value8(x),
        ]
    }
}

/// Expands segmented palette data (PS3.3 C.7.9.2: discrete, linear and indirect segments) to
/// `entries` values. Returns `None` when the data is malformed or expands to fewer entries.
pub fn expand_segmented(words: &[u16], entries: usize) -> Option<Vec<u16>> {
    let mut out: Vec<u16> = Vec::with_capacity(entries);
    expand_into(words, 0, words.len(), &mut out, entries, 0)?;
    if out.len() < entries {
        return None;
    }
    out.truncate(entries);
    Some(out)
}

fn expand_into(
    words: &[u16],
    mut pos: usize,
    end: usize,
    out: &mut Vec<u16>,
    entries: usize,
    depth: u8,
) -> Option<()> {
    // Indirect segments may not point at indirect segments (C.7.9.2), so one level suffices;
    // the depth check keeps a malformed table from recursing forever.
    if depth > 1 {
        return None;
    }
    while pos < end && out.len() < entries {
        let opcode = *words.get(pos)?;
        let length = usize::from(*words.get(pos + 1)?);
        match opcode {
            0 => {
                let values = words.get(pos + 2..pos + 2 + length)?;
                out.extend_from_slice(values);
                pos += 2 + length;
            }
            1 => {
                let y1 = f64::from(*words.get(pos + 2)?);
                let y0 = f64::from(*out.last()?);
                for i in 1..=length {
                    let y = y0 + (y1 - y0) * i as f64 / length as f64;
                    out.push(y.round() as u16);
                }
                pos += 3;
            }
            2 => {
                let count = length;
                let lo = usize::from(*words.get(pos + 2)?);
                let hi = usize::from(*words.get(pos + 3)?);
                let offset = (hi << 16) | lo;
                // Walk `count` segments starting at word `offset`.
                let mut p = offset;
                for _ in 0..count {
                    let seg_len = segment_len(words, p)?;
                    expand_into(words, p, p + seg_len, out, entries, depth + 1)?;
                    p += seg_len;
                }
                pos += 4;
            }
            _ => return None,
        }
    }
    Some(())
}

fn segment_len(words: &[u16], pos: usize) -> Option<usize> {
    let opcode = *words.get(pos)?;
    let length = usize::from(*words.get(pos + 1)?);
    match opcode {
        0 => Some(2 + length),
        1 => Some(3),
        2 => Some(4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_clamps_below_and_above() {
        let lut = Lut::new(-2, 16, vec![10, 20, 30]);
        assert_eq!(lut.lookup(-100), 10);
        assert_eq!(lut.lookup(-2), 10);
        assert_eq!(lut.lookup(-1), 20);
        assert_eq!(lut.lookup(0), 30);
        assert_eq!(lut.lookup(5000), 30);
    }

    #[test]
    fn segmented_discrete_linear_and_indirect() {
        // discrete [0, 10], linear 4 steps to 50, indirect: repeat the first (discrete) segment.
        let words = [0, 2, 0, 10, 1, 4, 50, 2, 1, 0, 0];
        let out = expand_segmented(&words, 8).expect("valid");
        assert_eq!(out, vec![0, 10, 20, 30, 40, 50, 0, 10]);
    }

    #[test]
    fn segmented_too_short_is_refused() {
        assert_eq!(expand_segmented(&[0, 2, 1, 2], 4), None);
        assert_eq!(expand_segmented(&[7, 1, 1], 1), None);
    }
}
