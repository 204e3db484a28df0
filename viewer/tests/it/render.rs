//! The wgpu renderer on whatever adapter is found (lavapipe in CI): against the CPU pipeline on
//! real pydicom files, golden images, view transforms at known pixel positions, reslices and
//! projections of synthetic volumes, and refusals without panics.
//!
//! Tolerances. GPU vs CPU (one-to-one, nearest): every channel within 1 grey level, and at most
//! 0.5% of pixels off by that one level (f32 in WGSL vs f64 on the CPU near a rounding
//! boundary); colour frames exactly. Golden images: a pixel differs when a channel is more than
//! 2 away; at most 0.5% of pixels may differ (adapters may interpolate in a different order).
//! `MERIDIAN_BLESS=1` rewrites the golden PNGs under tests/golden.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use meridian_viewer::pipeline::lut::{Lut, Palette, PaletteChannel};
use meridian_viewer::render::{
    Overlay, Plane, Projection, RenderError, RenderOptions, Renderer, Reslice, Sampling, View,
};
use meridian_viewer::{
    Display, Frame, Instance, ModalityLut, Photometric, PixelData, PresentationLutShape, Voi,
    Volume, open, render_to_rgba8,
};

use crate::corpus::python;
use crate::dicom::{Image, text};

fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| match Renderer::new_headless() {
        Ok(r) => {
            let a = r.adapter();
            eprintln!(
                "render tests on {} ({}, software: {})",
                a.name, a.backend, a.software
            );
            r
        }
        Err(e) => panic!(
            "{e}; CI needs: apt-get install mesa-vulkan-drivers libvulkan1 libegl1 \
             libgl1-mesa-dri libegl-mesa0, XDG_RUNTIME_DIR set to a 0700 folder"
        ),
    })
}

fn pydicom_file(name: &str) -> Vec<u8> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let out = Command::new(python())
            .args([
                "-c",
                "import os, pydicom; print(os.path.join(os.path.dirname(pydicom.__file__), 'data', 'test_files'))",
            ])
            .output()
            .expect("run the reference python (see corpus.rs for the venv)");
        assert!(out.status.success(), "pydicom is not installed in the reference venv");
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    });
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn one_to_one(frame: &Frame, display: Display) -> View {
    View::new(frame.columns, frame.rows, display)
}

/// Compares GPU and CPU output; returns the number of pixels that differ (by at most `max`).
fn compare(gpu: &[u8], cpu: &[u8], max: u8, what: &str) -> usize {
    assert_eq!(gpu.len(), cpu.len(), "{what}: output size");
    let mut differing = 0;
    for (i, (g, c)) in gpu.chunks_exact(4).zip(cpu.chunks_exact(4)).enumerate() {
        let d = g
            .iter()
            .zip(c)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap_or(0);
        assert!(
            d <= max,
            "{what}: pixel {i} is {g:?} on the gpu, {c:?} on the cpu (tolerance {max})"
        );
        if d > 0 {
            differing += 1;
        }
    }
    differing
}

fn gpu_matches_cpu(name: &str, display: Option<Display>) -> (usize, usize) {
    let instance = open(&pydicom_file(name)).expect(name);
    let frame = instance.frame(0).expect(name);
    let display = display.unwrap_or_else(|| instance.default_display(0));
    let r = renderer();
    let image = r.upload_frame(&frame, instance.palette()).expect("upload");
    let gpu = r
        .render_to_rgba(&image, &one_to_one(&frame, display.clone()))
        .expect("render");
    let cpu = render_to_rgba8(&frame, &display);
    let grey = frame.samples_per_pixel == 1;
    let differing = compare(&gpu, &cpu, u8::from(grey), name);
    let n = frame.pixel_count();
    eprintln!("{name}: {differing} of {n} pixels differ by one level");
    assert!(
        differing * 200 <= n,
        "{name}: {differing} of {n} pixels differ (at most 0.5% may)"
    );
    if !grey {
        assert_eq!(
            differing, 0,
            "{name}: colour is converted on the cpu, so exact"
        );
    }
    (differing, n)
}

