//! Series and volumes: slices sorted along the normal of their orientation, with what is wrong
//! with the stack (gaps, irregular spacing, mixed orientations) returned as warnings to show,
//! and a volume that is refused, not allocated, when it would exceed its byte budget.

use crate::error::DecodeError;
use crate::frame::{Frame, PixelData};

/// Where one slice (a single-frame instance or one frame of a multi-frame) lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SliceGeometry {
    /// Image Position (Patient), mm.
    pub position: [f64; 3],
    /// Image Orientation (Patient): row then column direction cosines.
    pub orientation: [f64; 6],
    /// Rows of the slice.
    pub rows: u32,
    /// Columns of the slice.
    pub columns: u32,
}

impl SliceGeometry {
    /// The slice normal: row cosines x column cosines, normalised (zero if degenerate).
    pub fn normal(&self) -> [f64; 3] {
        let o = self.orientation;
        let n = [
            o[1] * o[5] - o[2] * o[4],
            o[2] * o[3] - o[0] * o[5],
            o[0] * o[4] - o[1] * o[3],
        ];
        let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        if len < 1e-9 {
            [0.0; 3]
        } else {
            [n[0] / len, n[1] / len, n[2] / len]
        }
    }
}

/// Something about a stack of slices that a reader should see on screen.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SeriesWarning {
    /// The slice (input index) has no position or orientation; it is placed last.
    MissingGeometry {
        /// Input index.
        index: usize,
    },
    /// The slice's orientation differs from the first slice's by more than 0.01 in a cosine.
    MixedOrientation {
        /// Input index.
        index: usize,
    },
    /// The slice's rows or columns differ from the first slice's.
    MixedDimensions {
        /// Input index.
        index: usize,
    },
    /// Two slices at the same position (within 0.001 mm).
    DuplicatePosition {
        /// Input indices.
        first: usize,
        /// Input indices.
        second: usize,
    },
    /// A step more than 1.5 times the usual spacing: slices are probably missing.
    Gap {
        /// Position in the sorted order of the slice before the gap.
        after: usize,
        /// The step, mm.
        distance: f64,
        /// The usual (median) spacing, mm.
        expected: f64,
    },
    /// Steps differ by more than 1% of the usual spacing (and 0.01 mm).
    IrregularSpacing {
        /// Smallest step, mm.
        min: f64,
        /// Largest step, mm.
        max: f64,
    },
}

/// Slices in display order.
#[derive(Debug, Clone, PartialEq)]
pub struct SortedSeries {
    /// Input indices, first to last along the normal; slices without geometry at the end.
    pub order: Vec<usize>,
    /// Distance of each sorted slice along the normal, mm (only slices with geometry).
    pub distances: Vec<f64>,
    /// The normal of the first slice with geometry.
    pub normal: [f64; 3],
    /// The median step between slices, when there are at least two distinct positions.
    pub spacing: Option<f64>,
    /// What to show the reader.
    pub warnings: Vec<SeriesWarning>,
}

/// Sorts slices by Image Position (Patient) projected on the normal of Image Orientation
/// (Patient) of the first slice that has both.
pub fn sort_slices(slices: &[Option<SliceGeometry>]) -> SortedSeries {
    let mut warnings = Vec::new();
    let reference = slices.iter().flatten().next().copied();
    let Some(reference) = reference else {
        return SortedSeries {
            order: (0..slices.len()).collect(),
            distances: Vec::new(),
            normal: [0.0; 3],
            spacing: None,
            warnings: (0..slices.len())
                .map(|index| SeriesWarning::MissingGeometry { index })
                .collect(),
        };
    };
    let normal = reference.normal();
    let mut placed: Vec<(f64, usize)> = Vec::new();
    let mut missing = Vec::new();
    for (index, slice) in slices.iter().enumerate() {
        let Some(s) = slice else {
            warnings.push(SeriesWarning::MissingGeometry { index });
            missing.push(index);
            continue;
        };
        if s.orientation
            .iter()
            .zip(&reference.orientation)
            .any(|(a, b)| (a - b).abs() > 0.01)
        {
            warnings.push(SeriesWarning::MixedOrientation { index });
        }
        if s.rows != reference.rows || s.columns != reference.columns {
            warnings.push(SeriesWarning::MixedDimensions { index });
        }
        let d = s.position[0] * normal[0] + s.position[1] * normal[1] + s.position[2] * normal[2];
        placed.push((d, index));
    }
    placed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut steps = Vec::new();
    for (k, w) in placed.windows(2).enumerate() {
        let step = w[1].0 - w[0].0;
        if step.abs() < 1e-3 {
            warnings.push(SeriesWarning::DuplicatePosition {
                first: w[0].1,
                second: w[1].1,
            });
        } else {
            steps.push((k, step));
        }
    }
    let spacing = median(steps.iter().map(|s| s.1).collect());
    if let Some(expected) = spacing {
        for &(k, step) in &steps {
            if step > 1.5 * expected {
                warnings.push(SeriesWarning::Gap {
                    after: k,
                    distance: step,
                    expected,
                });
            }
        }
        let min = steps.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
        let max = steps.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
        if max - min > (0.01 * expected).max(0.01) {
            warnings.push(SeriesWarning::IrregularSpacing { min, max });
        }
    }
    let distances = placed.iter().map(|p| p.0).collect();
    let mut order: Vec<usize> = placed.iter().map(|p| p.1).collect();
    order.extend(missing);
    SortedSeries {
        order,
        distances,
        normal,
        spacing,
        warnings,
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    })
}

