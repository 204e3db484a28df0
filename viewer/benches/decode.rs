//! Decode throughput (MB/s of decoded pixels) per transfer syntax: meridian-viewer on the
//! pydicom corpus plus a generated 512x512 16-bit CT-like image (explicit VR LE and RLE),
//! against pydicom (+ pylibjpeg) timed in-process in Python on the same files (both sides
//! decode the frames of a file already read: `Instance::frames` and `pixel_array`), and against
//! dcmtk's dcmdjpeg/dcmdrle/dcmdjpls timed as processes when installed (minus the time of a
//! run on a tiny uncompressed file, which is the process start, dictionary load and IO).
//!
//! Run: `cargo bench -p meridian-viewer --bench decode` (needs the reference venv; set
//! MERIDIAN_PYTHON to choose the interpreter).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use meridian_viewer::open;

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("MERIDIAN_PYTHON") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
    Path::new(&home).join(".cache/meridian/venv/bin/python")
}

/// Best time of repeated decodes of all frames (at least 0.2 s or 3 runs), and decoded bytes.
/// Like for like with pydicom's figure (`pixel_array` of a data set already read): the file is
/// opened once, outside the timing.
fn time_ours(bytes: &[u8]) -> Option<(f64, u64)> {
    let inst = open(bytes).ok()?;
    let decode = || -> Option<u64> {
        let mut n = 0u64;
        for f in inst.frames() {
            let f = f.ok()?;
            n += (f.data.len() * f.data.bytes_per_sample()) as u64;
        }
        Some(n)
    };
    let n = decode()?;
    let mut best = f64::INFINITY;
    let mut total = Duration::ZERO;
    let mut runs = 0;
    while total < Duration::from_millis(200) || runs < 3 {
        let t = Instant::now();
        std::hint::black_box(decode());
        let dt = t.elapsed();
        best = best.min(dt.as_secs_f64());
        total += dt;
        runs += 1;
    }
    Some((best, n))
}

fn el(out: &mut Vec<u8>, g: u16, e: u16, vr: &[u8; 2], v: &[u8]) {
    out.extend(g.to_le_bytes());
    out.extend(e.to_le_bytes());
    out.extend(vr);
    if matches!(vr, b"OB" | b"OW" | b"UN" | b"SQ") {
        out.extend([0, 0]);
        out.extend((v.len() as u32).to_le_bytes());
    } else {
        out.extend((v.len() as u16).to_le_bytes());
    }
    out.extend(v);
}

/// `frames` 512x512 CT-like frames: a disc of soft tissue with a bone ring in air, plus noise,
/// stored as HU + 1024 in 12 bits (16 allocated), or shifted down to 8 bits.
fn ct_pixels(frames: usize, bits: u16) -> Vec<u8> {
    let mut seed: u32 = 1;
    let mut out = Vec::with_capacity(512 * 512 * 2 * frames);
    for f in 0..frames as i32 {
        for y in 0..512i32 {
            for x in 0..512i32 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let noise = ((seed >> 16) % 21) as i32 - 10;
                let r2 = (x - 256).pow(2) + (y - 256).pow(2);
                let ring = 185 + f;
                let hu = if r2 > 200 * 200 {
                    -1000
                } else if r2 > ring * ring {
                    900
                } else {
                    40
                };
                let v = (hu + 1024 + noise).clamp(0, 4095) as u16;
                if bits == 8 {
                    out.push((v >> 4) as u8);
                } else {
                    out.extend(v.to_le_bytes());
                }
            }
        }
    }
    out
}