#[test]
fn ct_small_window_40_400_matches_cpu() {
    let instance = open(&pydicom_file("CT_small.dcm")).expect("CT_small");
    let mut display = instance.default_display(0);
    display.voi = Voi::Window(meridian_viewer::Window::new(40.0, 400.0));
    assert!(matches!(display.modality, ModalityLut::Rescale { .. }));
    gpu_matches_cpu("CT_small.dcm", Some(display));
}

#[test]
fn mr_small_default_display_matches_cpu() {
    gpu_matches_cpu("MR_small.dcm", None);
}

#[test]
fn rgb_and_ybr_files_match_cpu_exactly() {
    gpu_matches_cpu("SC_rgb_rle.dcm", None);
    gpu_matches_cpu("SC_ybr_full_422_uncompressed.dcm", None);
    gpu_matches_cpu("SC_rgb_jpeg_dcmtk.dcm", None);
}

#[test]
fn palette_color_is_looked_up_on_upload() {
    let channel = |f: fn(u16) -> u16| PaletteChannel {
        lut: Lut::new(0, 8, (0..256).map(f).collect()),
    };
    let palette = Palette {
        red: channel(|i| i),
        green: channel(|i| 255 - i),
        blue: channel(|i| (i * 7) % 256),
    };
    let mut frame = grey_frame(4, 1, PixelData::U8(vec![0, 1, 100, 255]));
    frame.photometric = Photometric::PaletteColor;
    let display = Display {
        palette: Some(palette.clone()),
        ..Display::window(0.0, 1.0)
    };
    let r = renderer();
    let image = r.upload_frame(&frame, Some(&palette)).expect("upload");
    let gpu = r
        .render_to_rgba(&image, &one_to_one(&frame, display.clone()))
        .expect("render");
    assert_eq!(gpu, render_to_rgba8(&frame, &display));
    assert_eq!(&gpu[8..12], &[100, 155, 188, 255]);
}

/// pydicom's corpus has no MONOCHROME1 file: a 16-bit gradient written as one, windowed by its
/// own Window Center/Width, shown inverted by `default_display`.
fn monochrome1_file() -> Vec<u8> {
    let mut img = Image::grey(128, 128, 16, false);
    img.photometric = "MONOCHROME1";
    let pixels = (0..128u32 * 128)
        .flat_map(|i| {
            let (x, y) = (i % 128, i / 128);
            ((x * 16 + y * 8) as u16).to_le_bytes()
        })
        .collect();
    img.native_file(
        vec![
            text(0x0028, 0x1050, b"DS", "1500"),
            text(0x0028, 0x1051, b"DS", "2000"),
        ],
        pixels,
    )
}

#[test]
fn monochrome1_is_inverted_like_cpu() {
    let instance = open(&monochrome1_file()).expect("synthetic MONOCHROME1");
    let display = instance.default_display(0);
    assert_eq!(display.shape, PresentationLutShape::Inverse);
    let frame = instance.frame(0).expect("frame");
    let r = renderer();
    let image = r.upload_frame(&frame, None).expect("upload");
    let gpu = r
        .render_to_rgba(&image, &one_to_one(&frame, display.clone()))
        .expect("render");
    compare(&gpu, &render_to_rgba8(&frame, &display), 1, "MONOCHROME1");
    // Value 0 (top left) is white, the largest value (bottom right) black.
    assert_eq!(&gpu[..4], &[255, 255, 255, 255]);
    assert_eq!(&gpu[gpu.len() - 4..], &[0, 0, 0, 255]);
}

#[test]
fn unsigned_16_and_32_bit_values_keep_their_range() {
    let r = renderer();
    for data in [
        PixelData::U16(vec![0, 1000, 32768, 65535]),
        PixelData::U32(vec![0, 1000, 70_000, 2_000_000]),
        PixelData::I32(vec![-2_000_000, 0, 1000, 2_000_000]),
        PixelData::I8(vec![-128, -1, 0, 127]),
    ] {
        let frame = grey_frame(4, 1, data);
        for display in [
            Display::window(1000.0, 2000.0),
            Display {
                voi: Voi::MinMax,
                ..Display::window(0.0, 1.0)
            },
        ] {
            let image = r.upload_frame(&frame, None).expect("upload");
            let gpu = r.render_to_rgba(&image, &one_to_one(&frame, display.clone()));
            let cpu = render_to_rgba8(&frame, &display);
            compare(&gpu.expect("render"), &cpu, 1, "wide values");
        }
    }
}

