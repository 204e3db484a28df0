//! Measurements and annotations a reader takes on one frame: length and angle in physical
//! units from Pixel Spacing, elliptical regions with statistics of modality values (HU for CT),
//! and the orientation letters at the image edges. Pure functions of image coordinates (the
//! centre of column `c`, row `r` is `(c + 0.5, r + 0.5)`).

use crate::frame::Frame;
use crate::pipeline::ModalityLut;
use crate::series::SeriesWarning;

/// Pixel Spacing as (row spacing, column spacing) in mm: the vertical then the horizontal
/// distance between pixel centres (PS3.3 10.7.1.3).
pub type PixelSpacing = [f64; 2];

fn usable(spacing: Option<PixelSpacing>) -> Option<PixelSpacing> {
    spacing.filter(|s| s.iter().all(|v| v.is_finite() && *v > 0.0))
}

/// The distance between two points: in mm with a usable spacing (`true`), else in pixels
/// (`false`).
pub fn length(start: [f64; 2], end: [f64; 2], spacing: Option<PixelSpacing>) -> (f64, bool) {
    let (dx, dy) = (end[0] - start[0], end[1] - start[1]);
    match usable(spacing) {
        Some([row, column]) => ((dx * column).hypot(dy * row), true),
        None => (dx.hypot(dy), false),
    }
}

/// The angle at `vertex` between the rays to `a` and `b`, in degrees (0 to 180), measured in
/// physical space when the spacing is known (anisotropic pixels change angles). `None` when a
/// ray has no length.
pub fn angle(a: [f64; 2], vertex: [f64; 2], b: [f64; 2], spacing: Option<PixelSpacing>) -> Option<f64> {
    let [sy, sx] = usable(spacing).unwrap_or([1.0, 1.0]);
    let u = [(a[0] - vertex[0]) * sx, (a[1] - vertex[1]) * sy];
    let v = [(b[0] - vertex[0]) * sx, (b[1] - vertex[1]) * sy];
    let (lu, lv) = (u[0].hypot(u[1]), v[0].hypot(v[1]));
    if lu < 1e-12 || lv < 1e-12 {
        return None;
    }
    let cos = ((u[0] * v[0] + u[1] * v[1]) / (lu * lv)).clamp(-1.0, 1.0);
    Some(cos.acos().to_degrees())
}

/// Statistics of modality values inside an ellipse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegionStats {
    /// The ellipse's area: mm² with a usable spacing, else pixels².
    pub area: f64,
    /// Whether `area` is in mm².
    pub area_in_mm: bool,
    /// Pixels whose centres lie inside (the statistics are over these).
    pub pixels: u64,
    /// Mean of modality values.
    pub mean: f64,
    /// Population standard deviation.
    pub sd: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// Statistics of the modality values (stored values through `modality`) of a grey frame inside
/// the ellipse inscribed in the rectangle from `corner` to `opposite`. `None` for colour frames
/// and for an ellipse that holds no pixel centre.
pub fn ellipse_stats(
    frame: &Frame,
    modality: &ModalityLut,
    corner: [f64; 2],
    opposite: [f64; 2],
    spacing: Option<PixelSpacing>,
) -> Option<RegionStats> {
    if frame.samples_per_pixel != 1 {
        return None;
    }
    let centre = [(corner[0] + opposite[0]) / 2.0, (corner[1] + opposite[1]) / 2.0];
    let (a, b) = ((opposite[0] - corner[0]).abs() / 2.0, (opposite[1] - corner[1]).abs() / 2.0);
    if !(a.is_finite() && b.is_finite()) || a <= 0.0 || b <= 0.0 {
        return None;
    }
    // Only the rows and columns the ellipse can touch, clipped to the frame.
    let clip = |v: f64, max: u32| v.floor().clamp(0.0, f64::from(max)) as u32;
    let (c0, c1) = (clip(centre[0] - a, frame.columns), clip(centre[0] + a + 1.0, frame.columns));
    let (r0, r1) = (clip(centre[1] - b, frame.rows), clip(centre[1] + b + 1.0, frame.rows));
    let (mut n, mut sum, mut sum_sq) = (0u64, 0.0f64, 0.0f64);
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for row in r0..r1 {
        let dy = (f64::from(row) + 0.5 - centre[1]) / b;
        for column in c0..c1 {
            let dx = (f64::from(column) + 0.5 - centre[0]) / a;
            if dx * dx + dy * dy > 1.0 {
                continue;
            }
            let index = row as usize * frame.columns as usize + column as usize;
            let Some(stored) = frame.data.get(index) else { continue };
            let v = modality.apply(stored);
            n += 1;
            sum += v;
            sum_sq += v * v;
            min = min.min(v);
            max = max.max(v);
        }
    }
    if n == 0 {
        return None;
    }
    let mean = sum / n as f64;
    let sd = (sum_sq / n as f64 - mean * mean).max(0.0).sqrt();
    let (area, area_in_mm) = match usable(spacing) {
        Some([row, column]) => (std::f64::consts::PI * a * column * b * row, true),
        None => (std::f64::consts::PI * a * b, false),
    };
    Some(RegionStats { area, area_in_mm, pixels: n, mean, sd, min, max })
}

/// The letters at the left, right, top and bottom edges of an image with Image Orientation
/// (Patient) `orientation` (row cosines, then column cosines), in the patient's LPS frame: the
/// right edge names where the row direction points, the bottom edge where the column direction
/// points. Oblique directions get up to three letters, strongest first (e.g. `LP`). `None` for a
/// degenerate orientation.
pub fn orientation_markers(orientation: [f64; 6]) -> Option<[String; 4]> {
    let row = [orientation[0], orientation[1], orientation[2]];
    let column = [orientation[3], orientation[4], orientation[5]];
    let right = direction_letters(row)?;
    let bottom = direction_letters(column)?;
    let left = direction_letters([-row[0], -row[1], -row[2]])?;
    let top = direction_letters([-column[0], -column[1], -column[2]])?;
    Some([left, right, top, bottom])
}

