//! Decoded frames: stored values, interleaved, with what is needed to interpret them.

use std::fmt;

/// Photometric Interpretation (0028,0004) of a frame.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Photometric {
    /// 0 is white.
    Monochrome1,
    /// 0 is black.
    Monochrome2,
    /// One sample indexing the red, green and blue palette tables.
    PaletteColor,
    /// Red, green, blue.
    Rgb,
    /// Y, Cb, Cr at full resolution (PS3.3 C.7.6.3.1.2).
    YbrFull,
    /// Y, Cb, Cr with chroma halved horizontally (decoded frames are expanded to `YbrFull`).
    YbrFull422,
    /// Y, Cb, Cr, chroma halved both ways, partial range.
    YbrPartial420,
    /// Irreversible colour transform of JPEG 2000 (decoders return RGB).
    YbrIct,
    /// Reversible colour transform of JPEG 2000 (decoders return RGB).
    YbrRct,
    /// Anything else, cut to printable ASCII.
    Other(String),
}

impl Photometric {
    /// Parses the defined term (surrounding spaces ignored).
    pub fn parse(text: &str) -> Self {
        match text.trim_matches(|c: char| c == ' ' || c == '\0') {
            "MONOCHROME1" => Self::Monochrome1,
            "MONOCHROME2" => Self::Monochrome2,
            "PALETTE COLOR" => Self::PaletteColor,
            "RGB" => Self::Rgb,
            "YBR_FULL" => Self::YbrFull,
            "YBR_FULL_422" => Self::YbrFull422,
            "YBR_PARTIAL_420" => Self::YbrPartial420,
            "YBR_ICT" => Self::YbrIct,
            "YBR_RCT" => Self::YbrRct,
            other => Self::Other(crate::error::clean(other, 32)),
        }
    }

    /// The defined term.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Monochrome1 => "MONOCHROME1",
            Self::Monochrome2 => "MONOCHROME2",
            Self::PaletteColor => "PALETTE COLOR",
            Self::Rgb => "RGB",
            Self::YbrFull => "YBR_FULL",
            Self::YbrFull422 => "YBR_FULL_422",
            Self::YbrPartial420 => "YBR_PARTIAL_420",
            Self::YbrIct => "YBR_ICT",
            Self::YbrRct => "YBR_RCT",
            Self::Other(s) => s,
        }
    }

    /// MONOCHROME1 or MONOCHROME2.
    pub fn is_monochrome(&self) -> bool {
        matches!(self, Self::Monochrome1 | Self::Monochrome2)
    }
}

impl fmt::Display for Photometric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Photometric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stored values of one frame, interleaved by pixel (`R G B R G B ...` for colour), in the
/// narrowest type that holds Bits Allocated with the Pixel Representation's sign. Values are
/// already masked to Bits Stored (unsigned) or sign-extended from it (signed).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PixelData {
    /// 1 (unpacked to 0/1) or 8 bits, unsigned.
    U8(Vec<u8>),
    /// 8 bits, signed.
    I8(Vec<i8>),
    /// 16 bits, unsigned.
    U16(Vec<u16>),
    /// 16 bits, signed.
    I16(Vec<i16>),
    /// 32 bits, unsigned (e.g. RT dose).
    U32(Vec<u32>),
    /// 32 bits, signed.
    I32(Vec<i32>),
}