#[test]
fn unsigned_32_bit_values_above_i32_are_shown_in_order() {
    // Stored shifted by 2^31 and computed in f32: coarse (steps of 256) but in order.
    let frame = grey_frame(3, 1, PixelData::U32(vec![0, 3_000_000_000, 4_000_000_000]));
    let display = Display {
        voi: Voi::MinMax,
        ..Display::window(0.0, 1.0)
    };
    let r = renderer();
    let image = r.upload_frame(&frame, None).expect("upload");
    let gpu = r.render_to_rgba(&image, &one_to_one(&frame, display.clone()));
    compare(
        &gpu.expect("render"),
        &render_to_rgba8(&frame, &display),
        1,
        "u32",
    );
}

fn grey_frame(columns: u32, rows: u32, data: PixelData) -> Frame {
    let (bits, signed) = match &data {
        PixelData::U8(_) => (8, false),
        PixelData::I8(_) => (8, true),
        PixelData::U16(_) => (16, false),
        PixelData::I16(_) => (16, true),
        PixelData::U32(_) => (32, false),
        _ => (32, true),
    };
    Frame {
        rows,
        columns,
        samples_per_pixel: 1,
        bits_allocated: bits,
        bits_stored: bits,
        signed,
        photometric: Photometric::Monochrome2,
        data,
    }
}

// ---- view transforms at known positions ----

/// A 3x2 image whose six pixels have six distinct greys: min-max over 20..220 maps value `v`
/// to `(v - 20) * 255 / 200` exactly at these values (no rounding boundary), and no pixel is
/// black but the first, so that background (black) is told apart.
fn six() -> (Frame, Display, Vec<u8>) {
    let frame = grey_frame(3, 2, PixelData::U8(vec![20, 60, 100, 140, 180, 220]));
    let display = Display {
        voi: Voi::MinMax,
        ..Display::window(0.0, 1.0)
    };
    let cpu = render_to_rgba8(&frame, &display);
    let greys = cpu.chunks_exact(4).map(|p| p[0]).collect();
    (frame, display, greys)
}

fn render_grey(view: &View, frame: &Frame) -> Vec<u8> {
    let r = renderer();
    let image = r.upload_frame(frame, None).expect("upload");
    r.render_to_rgba(&image, view)
        .expect("render")
        .chunks_exact(4)
        .map(|p| p[0])
        .collect()
}

#[test]
fn rotation_by_90_moves_top_left_to_top_right() {
    let (frame, display, g) = six();
    let mut view = View::new(2, 3, display);
    view.rotation_degrees = 90.0;
    let out = render_grey(&view, &frame);
    // Clockwise: source (c, r) -> output (x = rows - 1 - r, y = c).
    for r in 0..2 {
        for c in 0..3 {
            assert_eq!(out[c * 2 + (1 - r)], g[r * 3 + c], "source ({c}, {r})");
        }
    }
}

#[test]
fn flips_mirror_rows_and_columns() {
    let (frame, display, g) = six();
    let mut view = View::new(3, 2, display.clone());
    view.flip_horizontal = true;
    let h = render_grey(&view, &frame);
    let mut view = View::new(3, 2, display.clone());
    view.flip_vertical = true;
    let v = render_grey(&view, &frame);
    // 180 degrees plus a horizontal flip is a vertical flip.
    let mut view = View::new(3, 2, display);
    view.flip_horizontal = true;
    view.rotation_degrees = 180.0;
    let both = render_grey(&view, &frame);
    for r in 0..2 {
        for c in 0..3 {
            assert_eq!(h[r * 3 + (2 - c)], g[r * 3 + c]);
            assert_eq!(v[(1 - r) * 3 + c], g[r * 3 + c]);
        }
    }
    assert_eq!(both, v);
}

