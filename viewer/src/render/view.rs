//! What to show and how: output size, zoom, pan, rotation, flips, sampling, the grey display
//! and overlays. Pure geometry, shared by the GPU path and by tests that predict where a source
//! pixel lands.

use crate::pipeline::Display;

/// How source values between texel centres are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Sampling {
    /// The texel under the point (what a reader uses to see acquired pixels).
    #[default]
    Nearest,
    /// Bilinear (images) or trilinear (volumes) interpolation of stored values, done in the
    /// shader because integer textures cannot be filtered by the sampler.
    Linear,
}

/// Something drawn by the renderer on top of the image, in source plane coordinates (image
/// pixels: the centre of column `c`, row `r` is `(c + 0.5, r + 0.5)`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Overlay {
    /// A length measurement: the line and a short perpendicular mark at each end (text labels
    /// come later, from the UI).
    Length {
        /// First end point.
        start: [f64; 2],
        /// Second end point.
        end: [f64; 2],
        /// Colour, RGB.
        color: [u8; 3],
    },
}

/// Line half-width of overlays, output pixels (a 2-pixel wide line).
pub(crate) const LINE_HALF_WIDTH: f64 = 1.0;
/// Length of the end marks of a length measurement, output pixels.
pub(crate) const END_MARK: f64 = 10.0;

/// How a source (a frame or a reslice plane) is placed into an output of `width` x `height`.
///
/// Forward transform of a source point `q` to an output point:
/// `out = centre_out + pan + R(rotation) * zoom * F * (q - centre_source)`, where `F` flips
/// the source axes first; rotation is clockwise on screen for positive degrees.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// Output width, pixels.
    pub width: u32,
    /// Output height, pixels.
    pub height: u32,
    /// Output pixels per source pixel (1.0: one to one).
    pub zoom: f64,
    /// Shift of the source centre from the output centre, output pixels (right, down).
    pub pan: [f64; 2],
    /// Clockwise rotation on screen, degrees (multiples of 90 are exact).
    pub rotation_degrees: f64,
    /// Mirror left-right (applied before rotation).
    pub flip_horizontal: bool,
    /// Mirror top-bottom (applied before rotation).
    pub flip_vertical: bool,
    /// Nearest or linear.
    pub sampling: Sampling,
    /// Grey pipeline (ignored for colour frames, which are converted on upload).
    pub display: Display,
    /// Drawn on top, in order.
    pub overlays: Vec<Overlay>,
}

impl View {
    /// A one-to-one, centred view of the given size.
    pub fn new(width: u32, height: u32, display: Display) -> Self {
        Self {
            width,
            height,
            zoom: 1.0,
            pan: [0.0, 0.0],
            rotation_degrees: 0.0,
            flip_horizontal: false,
            flip_vertical: false,
            sampling: Sampling::Nearest,
            display,
            overlays: Vec::new(),
        }
    }

    /// The zoom at which a source of `source` (width, height) fits entirely, centred.
    pub fn fit_zoom(&self, source: [f64; 2]) -> f64 {
        if source[0] <= 0.0 || source[1] <= 0.0 {
            return 1.0;
        }
        (f64::from(self.width) / source[0]).min(f64::from(self.height) / source[1])
    }

    /// Where source point `q` lands in the output, for a source of size `source`.
    pub fn source_to_output(&self, source: [f64; 2], q: [f64; 2]) -> [f64; 2] {
        let (cos, sin) = rotation(self.rotation_degrees);
        let (fx, fy) = self.flips();
        let d = [
            (q[0] - source[0] / 2.0) * fx * self.zoom,
            (q[1] - source[1] / 2.0) * fy * self.zoom,
        ];
        [
            f64::from(self.width) / 2.0 + self.pan[0] + cos * d[0] - sin * d[1],
            f64::from(self.height) / 2.0 + self.pan[1] + sin * d[0] + cos * d[1],
        ]
    }