impl PixelData {
    /// Number of samples (pixels x samples per pixel).
    pub fn len(&self) -> usize {
        match self {
            Self::U8(v) => v.len(),
            Self::I8(v) => v.len(),
            Self::U16(v) => v.len(),
            Self::I16(v) => v.len(),
            Self::U32(v) => v.len(),
            Self::I32(v) => v.len(),
        }
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sample `i` widened to `i64`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<i64> {
        match self {
            Self::U8(v) => v.get(i).map(|x| i64::from(*x)),
            Self::I8(v) => v.get(i).map(|x| i64::from(*x)),
            Self::U16(v) => v.get(i).map(|x| i64::from(*x)),
            Self::I16(v) => v.get(i).map(|x| i64::from(*x)),
            Self::U32(v) => v.get(i).map(|x| i64::from(*x)),
            Self::I32(v) => v.get(i).map(|x| i64::from(*x)),
        }
    }

    /// All samples widened to `i64` (for comparisons and tests; allocates).
    pub fn to_i64(&self) -> Vec<i64> {
        (0..self.len()).filter_map(|i| self.get(i)).collect()
    }

    /// Bytes per sample in memory.
    pub fn bytes_per_sample(&self) -> usize {
        match self {
            Self::U8(_) | Self::I8(_) => 1,
            Self::U16(_) | Self::I16(_) => 2,
            Self::U32(_) | Self::I32(_) => 4,
        }
    }

    /// A copy of `len` samples from `start` (clipped to what there is).
    pub fn slice(&self, start: usize, len: usize) -> PixelData {
        fn part<T: Copy>(v: &[T], start: usize, len: usize) -> Vec<T> {
            let a = start.min(v.len());
            v[a..(a + len).min(v.len())].to_vec()
        }
        match self {
            Self::U8(v) => Self::U8(part(v, start, len)),
            Self::I8(v) => Self::I8(part(v, start, len)),
            Self::U16(v) => Self::U16(part(v, start, len)),
            Self::I16(v) => Self::I16(part(v, start, len)),
            Self::U32(v) => Self::U32(part(v, start, len)),
            Self::I32(v) => Self::I32(part(v, start, len)),
        }
    }

    /// Smallest and largest sample, or `None` when empty.
    pub fn min_max(&self) -> Option<(i64, i64)> {
        fn mm<T: Copy + Ord + Into<i64>>(v: &[T]) -> Option<(i64, i64)> {
            let first = *v.first()?;
            let (lo, hi) = v
                .iter()
                .fold((first, first), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
            Some((lo.into(), hi.into()))
        }
        match self {
            Self::U8(v) => mm(v),
            Self::I8(v) => mm(v),
            Self::U16(v) => mm(v),
            Self::I16(v) => mm(v),
            Self::U32(v) => mm(v),
            Self::I32(v) => mm(v),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Self::U8(_) => "u8",
            Self::I8(_) => "i8",
            Self::U16(_) => "u16",
            Self::I16(_) => "i16",
            Self::U32(_) => "u32",
            Self::I32(_) => "i32",
        }
    }
}

impl fmt::Debug for PixelData {
    // Pixel values are image content; Debug shows only the shape.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PixelData::{}[{}]", self.type_name(), self.len())
    }
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Rows (height).
    pub rows: u32,
    /// Columns (width).
    pub columns: u32,
    /// 1 (grey or palette) or 3 (colour).
    pub samples_per_pixel: u16,
    /// Bits Allocated of the source (1, 8, 16 or 32).
    pub bits_allocated: u16,
    /// Bits Stored: the range of the values in `data`.
    pub bits_stored: u16,
    /// Whether values are signed (Pixel Representation 1).
    pub signed: bool,
    /// The colour model of `data` after decoding: a codec that already converted colour
    /// (JPEG 2000 with a colour transform) says `Rgb` here, and YBR_FULL_422 becomes `YbrFull`.
    pub photometric: Photometric,
    /// The values, interleaved.
    pub data: PixelData,
}

impl Frame {
    /// Number of pixels.
    pub fn pixel_count(&self) -> usize {
        self.rows as usize * self.columns as usize
    }

    /// The values of pixel (`row`, `column`), one per sample.
    pub fn pixel(&self, row: u32, column: u32) -> Option<Vec<i64>> {
        if row >= self.rows || column >= self.columns {
            return None;
        }
        let spp = usize::from(self.samples_per_pixel);
        let base = (row as usize * self.columns as usize + column as usize) * spp;
        (0..spp).map(|s| self.data.get(base + s)).collect()
    }
}
