//! Peak memory of MPR on a 2000-slice CT (512 x 512, 16 bits: 1,000 MiB of stored values),
//! against the raw volume size. The series is written to disk once (synthetic CT from
//! `meridian-demo`); each measurement runs in a fresh child process that reads the files,
//! decodes them, puts the volume on the GPU, renders a coronal, a sagittal and a 20 mm coronal
//! MIP, and reports its peak resident set (VmHWM). Two pipelines side by side:
//!
//! - `streaming`: decode one file, upload it as one slice of the 3D texture, drop it
//!   (`Renderer::begin_volume` / `VolumeUpload::push`);
//! - `whole`: stack every slice in main memory (`Volume::build`), then upload the volume.
//!
//! On lavapipe the "GPU" texture lives in main memory, so it counts in the peak; on a real GPU
//! it is in video memory and the streaming peak is close to the files' working set.
//!
//! Run: `cargo bench -p meridian-viewer --bench mpr_memory` (`MERIDIAN_MPR_SLICES` for a
//! smaller run; needs ~1.1 GB of free disk in the temp folder).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use meridian_demo::dicom::CtSeriesSpec;
use meridian_viewer::render::{Plane, Projection, Renderer, Reslice, View};
use meridian_viewer::{Display, Volume, open};

fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut f: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("series folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "dcm"))
        .collect();
    f.sort();
    f
}

/// The child: one pipeline, then prints `peak_bytes raw_bytes seconds`.
fn measure(mode: &str, dir: &Path) {
    let started = Instant::now();
    let paths = files(dir);
    let renderer = Renderer::new_headless().expect("renderer");
    let decode = |p: &PathBuf| {
        let bytes = std::fs::read(p).expect("read");
        open(&bytes).expect("open").frame(0).expect("frame")
    };
    let first = decode(&paths[0]);
    let (columns, rows) = (first.columns, first.rows);
    let raw = u64::from(columns) * u64::from(rows) * paths.len() as u64 * first.data.bytes_per_sample() as u64;
    let volume = match mode {
        "streaming" => {
            let mut upload = renderer.begin_volume([columns, rows, paths.len() as u32], &first.data).expect("begin");
            upload.push(&first.data).expect("push");
            drop(first);
            for p in &paths[1..] {
                upload.push(&decode(p).data).expect("push");
            }
            upload.finish().expect("finish")
        }
        _ => {
            drop(first);
            let v = Volume::build(paths.len(), u64::MAX, |i| Ok(decode(&paths[i]))).expect("volume");
            renderer.upload_volume(&v).expect("upload")
        }
    };
    let spacing = [0.7, 0.7, 0.5];
    let display = Display::window(40.0, 400.0);
    for (plane, projection) in [
        (Plane::Coronal { row: f64::from(rows) / 2.0 }, Projection::Slice),
        (Plane::Sagittal { column: f64::from(columns) / 2.0 }, Projection::Slice),
        (Plane::Coronal { row: f64::from(rows) / 2.0 }, Projection::Mip { slab: 20.0 }),
    ] {
        let r = Reslice { plane, projection, spacing };
        let mut view = View::new(512, 512, display.clone());
        view.zoom = view.fit_zoom(r.source_size(volume.dims()));
        let rgba = renderer.render_volume_to_rgba(&volume, &r, &view).expect("render");
        assert!(rgba.chunks_exact(4).any(|p| p[0] > 0), "the reslice shows something");
    }
    println!("{} {} {:.2}", peak_rss_bytes(), raw, started.elapsed().as_secs_f64());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        measure(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    let slices: u32 = std::env::var("MERIDIAN_MPR_SLICES").ok().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let dir = std::env::temp_dir().join(format!("meridian-mpr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp folder");
    let spec = CtSeriesSpec { slices, rows: 512, columns: 512, pixel_spacing: 0.7, slice_spacing: 0.5, ..CtSeriesSpec::demo("BENCH1", "BENCH^MPR", "19700101", "O") };
    let t = Instant::now();
    for i in 0..slices {
        std::fs::write(dir.join(format!("{i:05}.dcm")), spec.slice(i)).expect("write slice");
    }
    println!("{slices} slices of 512 x 512 written in {:.1} s", t.elapsed().as_secs_f64());
    let me = std::env::current_exe().expect("own path");
    for mode in ["streaming", "whole"] {
        let out = Command::new(&me).args(["--measure", mode]).arg(&dir).output().expect("child");
        let text = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<f64> = text.split_whitespace().filter_map(|v| v.parse().ok()).collect();
        match fields.as_slice() {
            [peak, raw, secs] => println!(
                "{mode:>9}: peak {:.0} MiB for a {:.0} MiB volume = {:.2}x raw ({secs:.1} s: read, decode, upload, 3 reslices)",
                peak / 1048576.0,
                raw / 1048576.0,
                peak / raw
            ),
            _ => println!("{mode:>9}: failed: {} {}", text.trim(), String::from_utf8_lossy(&out.stderr).trim()),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