fn ct_file(transfer_syntax: &str, pixel_element: &[u8], frames: usize, bits: u16) -> Vec<u8> {
    let mut ds = Vec::new();
    el(
        &mut ds,
        0x0008,
        0x0016,
        b"UI",
        b"1.2.840.10008.5.1.4.1.1.7\0",
    );
    el(&mut ds, 0x0008, 0x0018, b"UI", b"1.2.3.4\0");
    el(&mut ds, 0x0028, 0x0002, b"US", &1u16.to_le_bytes());
    el(&mut ds, 0x0028, 0x0004, b"CS", b"MONOCHROME2 ");
    let mut nf = frames.to_string().into_bytes();
    if nf.len() % 2 == 1 {
        nf.push(b' ');
    }
    el(&mut ds, 0x0028, 0x0008, b"IS", &nf);
    el(&mut ds, 0x0028, 0x0010, b"US", &512u16.to_le_bytes());
    el(&mut ds, 0x0028, 0x0011, b"US", &512u16.to_le_bytes());
    let (allocated, stored) = if bits == 8 { (8u16, 8u16) } else { (16, 12) };
    el(&mut ds, 0x0028, 0x0100, b"US", &allocated.to_le_bytes());
    el(&mut ds, 0x0028, 0x0101, b"US", &stored.to_le_bytes());
    el(&mut ds, 0x0028, 0x0102, b"US", &(stored - 1).to_le_bytes());
    el(&mut ds, 0x0028, 0x0103, b"US", &0u16.to_le_bytes());
    el(&mut ds, 0x0028, 0x1052, b"DS", b"-1024 ");
    el(&mut ds, 0x0028, 0x1053, b"DS", b"1 ");
    ds.extend(pixel_element);
    let mut ts = transfer_syntax.as_bytes().to_vec();
    if ts.len() % 2 == 1 {
        ts.push(0);
    }
    let mut meta = Vec::new();
    el(&mut meta, 0x0002, 0x0001, b"OB", &[0, 1]);
    el(
        &mut meta,
        0x0002,
        0x0002,
        b"UI",
        b"1.2.840.10008.5.1.4.1.1.7\0",
    );
    el(&mut meta, 0x0002, 0x0003, b"UI", b"1.2.3.4\0");
    el(&mut meta, 0x0002, 0x0010, b"UI", &ts);
    let mut out = vec![0u8; 128];
    out.extend(b"DICM");
    el(
        &mut out,
        0x0002,
        0x0000,
        b"UL",
        &(meta.len() as u32).to_le_bytes(),
    );
    out.extend(meta);
    out.extend(ds);
    out
}

/// PackBits with replicate runs, so the RLE file is realistically compressed.
fn packbits(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let mut run = 1;
        while i + run < src.len() && run < 128 && src[i + run] == src[i] {
            run += 1;
        }
        if run >= 3 {
            out.push((1i16 - run as i16) as i8 as u8);
            out.push(src[i]);
            i += run;
        } else {
            let start = i;
            while i < src.len() && i - start < 128 {
                if i + 2 < src.len() && src[i] == src[i + 1] && src[i] == src[i + 2] {
                    break;
                }
                i += 1;
            }
            out.push((i - start - 1) as u8);
            out.extend(&src[start..i]);
        }
    }
    if out.len() % 2 == 1 {
        out.push(0x80);
    }
    out
}