#[test]
fn zoom_and_pan_place_blocks_and_background() {
    let (frame, display, g) = six();
    let mut view = View::new(8, 4, display);
    view.zoom = 2.0;
    assert_eq!(g[0], 0, "value 20 is black under min-max");
    // The 6x4 zoomed image sits in an 8x4 output with one background column each side; a pan
    // of 1 pixel right leaves two background columns on the left.
    view.pan = [1.0, 0.0];
    let out = render_grey(&view, &frame);
    for y in 0..4 {
        for x in 0..8 {
            let expected = if x < 2 {
                0
            } else {
                g[(y / 2) * 3 + (x - 2) / 2]
            };
            // Output (2..4, 0..2) is source (0, 0), black like the background.
            assert_eq!(out[y * 8 + x], expected, "output ({x}, {y})");
        }
    }
    // Value 20 is black too, so check that the pan is seen: output (2, 2) is source column 0 of
    // row 1 (value 140), not background.
    assert_eq!(out[2 * 8 + 2], g[3]);
    assert_ne!(g[3], 0);
}

#[test]
fn free_rotation_keeps_centre_and_clears_corners() {
    let frame = grey_frame(
        9,
        9,
        PixelData::U8((0..81).map(|i| 100 + i as u8).collect()),
    );
    let mut view = View::new(15, 15, Display::window(127.5, 256.0));
    view.rotation_degrees = 45.0;
    let out = render_grey(&view, &frame);
    let cpu = render_to_rgba8(&frame, &view.display);
    assert_eq!(out[7 * 15 + 7], cpu[(4 * 9 + 4) * 4], "centre pixel");
    for corner in [0, 14, 14 * 15, 15 * 15 - 1] {
        assert_eq!(
            out[corner], 0,
            "corner {corner} is outside the rotated image"
        );
    }
}

#[test]
fn linear_sampling_interpolates_between_texels() {
    // Two pixels, 0 and 200, zoomed 4 times: nearest has two blocks, linear a ramp.
    let frame = grey_frame(2, 1, PixelData::U8(vec![0, 200]));
    // LINEAR_EXACT 100/200 maps v to (v / 200) exactly: 25 -> 31.875 -> 32.
    let mut view = View::new(8, 1, Display::window(100.0, 200.0));
    view.display.voi = Voi::Window(meridian_viewer::Window {
        center: 100.0,
        width: 200.0,
        function: meridian_viewer::VoiFunction::LinearExact,
    });
    view.zoom = 4.0;
    let nearest = render_grey(&view, &frame);
    view.sampling = Sampling::Linear;
    let linear = render_grey(&view, &frame);
    assert_eq!(nearest, vec![0, 0, 0, 0, 255, 255, 255, 255]);
    // Output centres at source x = 0.125, 0.375, .., 1.875: clamped at the edges, then
    // 200 * (x - 0.5) in between.
    assert_eq!(linear, vec![0, 0, 32, 96, 159, 223, 255, 255]);
}

// ---- volumes ----

/// A 64x64x32 volume of 1 x 1 x 2 mm voxels: a ball of radius 20 mm (value 1000) centred at
/// (32, 32, 32) mm inside a background that rises with the slice index (10 per slice).
fn ball() -> Volume {
    let (c, r, s) = (64u32, 64u32, 32u32);
    let mut data = Vec::new();
    for z in 0..s {
        for y in 0..r {
            for x in 0..c {
                let p = [
                    f64::from(x) + 0.5,
                    f64::from(y) + 0.5,
                    (f64::from(z) + 0.5) * 2.0,
                ];
                let d2 = (p[0] - 32.0).powi(2) + (p[1] - 32.0).powi(2) + (p[2] - 32.0).powi(2);
                data.push(if d2 <= 400.0 { 1000 } else { 10 * z as i16 });
            }
        }
    }
    Volume {
        columns: c,
        rows: r,
        slices: s,
        data: PixelData::I16(data),
    }
}

const SPACING: [f64; 3] = [1.0, 1.0, 2.0];