fn direction_letters(v: [f64; 3]) -> Option<String> {
    let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if !len.is_finite() || len < 1e-6 {
        return None;
    }
    let mut axes: Vec<(f64, char)> = [('L', 'R'), ('P', 'A'), ('H', 'F')]
        .iter()
        .zip(v)
        .map(|(&(plus, minus), c)| (c / len, if c >= 0.0 { plus } else { minus }))
        .collect();
    axes.sort_by(|x, y| y.0.abs().total_cmp(&x.0.abs()));
    // A component under 0.25 (more than ~75° off that axis) adds nothing a reader would use.
    let letters: String = axes.iter().filter(|(c, _)| c.abs() >= 0.25).map(|(_, l)| *l).collect();
    Some(letters)
}

/// What a series warning means, for the reader (no identifiers, no values of the data set).
pub fn describe_warning(w: &SeriesWarning) -> String {
    match w {
        SeriesWarning::MissingGeometry { .. } => "some images have no position or orientation; they are shown last".into(),
        SeriesWarning::MixedOrientation { .. } => "images in this series have different orientations".into(),
        SeriesWarning::MixedDimensions { .. } => "images in this series have different sizes".into(),
        SeriesWarning::DuplicatePosition { .. } => "two images share one position".into(),
        SeriesWarning::Gap { distance, expected, .. } => {
            format!("gap in the series: {distance:.1} mm between two images where {expected:.1} mm is usual (images may be missing)")
        }
        SeriesWarning::IrregularSpacing { min, max } => format!("irregular slice spacing: {min:.2} to {max:.2} mm"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Photometric, PixelData};

    #[test]
    fn axial_sagittal_coronal_and_oblique_markers() {
        let [l, r, t, b] = orientation_markers([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]).unwrap();
        assert_eq!((l.as_str(), r.as_str(), t.as_str(), b.as_str()), ("R", "L", "A", "P"));
        let [l, r, t, b] = orientation_markers([0.0, 1.0, 0.0, 0.0, 0.0, -1.0]).unwrap();
        assert_eq!((l.as_str(), r.as_str(), t.as_str(), b.as_str()), ("A", "P", "H", "F"));
        let [l, r, t, b] = orientation_markers([1.0, 0.0, 0.0, 0.0, 0.0, -1.0]).unwrap();
        assert_eq!((l.as_str(), r.as_str(), t.as_str(), b.as_str()), ("R", "L", "H", "F"));
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let [_, r, ..] = orientation_markers([s, s, 0.0, -s, s, 0.0]).unwrap();
        assert!(r == "LP" || r == "PL", "{r}");
        assert!(orientation_markers([0.0; 6]).is_none());
    }

    #[test]
    fn lengths_and_angles_use_the_spacing() {
        // 0.5 mm columns, 2 mm rows: 10 px across is 5 mm, 10 px down is 20 mm.
        assert_eq!(length([0.0, 0.0], [10.0, 0.0], Some([2.0, 0.5])), (5.0, true));
        assert_eq!(length([0.0, 0.0], [0.0, 10.0], Some([2.0, 0.5])), (20.0, true));
        assert_eq!(length([0.0, 0.0], [3.0, 4.0], None), (5.0, false));
        assert_eq!(length([0.0, 0.0], [3.0, 4.0], Some([0.0, 1.0])), (5.0, false));
        let right = angle([10.0, 0.0], [0.0, 0.0], [0.0, 10.0], Some([1.0, 1.0])).unwrap();
        assert!((right - 90.0).abs() < 1e-9);
        // A 45° diagonal in pixels is not 45° in mm when rows are twice as far apart.
        let a = angle([10.0, 0.0], [0.0, 0.0], [10.0, 10.0], Some([2.0, 1.0])).unwrap();
        assert!((a - 63.434_948_822_922).abs() < 1e-6, "{a}");
        assert!(angle([0.0, 0.0], [0.0, 0.0], [1.0, 1.0], None).is_none());
    }

    #[test]
    fn ellipse_statistics_in_modality_units() {
        // 10 x 10, stored value = column; rescale -1024 + 1.
        let data: Vec<u16> = (0..100).map(|i| (i % 10) as u16).collect();
        let frame = Frame {
            rows: 10,
            columns: 10,
            samples_per_pixel: 1,
            bits_allocated: 16,
            bits_stored: 16,
            signed: false,
            photometric: Photometric::Monochrome2,
            data: PixelData::U16(data),
        };
        let lut = ModalityLut::Rescale { slope: 1.0, intercept: -1024.0 };
        // A circle of radius 2 around (5, 5): pixel centres 3.5..6.5 -> columns 3..6.
        let s = ellipse_stats(&frame, &lut, [3.0, 3.0], [7.0, 7.0], Some([0.5, 0.5])).unwrap();
        assert_eq!(s.pixels, 12);
        assert!((s.mean - (4.5 - 1024.0)).abs() < 1e-9, "{}", s.mean);
        assert_eq!((s.min, s.max), (3.0 - 1024.0, 6.0 - 1024.0));
        assert!(s.area_in_mm && (s.area - std::f64::consts::PI).abs() < 1e-9);
        assert!(ellipse_stats(&frame, &lut, [3.0, 3.0], [3.0, 7.0], None).is_none());
        // Off the image: nothing inside.
        assert!(ellipse_stats(&frame, &lut, [50.0, 50.0], [60.0, 60.0], None).is_none());
    }
}