/// Our own RLE encoding of 16-bit frames (one fragment per frame).
fn ct_rle(pixels: &[u8], frames: usize) -> Vec<u8> {
    let mut px = vec![
        0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
    px.extend([0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
    for frame in pixels.chunks_exact(pixels.len() / frames) {
        let hi: Vec<u8> = frame.chunks_exact(2).map(|c| c[1]).collect();
        let lo: Vec<u8> = frame.chunks_exact(2).map(|c| c[0]).collect();
        let (a, b) = (packbits(&hi), packbits(&lo));
        let mut frag = vec![0u8; 64];
        frag[..4].copy_from_slice(&2u32.to_le_bytes());
        frag[4..8].copy_from_slice(&64u32.to_le_bytes());
        frag[8..12].copy_from_slice(&(64 + a.len() as u32).to_le_bytes());
        frag.extend(a);
        frag.extend(b);
        px.extend([0xFE, 0xFF, 0x00, 0xE0]);
        px.extend((frag.len() as u32).to_le_bytes());
        px.extend(frag);
    }
    px.extend([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    ct_file("1.2.840.10008.1.2.5", &px, frames, 16)
}

fn native(pixels: &[u8], frames: usize, bits: u16) -> Vec<u8> {
    let mut px = vec![
        0xE0,
        0x7F,
        0x10,
        0x00,
        b'O',
        if bits == 8 { b'B' } else { b'W' },
        0,
        0,
    ];
    px.extend((pixels.len() as u32).to_le_bytes());
    px.extend(pixels);
    ct_file("1.2.840.10008.1.2.1", &px, frames, bits)
}

fn pydicom_root(py: &Path) -> Option<PathBuf> {
    let out = Command::new(py)
        .args(["-c", "import pydicom, os; print(os.path.join(os.path.dirname(pydicom.__file__), 'data', 'test_files'))"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

/// Best wall time of 5 runs of `tool input output` (stdout and stderr discarded).
fn time_process(tool: &str, input: &Path, output: &Path) -> Option<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        let status = Command::new(tool)
            .arg(input)
            .arg(output)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    Some(best)
}

/// pydicom's best in-process time per file: path -> (seconds, decoded bytes).
fn time_pydicom(py: &Path, files: &[&PathBuf]) -> BTreeMap<PathBuf, (f64, u64)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/pydicom_time.py");
    let mut out = BTreeMap::new();
    let Ok(run) = Command::new(py)
        .arg(&script)
        .args(files)
        .stderr(Stdio::null())
        .output()
    else {
        return out;
    };
    for line in String::from_utf8_lossy(&run.stdout).lines() {
        let f: Vec<&str> = line.splitn(3, '\t').collect();
        if let [secs, n, path] = f[..]
            && let (Ok(secs), Ok(n)) = (secs.parse::<f64>(), n.parse::<u64>())
        {
            out.insert(PathBuf::from(path), (secs, n));
        }
    }
    out
}

fn mbs(bytes: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        bytes as f64 / secs / 1e6
    } else {
        0.0
    }
}

fn show(v: f64) -> String {
    if v > 0.0 {
        format!("{v:.0}")
    } else {
        "-".to_owned()
    }
}

fn ratio(ours: f64, other: f64) -> String {
    if other > 0.0 && ours > 0.0 {
        format!("{:.1}x", ours / other)
    } else {
        "-".to_owned()
    }
}

fn main() {
    let py = python();
    let tmp = std::env::temp_dir().join(format!("meridian-viewer-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");

    // 1. The pydicom corpus, summed per transfer syntax: ours vs pydicom.
    let mut corpus = Vec::new();
    if let Some(root) = pydicom_root(&py) {
        files_under(&root, &mut corpus);
        corpus.sort();
    } else {
        eprintln!("pydicom not found at {}: skipping the corpus", py.display());
    }
    #[derive(Default)]
    struct Row {
        files: usize,
        bytes: u64,
        ours: f64,
        py_bytes: u64,
        py: f64,
    }
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut decodable: BTreeMap<PathBuf, (String, f64, u64)> = BTreeMap::new();
    for path in &corpus {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(inst) = open(&bytes) else { continue };
        let Some((secs, n)) = time_ours(&bytes) else {
            continue;
        };
        decodable.insert(
            path.clone(),
            (inst.transfer_syntax().name().to_owned(), secs, n),
        );
    }
    let py_times = time_pydicom(&py, &decodable.keys().collect::<Vec<_>>());
    for (path, (ts, secs, n)) in &decodable {
        let row = rows.entry(ts.clone()).or_default();
        row.files += 1;
        row.bytes += n;
        row.ours += secs;
        if let Some((ps, pn)) = py_times.get(path) {
            row.py += ps;
            row.py_bytes += pn;
        }
    }
    println!(
        "pydicom corpus: MB/s of decoded pixels (best of repeated runs, summed per syntax; files are small)"
    );
    println!(
        "{:<26} {:>5} {:>9} {:>9} {:>7}",
        "transfer syntax", "files", "ours", "pydicom", "ratio"
    );
    for (ts, r) in &rows {
        let (o, p) = (mbs(r.bytes, r.ours), mbs(r.py_bytes, r.py));
        println!(
            "{:<26} {:>5} {:>9} {:>9} {:>7}",
            ts,
            r.files,
            show(o),
            show(p),
            ratio(o, p)
        );
    }

    // 2. Generated CT-like series, 20 frames of 512x512 (10 MiB decoded at 16 bits), encoded by
    // us (explicit VR LE, RLE) and by dcmtk when installed: ours vs pydicom vs dcmtk processes.
    const FRAMES: usize = 20;
    let px16 = ct_pixels(FRAMES, 16);
    let px8 = ct_pixels(FRAMES, 8);
    let mut generated: Vec<(String, PathBuf, Option<&str>)> = Vec::new();
    let write = |name: &str, bytes: Vec<u8>| {
        let p = tmp.join(name);
        std::fs::write(&p, bytes).expect("write generated file");
        p
    };
    let explicit16 = write("ct16_explicit.dcm", native(&px16, FRAMES, 16));
    let explicit8 = write("ct8_explicit.dcm", native(&px8, FRAMES, 8));
    generated.push(("16-bit explicit VR LE".to_owned(), explicit16.clone(), None));
    generated.push((
        "16-bit RLE (ours)".to_owned(),
        write("ct16_rle.dcm", ct_rle(&px16, FRAMES)),
        Some("dcmdrle"),
    ));
    // JPEG 2000 lossless, encoded by pydicom with pylibjpeg-openjpeg (dcmtk has no JPEG 2000).
    let j2k = tmp.join("ct16_j2k.dcm");
    let encoded = Command::new(&py)
        .args([
            "-c",
            "import sys, pydicom; from pydicom.uid import JPEG2000Lossless as T; ds = pydicom.dcmread(sys.argv[1]); ds.compress(T, encoding_plugin='pylibjpeg'); ds.save_as(sys.argv[2])",
        ])
        .arg(&explicit16)
        .arg(&j2k)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if encoded {
        generated.push(("12-bit JPEG 2000 lossless".to_owned(), j2k, None));
    }
    let have_dcmtk = Command::new("dcmcjpeg")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok();
    if have_dcmtk {
        for (label, tool, args, input, decoder) in [
            (
                "16-bit RLE (dcmtk)",
                "dcmcrle",
                vec![],
                &explicit16,
                "dcmdrle",
            ),
            (
                "12-bit JPEG lossless SV1",
                "dcmcjpeg",
                vec!["+e1"],
                &explicit16,
                "dcmdjpeg",
            ),
            (
                "12-bit JPEG extended",
                "dcmcjpeg",
                vec!["+ee"],
                &explicit16,
                "dcmdjpeg",
            ),
            (
                "8-bit JPEG baseline",
                "dcmcjpeg",
                vec!["+eb"],
                &explicit8,
                "dcmdjpeg",
            ),
            (
                "12-bit JPEG-LS lossless",
                "dcmcjpls",
                vec![],
                &explicit16,
                "dcmdjpls",
            ),
            (
                "12-bit JPEG-LS near-lossless",
                "dcmcjpls",
                vec!["+en"],
                &explicit16,
                "dcmdjpls",
            ),
        ] {
            let out = tmp.join(format!("{}.dcm", label.replace(' ', "_")));
            let ok = Command::new(tool)
                .args(&args)
                .arg(input)
                .arg(&out)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                generated.push((label.to_owned(), out, Some(decoder)));
            }
        }
    }
    let tiny = write("tiny.dcm", {
        let mut p = vec![0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0];
        p.extend(8u32.to_le_bytes());
        p.extend([0u8; 8]);
        // Rows and columns say 512 but only dcmtk reads this file, and it copies it as it is.
        ct_file("1.2.840.10008.1.2.1", &p, 1, 16)
    });
    let out_file = tmp.join("out.dcm");
    let gen_paths: Vec<&PathBuf> = generated.iter().map(|g| &g.1).collect();
    let py_gen = time_pydicom(&py, &gen_paths);
    println!();
    println!("generated 20 x 512x512 CT-like frames: MB/s of decoded pixels");
    println!(
        "{:<30} {:>9} {:>9} {:>7} {:>9} {:>7}",
        "encoding", "ours", "pydicom", "ratio", "dcmtk", "ratio"
    );
    let mut starts = BTreeMap::new();
    for (label, path, decoder) in &generated {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Some((secs, n)) = time_ours(&bytes) else {
            println!("{label:<30} ours failed to decode");
            continue;
        };
        let ours = mbs(n, secs);
        let pyd = py_gen.get(path).map(|(s, b)| mbs(*b, *s)).unwrap_or(0.0);
        let dcm = decoder
            .and_then(|tool| {
                let start = *starts
                    .entry(tool)
                    .or_insert_with(|| time_process(tool, &tiny, &out_file).unwrap_or(0.0));
                time_process(tool, path, &out_file).map(|t| (t - start).max(1e-6))
            })
            .map(|t| mbs(n, t))
            .unwrap_or(0.0);
        println!(
            "{:<30} {:>9} {:>9} {:>7} {:>9} {:>7}",
            label,
            show(ours),
            show(pyd),
            ratio(ours, pyd),
            show(dcm),
            ratio(ours, dcm)
        );
    }
    for (tool, t) in &starts {
        println!(
            "{tool}: process start + dictionary + IO on a tiny file, subtracted: {:.1} ms",
            t * 1e3
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
