//! Sorting slices, warnings about the stack, and the volume budget.

use std::cell::Cell;

use meridian_viewer::{
    DecodeError, Frame, Photometric, PixelData, SeriesWarning, SliceGeometry, Volume, sort_slices,
};

const AXIAL: [f64; 6] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];

fn at(z: f64) -> Option<SliceGeometry> {
    Some(SliceGeometry {
        position: [-100.0, -100.0, z],
        orientation: AXIAL,
        rows: 4,
        columns: 4,
    })
}

#[test]
fn shuffled_axial_slices_sort_by_position_along_the_normal() {
    let slices = vec![at(5.0), at(-5.0), at(2.5), at(0.0), at(-2.5)];
    let s = sort_slices(&slices);
    assert_eq!(s.order, vec![1, 4, 3, 2, 0]);
    assert_eq!(s.spacing, Some(2.5));
    assert_eq!(s.normal, [0.0, 0.0, 1.0]);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn oblique_slices_use_the_projection_not_z() {
    // Rows along x, columns along (0, cos 30, -sin 30): the normal is (0, sin 30, cos 30).
    let (c, si) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
    let o = [1.0, 0.0, 0.0, 0.0, c, -si];
    let g = |d: f64| {
        Some(SliceGeometry {
            position: [0.0, d * si, d * c],
            orientation: o,
            rows: 2,
            columns: 2,
        })
    };
    let s = sort_slices(&[g(3.0), g(1.0), g(2.0)]);
    assert_eq!(s.order, vec![1, 2, 0]);
    assert!((s.spacing.expect("spacing") - 1.0).abs() < 1e-9);
}

#[test]
fn a_missing_slice_is_a_gap() {
    let s = sort_slices(&[at(0.0), at(2.5), at(5.0), at(10.0), at(12.5)]);
    assert!(
        s.warnings.contains(&SeriesWarning::Gap {
            after: 2,
            distance: 5.0,
            expected: 2.5
        }),
        "{:?}",
        s.warnings
    );
    assert!(s.warnings.iter().any(
        |w| matches!(w, SeriesWarning::IrregularSpacing { min, max } if *min == 2.5 && *max == 5.0)
    ));
}

#[test]
fn mixed_orientation_dimensions_duplicates_and_missing_geometry_are_reported() {
    let sagittal = Some(SliceGeometry {
        position: [0.0, 0.0, 1.0],
        orientation: [0.0, 1.0, 0.0, 0.0, 0.0, -1.0],
        rows: 4,
        columns: 4,
    });
    let bigger = Some(SliceGeometry {
        rows: 8,
        ..at(3.0).expect("slice")
    });
    let s = sort_slices(&[at(0.0), sagittal, bigger, None, at(0.0)]);
    assert!(
        s.warnings
            .contains(&SeriesWarning::MixedOrientation { index: 1 })
    );
    assert!(
        s.warnings
            .contains(&SeriesWarning::MixedDimensions { index: 2 })
    );
    assert!(
        s.warnings
            .contains(&SeriesWarning::MissingGeometry { index: 3 })
    );
    assert!(s.warnings.contains(&SeriesWarning::DuplicatePosition {
        first: 0,
        second: 4
    }));
    assert_eq!(s.order.last(), Some(&3), "slices without geometry go last");
}

fn slice(v: i16) -> Frame {
    Frame {
        rows: 2,
        columns: 3,
        samples_per_pixel: 1,
        bits_allocated: 16,
        bits_stored: 16,
        signed: true,
        photometric: Photometric::Monochrome2,
        data: PixelData::I16(vec![v; 6]),
    }
}

#[test]
fn volume_stacks_slices_in_order() {
    let v = Volume::build(3, 1 << 20, |i| Ok(slice(i as i16 * 10))).expect("volume");
    assert_eq!((v.columns, v.rows, v.slices), (3, 2, 3));
    assert_eq!(v.voxel(2, 1, 2), Some(20));
    assert_eq!(v.voxel(3, 0, 0), None);
}

#[test]
fn volume_over_budget_is_refused_before_decoding_the_rest() {
    let calls = Cell::new(0);
    let err = Volume::build(1000, 10_000, |i| {
        calls.set(calls.get() + 1);
        Ok(slice(i as i16))
    })
    .expect_err("over budget");
    // 2 x 3 x 1000 slices x 2 bytes = 12,000 > 10,000.
    assert_eq!(
        err,
        DecodeError::TooLarge {
            what: "the volume",
            needed: 12_000,
            limit: 10_000
        }
    );
    assert_eq!(
        calls.get(),
        1,
        "only the first slice is decoded to learn the sample size"
    );
}

#[test]
fn volume_refuses_mixed_slices() {
    let err = Volume::build(2, 1 << 20, |i| {
        let mut f = slice(0);
        if i == 1 {
            f.data = PixelData::U16(vec![0; 6]);
        }
        Ok(f)
    })
    .expect_err("mixed");
    assert!(err.to_string().contains("pixel representation"), "{err}");
}