    /// The inverse transform as `(m, t)`: `q = m * out + t`, with `m` row-major 2x2.
    pub(crate) fn output_to_source(&self, source: [f64; 2]) -> ([f64; 4], [f64; 2]) {
        let (cos, sin) = rotation(self.rotation_degrees);
        let (fx, fy) = self.flips();
        // A zero or negative zoom would make the transform singular; it is shown as 1.
        let s = if self.zoom > 0.0 && self.zoom.is_finite() {
            self.zoom
        } else {
            1.0
        };
        // F / s * R(-rotation).
        let m = [fx * cos / s, fx * sin / s, -fy * sin / s, fy * cos / s];
        let c = [
            f64::from(self.width) / 2.0 + self.pan[0],
            f64::from(self.height) / 2.0 + self.pan[1],
        ];
        let t = [
            source[0] / 2.0 - (m[0] * c[0] + m[1] * c[1]),
            source[1] / 2.0 - (m[2] * c[0] + m[3] * c[1]),
        ];
        (m, t)
    }

    fn flips(&self) -> (f64, f64) {
        (
            if self.flip_horizontal { -1.0 } else { 1.0 },
            if self.flip_vertical { -1.0 } else { 1.0 },
        )
    }

    /// Overlay segments in output pixels: `([x0, y0, x1, y1], [r, g, b], half width)`.
    pub(crate) fn segments(&self, source: [f64; 2]) -> Vec<([f64; 4], [u8; 3], f64)> {
        let mut out = Vec::new();
        for overlay in &self.overlays {
            match overlay {
                Overlay::Length { start, end, color } => {
                    let a = self.source_to_output(source, *start);
                    let b = self.source_to_output(source, *end);
                    out.push(([a[0], a[1], b[0], b[1]], *color, LINE_HALF_WIDTH));
                    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                    let len = (dx * dx + dy * dy).sqrt();
                    // A zero-length measurement has no direction: its marks are horizontal.
                    let (nx, ny) = if len > 0.0 {
                        (-dy / len, dx / len)
                    } else {
                        (1.0, 0.0)
                    };
                    let h = END_MARK / 2.0;
                    for p in [a, b] {
                        out.push((
                            [p[0] - nx * h, p[1] - ny * h, p[0] + nx * h, p[1] + ny * h],
                            *color,
                            LINE_HALF_WIDTH,
                        ));
                    }
                }
            }
        }
        out
    }
}

/// Cosine and sine, exact for multiples of 90 degrees (so that 90-degree views are lossless).
fn rotation(degrees: f64) -> (f64, f64) {
    let d = degrees.rem_euclid(360.0);
    if d == 0.0 {
        (1.0, 0.0)
    } else if d == 90.0 {
        (0.0, 1.0)
    } else if d == 180.0 {
        (-1.0, 0.0)
    } else if d == 270.0 {
        (0.0, -1.0)
    } else {
        let r = d.to_radians();
        (r.cos(), r.sin())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(view: &View) {
        let source = [100.0, 60.0];
        let (m, t) = view.output_to_source(source);
        for q in [[0.5, 0.5], [99.5, 0.5], [10.25, 40.75]] {
            let o = view.source_to_output(source, q);
            let back = [
                m[0] * o[0] + m[1] * o[1] + t[0],
                m[2] * o[0] + m[3] * o[1] + t[1],
            ];
            assert!((back[0] - q[0]).abs() < 1e-9 && (back[1] - q[1]).abs() < 1e-9);
        }
    }

    #[test]
    fn inverse_undoes_forward() {
        let mut v = View::new(64, 48, Display::window(0.0, 100.0));
        round_trip(&v);
        v.zoom = 2.5;
        v.pan = [3.0, -7.0];
        v.rotation_degrees = 30.0;
        v.flip_horizontal = true;
        round_trip(&v);
        v.rotation_degrees = -90.0;
        v.flip_vertical = true;
        round_trip(&v);
    }

    #[test]
    fn quarter_turn_is_clockwise() {
        let mut v = View::new(10, 10, Display::window(0.0, 100.0));
        v.rotation_degrees = 90.0;
        // The source's top-left corner goes to the output's top-right corner.
        assert_eq!(v.source_to_output([10.0, 10.0], [0.0, 0.0]), [10.0, 0.0]);
    }
}
