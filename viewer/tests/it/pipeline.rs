//! The pixel pipeline with values computed by hand from PS3.3 C.11.

use meridian_viewer::pipeline::color::ybr_full_to_rgb8;
use meridian_viewer::pipeline::lut::{Lut, Palette, PaletteChannel};
use meridian_viewer::pipeline::{CT_PRESETS, preset};
use meridian_viewer::{
    Display, Frame, ModalityLut, Photometric, PixelData, PresentationLutShape, Voi, VoiFunction,
    Window, render_to_rgba8,
};

fn grey(data: PixelData, bits_stored: u16, signed: bool) -> Frame {
    let n = data.len() as u32;
    Frame {
        rows: 1,
        columns: n,
        samples_per_pixel: 1,
        bits_allocated: if bits_stored > 8 { 16 } else { 8 },
        bits_stored,
        signed,
        photometric: Photometric::Monochrome2,
        data,
    }
}

fn greys(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| {
            assert_eq!(
                (p[0], p[1], p[3]),
                (p[2], p[2], 255),
                "grey pixels have equal channels"
            );
            p[0]
        })
        .collect()
}

#[test]
fn linear_window_follows_c_11_2_1_2_1() {
    // c = 40, w = 80: below c - 0.5 - (w-1)/2 = 0 is black, above c - 0.5 + (w-1)/2 = 79 white,
    // x = 40 gives ((40 - 39.5) / 79 + 0.5) = 0.50633 -> 129.
    let w = Window::new(40.0, 80.0);
    assert_eq!(w.apply(0.0), 0.0);
    assert_eq!(w.apply(79.0), 1.0 * ((79.0 - 39.5) / 79.0 + 0.5));
    assert_eq!(w.apply(79.1), 1.0);
    assert!((w.apply(40.0) - 0.506_329).abs() < 1e-6);
    let f = grey(PixelData::I16(vec![-1000, 0, 40, 60, 1000]), 16, true);
    let d = Display::window(40.0, 80.0);
    assert_eq!(greys(&render_to_rgba8(&f, &d)), vec![0, 0, 129, 194, 255]);
}

#[test]
fn width_one_is_a_threshold() {
    let w = Window::new(100.0, 1.0);
    assert_eq!(w.apply(99.5), 0.0);
    assert_eq!(w.apply(99.6), 1.0);
}

#[test]
fn linear_exact_and_sigmoid() {
    let exact = Window {
        center: 0.0,
        width: 100.0,
        function: VoiFunction::LinearExact,
    };
    assert_eq!(exact.apply(-50.0), 0.0);
    assert_eq!(exact.apply(25.0), 0.75);
    assert_eq!(exact.apply(50.1), 1.0);
    let sig = Window {
        center: 0.0,
        width: 100.0,
        function: VoiFunction::Sigmoid,
    };
    assert_eq!(sig.apply(0.0), 0.5);
    // 1 / (1 + e^-2) = 0.880797
    assert!((sig.apply(50.0) - 0.880_797).abs() < 1e-6);
}

#[test]
fn rescale_then_window_gives_hounsfield_display() {
    // Stored 1024 with intercept -1024 is 0 HU (water); with the brain window 40/80 that is
    // ((0 - 39.5) / 79 + 0.5) = 0.0 -> black; 64 HU: (64 - 39.5)/79 + 0.5 = 0.8101 -> 207.
    let f = grey(PixelData::U16(vec![1024, 1088, 0]), 12, false);
    let d = Display {
        modality: ModalityLut::Rescale {
            slope: 1.0,
            intercept: -1024.0,
        },
        voi: Voi::Window(preset("brain").expect("preset").window()),
        shape: PresentationLutShape::Identity,
        palette: None,
    };
    assert_eq!(greys(&render_to_rgba8(&f, &d)), vec![0, 207, 0]);
}

#[test]
fn monochrome1_inverts() {
    let mut f = grey(PixelData::U8(vec![0, 255]), 8, false);
    f.photometric = Photometric::Monochrome1;
    let d = Display {
        shape: PresentationLutShape::Inverse,
        ..Display::window(127.5, 256.0)
    };
    assert_eq!(greys(&render_to_rgba8(&f, &d)), vec![255, 0]);
}

