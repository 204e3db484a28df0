//! Window/level change to a finished frame: the GPU renderer (render + read-back, one-to-one
//! output of the image size) against the CPU pipeline (`render_to_rgba8`) on the same 16-bit
//! signed CT-like frame, at 512x512 and 2048x2048, on whatever adapter is found (lavapipe on a
//! CI machine without a GPU). Each iteration uses a different window so that nothing is cached.
//!
//! Run: `cargo bench -p meridian-viewer --bench render` (on Linux without a GPU:
//! mesa-vulkan-drivers installed, `XDG_RUNTIME_DIR` set to a 0700 folder).

use std::time::{Duration, Instant};

use meridian_viewer::render::{Renderer, View};
use meridian_viewer::{Display, Frame, Photometric, PixelData, render_to_rgba8};

fn ct_like(size: u32) -> Frame {
    let c = f64::from(size) / 2.0;
    let data = (0..size * size)
        .map(|i| {
            let (x, y) = (f64::from(i % size), f64::from(i / size));
            let r = ((x - c).powi(2) + (y - c).powi(2)).sqrt() / c;
            // Air outside, soft tissue inside, a little texture: -1000..=1200 HU.
            if r > 0.9 {
                -1000
            } else {
                (40.0 + 300.0 * (x * 0.05).sin() * (y * 0.07).cos() + 800.0 * (1.0 - r).powi(4))
                    as i16
            }
        })
        .collect();
    Frame {
        rows: size,
        columns: size,
        samples_per_pixel: 1,
        bits_allocated: 16,
        bits_stored: 16,
        signed: true,
        photometric: Photometric::Monochrome2,
        data: PixelData::I16(data),
    }
}

/// Median time per call of `f(i)` over at least 1 s or 10 calls.
fn time(mut f: impl FnMut(usize)) -> Duration {
    f(0);
    let mut times = Vec::new();
    let start = Instant::now();
    let mut i = 1;
    while start.elapsed() < Duration::from_secs(1) || times.len() < 10 {
        let t = Instant::now();
        f(i);
        times.push(t.elapsed());
        i += 1;
    }
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let started = Instant::now();
    let renderer = match Renderer::new_headless() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("no renderer: {e}");
            std::process::exit(1);
        }
    };
    let a = renderer.adapter();
    println!(
        "adapter: {} ({}, software: {}), start {:.0} ms",
        a.name,
        a.backend,
        a.software,
        started.elapsed().as_secs_f64() * 1e3
    );
    println!("| frame | path | ms per frame | frames/s |");
    println!("|---|---|---|---|");
    for size in [512u32, 2048] {
        let frame = ct_like(size);
        let window = |i: usize| Display::window(40.0 + (i % 50) as f64, 400.0 + (i % 7) as f64);
        let t = Instant::now();
        let image = match renderer.upload_frame(&frame, None) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("upload failed: {e}");
                std::process::exit(1);
            }
        };
        let upload = t.elapsed();
        let gpu = time(|i| {
            let view = View::new(size, size, window(i));
            std::hint::black_box(renderer.render_to_rgba(&image, &view).ok());
        });
        let cpu = time(|i| {
            std::hint::black_box(render_to_rgba8(&frame, &window(i)));
        });
        for (path, d) in [("gpu render + read-back", gpu), ("cpu pipeline", cpu)] {
            println!(
                "| {size}x{size} | {path} | {:.2} | {:.1} |",
                d.as_secs_f64() * 1e3,
                1.0 / d.as_secs_f64()
            );
        }
        println!(
            "| {size}x{size} | gpu upload (once) | {:.2} | |",
            upload.as_secs_f64() * 1e3
        );
    }
}