#[test]
fn axial_reslice_equals_the_slice_on_the_cpu() {
    let volume = ball();
    let r = renderer();
    let gpu_volume = r.upload_volume(&volume).expect("upload");
    let display = Display::window(500.0, 1000.0);
    for k in [0u32, 15, 31] {
        let reslice = Reslice::slice(
            Plane::Axial {
                slice: f64::from(k),
            },
            SPACING,
        );
        let view = View::new(64, 64, display.clone());
        let gpu = r
            .render_volume_to_rgba(&gpu_volume, &reslice, &view)
            .expect("render");
        let slice: Vec<i16> = (0..64 * 64)
            .map(|i| volume.voxel(i % 64, i / 64, k).unwrap_or(0) as i16)
            .collect();
        let cpu = render_to_rgba8(&grey_frame(64, 64, PixelData::I16(slice)), &display);
        assert_eq!(compare(&gpu, &cpu, 0, "axial"), 0);
    }
}

#[test]
fn coronal_reslice_shows_a_round_ball_in_millimetres() {
    let r = renderer();
    let volume = r.upload_volume(&ball()).expect("upload");
    let reslice = Reslice::slice(Plane::Coronal { row: 32.0 }, SPACING);
    // 64 mm x 64 mm in 1 mm plane pixels, although there are only 32 slices.
    assert_eq!(reslice.source_size(volume.dims()), [64.0, 64.0]);
    let view = View::new(64, 64, Display::window(500.0, 1000.0));
    let out: Vec<u8> = r
        .render_volume_to_rgba(&volume, &reslice, &view)
        .expect("render")
        .chunks_exact(4)
        .map(|p| p[0])
        .collect();
    let at = |x: usize, y: usize| out[y * 64 + x];
    assert_eq!(at(32, 32), 255, "centre of the ball");
    // Radius 20 mm both across and up; just outside it the background (slices near the middle
    // have about 160, window 500/1000 shows that dark).
    for (x, y) in [(13, 32), (50, 32), (32, 13), (32, 50)] {
        assert_eq!(at(x, y), 255, "inside at ({x}, {y})");
    }
    for (x, y) in [(10, 32), (54, 32), (32, 10), (32, 54)] {
        assert!(at(x, y) < 128, "outside at ({x}, {y})");
    }
    // Superior (last slices, brighter background) is at the top.
    assert!(at(2, 1) > at(2, 62));
}

#[test]
fn mip_and_minip_see_through_the_slab() {
    let (n, s) = (16u32, 40u32);
    let mut data = vec![100i16; (n * n * s) as usize];
    let idx = |x: u32, y: u32, z: u32| ((z * n + y) * n + x) as usize;
    data[idx(3, 3, 5)] = 900; // bright, near the bottom
    data[idx(12, 12, 30)] = 800; // bright, near the top
    data[idx(8, 3, 20)] = -500; // dark, in the middle
    let volume = Volume {
        columns: n,
        rows: n,
        slices: s,
        data: PixelData::I16(data),
    };
    let r = renderer();
    let v = r.upload_volume(&volume).expect("upload");
    let display = Display {
        voi: Voi::MinMax,
        ..Display::window(0.0, 1.0)
    };
    let grey_at = |reslice: Reslice, x: usize, y: usize| {
        let out = r
            .render_volume_to_rgba(&v, &reslice, &View::new(n, n, display.clone()))
            .expect("render");
        out[(y * n as usize + x) * 4]
    };
    let axial = |slice: f64, projection| Reslice {
        plane: Plane::Axial { slice },
        projection,
        spacing: [1.0; 3],
    };
    // A 40-slice MIP sees both bright voxels; min-max window: -500 black, 900 white.
    let whole = Projection::Mip { slab: 40.0 };
    assert_eq!(grey_at(axial(19.5, whole), 3, 3), 255);
    assert_eq!(grey_at(axial(19.5, whole), 12, 12), 237); // (800 + 500) / 1400
    // A 5-slice slab around slice 5 sees only the first.
    let thin = Projection::Mip { slab: 5.0 };
    assert_eq!(grey_at(axial(5.0, thin), 3, 3), 255);
    assert_eq!(grey_at(axial(5.0, thin), 12, 12), 109); // the background, 600 / 1400
    // MinIP finds the dark voxel only when the slab reaches slice 20.
    assert_eq!(
        grey_at(axial(19.5, Projection::MinIp { slab: 40.0 }), 8, 3),
        0
    );
    assert_eq!(
        grey_at(axial(5.0, Projection::MinIp { slab: 5.0 }), 8, 3),
        109
    );
}