/// Stacked slices of one sample per pixel, in one buffer (slice-major, then row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    /// Columns of every slice.
    pub columns: u32,
    /// Rows of every slice.
    pub rows: u32,
    /// Number of slices.
    pub slices: u32,
    /// The stored values.
    pub data: PixelData,
}

impl Volume {
    /// Stacks `count` frames, obtained in order from `frame_at(0..count)`, refusing before any
    /// large allocation when `rows * columns * count * bytes per sample` exceeds `budget`
    /// bytes. All frames must have the first frame's shape and sample type, one sample a pixel.
    pub fn build(
        count: usize,
        budget: u64,
        mut frame_at: impl FnMut(usize) -> Result<Frame, DecodeError>,
    ) -> Result<Volume, DecodeError> {
        if count == 0 {
            return Err(DecodeError::MixedFrames {
                reason: "a volume needs at least one slice",
            });
        }
        let first = frame_at(0)?;
        if first.samples_per_pixel != 1 {
            return Err(DecodeError::MixedFrames {
                reason: "a volume holds one sample per pixel (grey images)",
            });
        }
        let per_slice = first.data.len() as u64 * first.data.bytes_per_sample() as u64;
        let needed = per_slice.saturating_mul(count as u64);
        if needed > budget {
            return Err(DecodeError::TooLarge {
                what: "the volume",
                needed,
                limit: budget,
            });
        }
        let (rows, columns) = (first.rows, first.columns);
        let total = first.data.len() * count;
        let mut data = with_capacity_like(&first.data, total);
        append(&mut data, first.data)?;
        for i in 1..count {
            let f = frame_at(i)?;
            if f.rows != rows || f.columns != columns || f.samples_per_pixel != 1 {
                return Err(DecodeError::MixedFrames {
                    reason: "slices differ in rows, columns or samples per pixel",
                });
            }
            append(&mut data, f.data)?;
        }
        Ok(Volume {
            columns,
            rows,
            slices: count as u32,
            data,
        })
    }

    /// The value at column `x`, row `y`, slice `z`.
    pub fn voxel(&self, x: u32, y: u32, z: u32) -> Option<i64> {
        if x >= self.columns || y >= self.rows || z >= self.slices {
            return None;
        }
        let i = (z as usize * self.rows as usize + y as usize) * self.columns as usize + x as usize;
        self.data.get(i)
    }
}

fn with_capacity_like(like: &PixelData, n: usize) -> PixelData {
    match like {
        PixelData::U8(_) => PixelData::U8(Vec::with_capacity(n)),
        PixelData::I8(_) => PixelData::I8(Vec::with_capacity(n)),
        PixelData::U16(_) => PixelData::U16(Vec::with_capacity(n)),
        PixelData::I16(_) => PixelData::I16(Vec::with_capacity(n)),
        PixelData::U32(_) => PixelData::U32(Vec::with_capacity(n)),
        PixelData::I32(_) => PixelData::I32(Vec::with_capacity(n)),
    }
}

fn append(into: &mut PixelData, from: PixelData) -> Result<(), DecodeError> {
    match (into, from) {
        (PixelData::U8(a), PixelData::U8(b)) => a.extend(b),
        (PixelData::I8(a), PixelData::I8(b)) => a.extend(b),
        (PixelData::U16(a), PixelData::U16(b)) => a.extend(b),
        (PixelData::I16(a), PixelData::I16(b)) => a.extend(b),
        (PixelData::U32(a), PixelData::U32(b)) => a.extend(b),
        (PixelData::I32(a), PixelData::I32(b)) => a.extend(b),
        _ => {
            return Err(DecodeError::MixedFrames {
                reason: "slices differ in bits allocated or pixel representation",
            });
        }
    }
    Ok(())
}