#[test]
fn modality_and_voi_tables() {
    // Modality LUT: first mapped 10, entries [100, 200, 300]; VOI LUT 8-bit over 0..=299.
    let modality = ModalityLut::Table(Lut::new(10, 16, vec![100, 200, 300]));
    assert_eq!(modality.apply(0), 100.0);
    assert_eq!(modality.apply(11), 200.0);
    assert_eq!(modality.apply(99), 300.0);
    let voi: Vec<u16> = (0..300).map(|i| (i * 255 / 299) as u16).collect();
    let d = Display {
        modality,
        voi: Voi::Table(Lut::new(0, 8, voi)),
        shape: PresentationLutShape::Identity,
        palette: None,
    };
    let f = grey(PixelData::U8(vec![10, 11, 12]), 8, false);
    // 100 -> 100*255/299 = 85; 200 -> 170; 300 clamps to the last entry (299) -> 255.
    assert_eq!(greys(&render_to_rgba8(&f, &d)), vec![85, 170, 255]);
}

#[test]
fn min_max_when_no_window() {
    let f = grey(PixelData::I32(vec![-10, 0, 10]), 32, true);
    let d = Display {
        voi: Voi::MinMax,
        ..Display::window(0.0, 1.0)
    };
    assert_eq!(greys(&render_to_rgba8(&f, &d)), vec![0, 128, 255]);
}

#[test]
fn ybr_full_to_rgb_by_hand() {
    // Y 76, Cb 85, Cr 255: R = 76 + 1.402*127 = 254.05; G = 76 + 0.344136*43 - 0.714136*127
    // = 0.10; B = 76 - 1.772*43 = -0.20 -> (254, 0, 0).
    assert_eq!(ybr_full_to_rgb8(76, 85, 255, 8), [254, 0, 0]);
    // Y 150, Cb 44, Cr 21: G = 150 + 28.91 + 76.41 = 255.3 -> 255; R = 0.0; B = 1.15 -> 1.
    assert_eq!(ybr_full_to_rgb8(150, 44, 21, 8), [0, 255, 1]);
    let f = Frame {
        rows: 1,
        columns: 1,
        samples_per_pixel: 3,
        bits_allocated: 8,
        bits_stored: 8,
        signed: false,
        photometric: Photometric::YbrFull,
        data: PixelData::U8(vec![76, 85, 255]),
    };
    assert_eq!(
        render_to_rgba8(&f, &Display::window(0.0, 1.0)),
        vec![254, 0, 0, 255]
    );
}

#[test]
fn sixteen_bit_rgb_is_scaled_from_bits_stored() {
    let f = Frame {
        rows: 1,
        columns: 1,
        samples_per_pixel: 3,
        bits_allocated: 16,
        bits_stored: 12,
        signed: false,
        photometric: Photometric::Rgb,
        data: PixelData::U16(vec![4095, 0, 2048]),
    };
    // 2048 / 4095 * 255 = 127.53 -> 128.
    assert_eq!(
        render_to_rgba8(&f, &Display::window(0.0, 1.0)),
        vec![255, 0, 128, 255]
    );
}

#[test]
fn palette_lookup_uses_first_mapped_and_16_bit_entries() {
    let ch = |v: Vec<u16>| PaletteChannel {
        lut: Lut::new(1, 16, v),
    };
    let palette = Palette {
        red: ch(vec![0xFFFF, 0x0000]),
        green: ch(vec![0x0000, 0x8000]),
        blue: ch(vec![0x1234, 0xFF00]),
    };
    let f = Frame {
        rows: 1,
        columns: 3,
        samples_per_pixel: 1,
        bits_allocated: 8,
        bits_stored: 8,
        signed: false,
        photometric: Photometric::PaletteColor,
        data: PixelData::U8(vec![0, 1, 2]),
    };
    let d = Display {
        palette: Some(palette),
        ..Display::window(0.0, 1.0)
    };
    // Index 0 is below first mapped (1) and takes entry 0; 16-bit entries keep the high byte.
    assert_eq!(
        render_to_rgba8(&f, &d),
        vec![255, 0, 0x12, 255, 255, 0, 0x12, 255, 0, 0x80, 0xFF, 255]
    );
}

#[test]
fn presets_have_the_documented_values() {
    let get = |n: &str| preset(n).map(|p| (p.center, p.width));
    assert_eq!(get("brain"), Some((40.0, 80.0)));
    assert_eq!(get("Subdural"), Some((75.0, 215.0)));
    assert_eq!(get("stroke"), Some((40.0, 40.0)));
    assert_eq!(get("bone"), Some((400.0, 1800.0)));
    assert_eq!(get("lung"), Some((-600.0, 1500.0)));
    assert_eq!(get("abdomen"), Some((40.0, 400.0)));
    assert_eq!(get("liver"), Some((60.0, 160.0)));
    assert_eq!(get("mediastinum"), Some((50.0, 350.0)));
    assert_eq!(get("nonsense"), None);
    assert_eq!(CT_PRESETS.len(), 8);
}