#[test]
fn oblique_plane_through_the_ball_centre_is_bright_in_the_middle() {
    let r = renderer();
    let volume = r.upload_volume(&ball()).expect("upload");
    let h = std::f64::consts::FRAC_1_SQRT_2;
    let reslice = Reslice::slice(
        Plane::Oblique {
            center: [32.0, 32.0, 32.0],
            right: [h, h, 0.0],
            down: [0.0, 0.0, -1.0],
            size: [60.0, 60.0],
        },
        SPACING,
    );
    let out = r
        .render_volume_to_rgba(
            &volume,
            &reslice,
            &View::new(60, 60, Display::window(500.0, 1000.0)),
        )
        .expect("render");
    assert_eq!(out[(30 * 60 + 30) * 4], 255);
    assert_eq!(out[(30 * 60 + 12) * 4], 255, "19 mm from the centre");
    assert!(out[(30 * 60 + 8) * 4] < 128, "23 mm from the centre");
}

// ---- golden images ----

const GOLDEN_SIZE: u32 = 128;

fn golden(name: &str, rgba: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.png"));
    if std::env::var_os("MERIDIAN_BLESS").is_some() {
        let file = std::fs::File::create(&path).expect("create golden");
        let mut enc = png::Encoder::new(std::io::BufWriter::new(file), GOLDEN_SIZE, GOLDEN_SIZE);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("png header");
        w.write_image_data(rgba).expect("png data");
        return;
    }
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (MERIDIAN_BLESS=1 writes it)", path.display()));
    let mut dec = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("png");
    let mut buf = vec![0; dec.output_buffer_size().expect("png size")];
    let info = dec.next_frame(&mut buf).expect("png frame");
    assert_eq!(
        (info.width, info.height),
        (GOLDEN_SIZE, GOLDEN_SIZE),
        "{name}"
    );
    assert_eq!(info.color_type, png::ColorType::Rgba, "{name}");
    let expected = &buf[..info.buffer_size()];
    let differing = rgba
        .chunks_exact(4)
        .zip(expected.chunks_exact(4))
        .filter(|(a, b)| a.iter().zip(*b).any(|(x, y)| x.abs_diff(*y) > 2))
        .count();
    let allowed = (GOLDEN_SIZE * GOLDEN_SIZE / 200) as usize;
    assert!(
        differing <= allowed,
        "{name}: {differing} pixels differ from {} by more than 2 (at most {allowed} may); \
         review the change, then MERIDIAN_BLESS=1 to accept it",
        path.display()
    );
}

fn square(display: Display) -> View {
    View::new(GOLDEN_SIZE, GOLDEN_SIZE, display)
}

fn render_file(name: &str, edit: impl FnOnce(&Instance, &mut View)) -> Vec<u8> {
    let instance = open(&pydicom_file(name)).expect(name);
    let frame = instance.frame(0).expect(name);
    let r = renderer();
    let image = r.upload_frame(&frame, instance.palette()).expect("upload");
    let mut view = square(instance.default_display(0));
    view.zoom = view.fit_zoom(image.size());
    edit(&instance, &mut view);
    r.render_to_rgba(&image, &view).expect("render")
}

#[test]
fn golden_window_level() {
    let out = render_file("CT_small.dcm", |_, v| {
        v.display.voi = Voi::Window(meridian_viewer::Window::new(40.0, 400.0));
    });
    golden("ct_small_w40_400", &out);
}

#[test]
fn golden_monochrome1() {
    let instance = open(&monochrome1_file()).expect("MONOCHROME1");
    let frame = instance.frame(0).expect("frame");
    let r = renderer();
    let image = r.upload_frame(&frame, None).expect("upload");
    let out = r
        .render_to_rgba(&image, &square(instance.default_display(0)))
        .expect("render");
    golden("monochrome1", &out);
}

