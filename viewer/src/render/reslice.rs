//! Multiplanar reformatting and projections of a volume: which plane through the voxels a view
//! shows and how a slab along its normal is reduced. Pure geometry in voxel units.
//!
//! Voxel coordinates: `x` along columns, `y` along rows, `z` along slices (sorted order), the
//! centre of voxel `(i, j, k)` at `(i + 0.5, j + 0.5, k + 0.5)`. Coronal and sagittal planes put
//! the last slice at the top (for an axial stack sorted along its normal, superior is up).

/// A plane through the volume.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Plane {
    /// The slice with index `slice` (fractional values lie between slices).
    Axial {
        /// Slice index.
        slice: f64,
    },
    /// Columns across, slices up, at row index `row`.
    Coronal {
        /// Row index.
        row: f64,
    },
    /// Rows across, slices up, at column index `column`.
    Sagittal {
        /// Column index.
        column: f64,
    },
    /// Any plane, in millimetres of the volume's own frame (`x` columns, `y` rows, `z` slices,
    /// origin at the corner of the first voxel).
    Oblique {
        /// Centre of the plane, mm.
        center: [f64; 3],
        /// Unit direction of increasing output columns.
        right: [f64; 3],
        /// Unit direction of increasing output rows (perpendicular to `right`).
        down: [f64; 3],
        /// Width and height of the plane, mm.
        size: [f64; 2],
    },
}

/// How values along the plane's normal are combined.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Projection {
    /// The plane itself.
    Slice,
    /// Maximum intensity over a slab of `slab` mm centred on the plane.
    Mip {
        /// Slab thickness, mm.
        slab: f64,
    },
    /// Minimum intensity over a slab of `slab` mm centred on the plane.
    MinIp {
        /// Slab thickness, mm.
        slab: f64,
    },
}

/// A plane, a projection and the voxel size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reslice {
    /// The plane.
    pub plane: Plane,
    /// Slice, MIP or MinIP.
    pub projection: Projection,
    /// Voxel size in mm: column spacing, row spacing, slice spacing.
    pub spacing: [f64; 3],
}

/// Most samples along a slab (a slab wider than this is sampled more coarsely).
pub(crate) const MAX_SLAB_SAMPLES: u32 = 1024;

/// The plane as the shader needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PlaneGeometry {
    /// Source plane size in plane pixels (one plane pixel is the smallest voxel spacing).
    pub(crate) size: [f64; 2],
    /// Voxel position of plane point (0, 0).
    pub(crate) origin: [f64; 3],
    /// Voxel step per plane pixel right.
    pub(crate) u: [f64; 3],
    /// Voxel step per plane pixel down.
    pub(crate) v: [f64; 3],
    /// Voxel step between slab samples.
    pub(crate) n: [f64; 3],
    /// Samples along the normal.
    pub(crate) samples: u32,
}

impl Reslice {
    /// A plane shown as it is.
    pub fn slice(plane: Plane, spacing: [f64; 3]) -> Self {
        Self {
            plane,
            projection: Projection::Slice,
            spacing,
        }
    }

    /// The plane size in plane pixels for a volume of `dims` (columns, rows, slices): the
    /// `source` size to give [`View::source_to_output`](super::View::source_to_output).
    pub fn source_size(&self, dims: [u32; 3]) -> [f64; 2] {
        self.geometry(dims).size
    }

    pub(crate) fn geometry(&self, dims: [u32; 3]) -> PlaneGeometry {
        // Non-positive spacings would divide by zero; they are shown as 1 mm.
        let sp = self
            .spacing
            .map(|s| if s > 0.0 && s.is_finite() { s } else { 1.0 });
        let pixel = sp[0].min(sp[1]).min(sp[2]);
        let [cols, rows, slices] = dims.map(f64::from);
        let step = [pixel / sp[0], pixel / sp[1], pixel / sp[2]];
        let (size, origin, u, v, n) = match self.plane {
            Plane::Axial { slice } => (
                [cols / step[0], rows / step[1]],
                [0.0, 0.0, slice + 0.5],
                [step[0], 0.0, 0.0],
                [0.0, step[1], 0.0],
                [0.0, 0.0, step[2]],
            ),
            Plane::Coronal { row } => (
                [cols / step[0], slices / step[2]],
                [0.0, row + 0.5, slices],
                [step[0], 0.0, 0.0],
                [0.0, 0.0, -step[2]],
                [0.0, step[1], 0.0],
            ),
            Plane::Sagittal { column } => (
                [rows / step[1], slices / step[2]],
                [column + 0.5, 0.0, slices],
                [0.0, step[1], 0.0],
                [0.0, 0.0, -step[2]],
                [step[0], 0.0, 0.0],
            ),
            Plane::Oblique {
                center,
                right,
                down,
                size,
            } => {
                let right = unit(right);
                let down = unit(down);
                let normal = unit(cross(right, down));
                let to_voxel = |mm: [f64; 3]| [mm[0] / sp[0], mm[1] / sp[1], mm[2] / sp[2]];
                let corner = [
                    center[0] - right[0] * size[0] / 2.0 - down[0] * size[1] / 2.0,
                    center[1] - right[1] * size[0] / 2.0 - down[1] * size[1] / 2.0,
                    center[2] - right[2] * size[0] / 2.0 - down[2] * size[1] / 2.0,
                ];
                (
                    [size[0].max(0.0) / pixel, size[1].max(0.0) / pixel],
                    to_voxel(corner),
                    to_voxel(right.map(|c| c * pixel)),
                    to_voxel(down.map(|c| c * pixel)),
                    to_voxel(normal.map(|c| c * pixel)),
                )
            }
        };
        let slab = match self.projection {
            Projection::Slice => 0.0,
            Projection::Mip { slab } | Projection::MinIp { slab } => slab,
        };
        // One sample per plane pixel of thickness; at least one (the plane itself).
        let wanted = if slab.is_finite() && slab > 0.0 {
            (slab / pixel).round().max(1.0)
        } else {
            1.0
        };
        let samples = wanted.min(f64::from(MAX_SLAB_SAMPLES)) as u32;
        let scale = wanted / f64::from(samples);
        PlaneGeometry {
            size,
            origin,
            u,
            v,
            n: n.map(|c| c * scale),
            samples,
        }
    }
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn unit(a: [f64; 3]) -> [f64; 3] {
    let len = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
    if len > 1e-12 {
        a.map(|c| c / len)
    } else {
        [0.0; 3]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coronal_of_anisotropic_volume_is_in_millimetres() {
        // 10 columns of 0.5 mm, 4 slices of 2 mm: 5 mm by 8 mm, in 0.5 mm plane pixels.
        let r = Reslice::slice(Plane::Coronal { row: 3.0 }, [0.5, 0.5, 2.0]);
        let g = r.geometry([10, 8, 4]);
        assert_eq!(g.size, [10.0, 16.0]);
        assert_eq!(g.origin, [0.0, 3.5, 4.0]);
        assert_eq!(g.v, [0.0, 0.0, -0.25]);
        assert_eq!(g.samples, 1);
    }

    #[test]
    fn slab_samples_follow_thickness() {
        let mut r = Reslice::slice(Plane::Axial { slice: 5.0 }, [1.0, 1.0, 1.0]);
        r.projection = Projection::Mip { slab: 7.0 };
        assert_eq!(r.geometry([4, 4, 20]).samples, 7);
        r.projection = Projection::MinIp { slab: 1e9 };
        let g = r.geometry([4, 4, 20]);
        assert_eq!(g.samples, MAX_SLAB_SAMPLES);
        assert!(g.n[2] > 1.0);
    }
}