#[test]
fn golden_color() {
    // 100x100 fitted into 128x128 with linear sampling.
    let out = render_file("SC_rgb_rle.dcm", |_, v| v.sampling = Sampling::Linear);
    golden("rgb_linear_fit", &out);
}

#[test]
fn golden_mpr_coronal() {
    let r = renderer();
    let volume = r.upload_volume(&ball()).expect("upload");
    let reslice = Reslice::slice(Plane::Coronal { row: 32.0 }, SPACING);
    let mut view = square(Display::window(300.0, 700.0));
    view.zoom = view.fit_zoom(reslice.source_size(volume.dims()));
    view.sampling = Sampling::Linear;
    let out = r
        .render_volume_to_rgba(&volume, &reslice, &view)
        .expect("render");
    golden("mpr_coronal_ball", &out);
}

#[test]
fn golden_mip() {
    let r = renderer();
    let volume = r.upload_volume(&ball()).expect("upload");
    let reslice = Reslice {
        plane: Plane::Sagittal { column: 32.0 },
        projection: Projection::Mip { slab: 64.0 },
        spacing: SPACING,
    };
    let mut view = square(Display::window(300.0, 700.0));
    view.zoom = view.fit_zoom(reslice.source_size(volume.dims()));
    let out = r
        .render_volume_to_rgba(&volume, &reslice, &view)
        .expect("render");
    golden("mip_sagittal_ball", &out);
}

#[test]
fn golden_measurement_overlay() {
    let color = [255, 200, 0];
    let out = render_file("CT_small.dcm", |_, v| {
        v.overlays.push(Overlay::Length {
            start: [20.5, 30.5],
            end: [100.5, 90.5],
            color,
        });
    });
    // The line's middle and both ends are drawn in its colour.
    for p in [[20.5, 30.5], [60.5, 60.5], [100.5, 90.5]] {
        let i = ((p[1] as usize) * GOLDEN_SIZE as usize + p[0] as usize) * 4;
        assert_eq!(&out[i..i + 3], &color, "overlay at {p:?}");
    }
    golden("ct_small_length", &out);
}

// ---- refusals ----

#[test]
fn no_adapter_is_an_error_not_a_panic() {
    let none = RenderOptions {
        vulkan: false,
        gl: false,
        allow_software: true,
    };
    let e = Renderer::new_headless_with(none).expect_err("no backend enabled");
    assert!(matches!(e, RenderError::NoAdapter { .. }));
    assert!(
        e.to_string().starts_with("no graphics adapter found"),
        "{e}"
    );
    assert!(e.to_string().contains("hint:"), "{e}");
    // Refusing software: on a machine with only lavapipe/llvmpipe that is no adapter; with a
    // GPU, a hardware adapter.
    let hardware = RenderOptions {
        allow_software: false,
        ..RenderOptions::default()
    };
    match Renderer::new_headless_with(hardware) {
        Ok(r) => assert!(!r.adapter().software),
        Err(e) => assert!(matches!(e, RenderError::NoAdapter { .. }), "{e}"),
    }
}

#[test]
fn lookup_tables_and_empty_outputs_are_refused() {
    let r = renderer();
    let frame = grey_frame(2, 1, PixelData::U8(vec![0, 255]));
    let image = r.upload_frame(&frame, None).expect("upload");
    let mut view = View::new(2, 1, Display::window(127.5, 256.0));
    view.display.voi = Voi::Table(Lut::new(0, 8, vec![0; 256]));
    let e = r.render_to_rgba(&image, &view).expect_err("voi table");
    assert!(matches!(e, RenderError::Unsupported { .. }), "{e}");
    let view = View::new(0, 10, Display::window(127.5, 256.0));
    assert!(matches!(
        r.render_to_rgba(&image, &view),
        Err(RenderError::Unsupported { .. })
    ));
    let huge = View::new(1 << 20, 1, Display::window(127.5, 256.0));
    assert!(matches!(
        r.render_to_rgba(&image, &huge),
        Err(RenderError::TooLarge {
            what: "the output",
            ..
        })
    ));
}
