//! Every file with pixel data in pydicom's test corpus, decoded by us and by pydicom (with
//! pylibjpeg, pyjpegls and GDCM), compared value by value. Lossless syntaxes must match
//! exactly; lossy ones within `tolerance`; anything else must be a refusal with a reason. The
//! table is viewer/DECODING.md: `MERIDIAN_WRITE_TABLE=1` rewrites it, otherwise the test fails
//! when the repository's table differs from what it observed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use meridian_viewer::pipeline::color::ybr_full_to_rgb8;
use meridian_viewer::{DecodeError, Instance, Photometric, TransferSyntax, open};

/// Largest difference accepted for lossy syntaxes, per Bits Stored: one step in 2^(bits-8)
/// times 4, i.e. 4 for 8-bit (chroma upsampling and IDCT rounding differ between decoders),
/// 64 for 12-bit.
fn tolerance(bits_stored: u16) -> i64 {
    4i64 << bits_stored.saturating_sub(8)
}

pub(crate) fn python() -> PathBuf {
    if let Ok(p) = std::env::var("MERIDIAN_PYTHON") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
    Path::new(&home).join(".cache/meridian/venv/bin/python")
}

/// pydicom's `data/test_files` folder, asked of the reference interpreter without decoding.
pub(crate) fn corpus_root() -> PathBuf {
    let py = python();
    let out = Command::new(&py)
        .args([
            "-c",
            "import os, pydicom; print(os.path.join(os.path.dirname(pydicom.__file__), 'data', 'test_files'))",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}); set MERIDIAN_PYTHON", py.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

pub(crate) struct Reference {
    pub(crate) root: PathBuf,
    pub(crate) rows: Vec<RefRow>,
    pub(crate) dir: PathBuf,
}

pub(crate) struct RefRow {
    pub(crate) index: usize,
    pub(crate) path: PathBuf,
    /// `Ok((dtype, shape))` or `Err(pydicom's message)`.
    pub(crate) result: Result<(String, Vec<usize>), String>,
}

/// Runs the reference script over pydicom's corpus (or `files`) into a fresh temp folder.
pub(crate) fn reference(files: &[PathBuf]) -> Reference {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "meridian-viewer-ref-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/pydicom_decode.py");
    let py = python();
    let out = Command::new(&py)
        .arg(&script)
        .arg(&dir)
        .args(files)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}); install the reference decoders: {} -m pip install \
                 pydicom pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg pylibjpeg-rle pyjpegls numpy, \
                 or set MERIDIAN_PYTHON",
                py.display(),
                py.display()
            )
        });
    assert!(
        out.status.success(),
        "reference script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = PathBuf::from(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .lines()
            .last()
            .unwrap_or(""),
    );
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest");
    let rows = manifest
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let result = if f[2] == "error" {
                Err(f.get(5).copied().unwrap_or("").to_owned())
            } else {
                Ok((
                    f[2].to_owned(),
                    f[3].split('x').map(|d| d.parse().expect("shape")).collect(),
                ))
            };
            RefRow {
                index: f[0].parse().expect("index"),
                path: PathBuf::from(f[1]),
                result,
            }
        })
        .collect();
    Reference { root, rows, dir }
}

/// pydicom's array as i64, read from the little-endian dump.
pub(crate) fn load(dir: &Path, index: usize, dtype: &str) -> Vec<i64> {
    let bytes = std::fs::read(dir.join(format!("{index}.bin"))).expect("reference array");
    match dtype {
        "uint8" | "bool" => bytes.iter().map(|b| i64::from(*b)).collect(),
        "int8" => bytes.iter().map(|b| i64::from(*b as i8)).collect(),
        "uint16" => bytes
            .chunks_exact(2)
            .map(|c| i64::from(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
        "int16" => bytes
            .chunks_exact(2)
            .map(|c| i64::from(i16::from_le_bytes([c[0], c[1]])))
            .collect(),
        "uint32" => bytes
            .chunks_exact(4)
            .map(|c| i64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        "int32" => bytes
            .chunks_exact(4)
            .map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        other => panic!("unexpected dtype {other}"),
    }
}

/// All frames of an instance as i64, or the first error.
/// Every frame's values, the photometric interpretation they came back in, and the decoders
/// that produced them (each named once, in order of first use).
pub(crate) fn decode_all(
    inst: &Instance,
) -> Result<(Vec<i64>, Photometric, Vec<&'static str>), DecodeError> {
    let mut all = Vec::new();
    let mut photometric = inst.image_pixel().photometric.clone();
    let mut decoders = Vec::new();
    for i in 0..inst.frame_count() {
        let (f, decoder) = inst.frame_with_decoder(i)?;
        photometric = f.photometric.clone();
        all.extend(f.data.to_i64());
        if !decoders.contains(&decoder) {
            decoders.push(decoder);
        }
    }
    Ok((all, photometric, decoders))
}

/// pydicom returns colour JPEG as Y, Cb, Cr; where our decoder already converted to RGB, the
/// reference is converted with the same PS3.3 formula before comparing.
fn ybr_to_rgb(values: &[i64], bits: u16) -> Vec<i64> {
    values
        .chunks_exact(3)
        .flat_map(|p| ybr_full_to_rgb8(p[0], p[1], p[2], bits).map(i64::from))
        .collect()
}

fn short(e: &DecodeError) -> String {
    let s = e.to_string();
    let s = match s.find(" (hint:") {
        Some(i) => s[..i].to_owned(),
        None => s,
    };
    s.replace('|', "/")
}

#[derive(PartialEq)]
enum Outcome {
    Exact,
    Within(i64),
    Refused,
    PydicomCant,
    Mismatch,
}

#[test]
fn pydicom_corpus_matches_pydicom() {
    let reference = reference(&[]);
    assert!(
        reference.rows.len() >= 80,
        "expected the ~95 pydicom files with pixel data, found {}",
        reference.rows.len()
    );
    let mut lines = BTreeMap::new();
    let mut failures = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &reference.rows {
        let name = row
            .path
            .strip_prefix(&reference.root)
            .unwrap_or(&row.path)
            .display()
            .to_string();
        let bytes = std::fs::read(&row.path).expect("corpus file");
        let opened = open(&bytes);
        let (ts, photometric, bits, frames) = match &opened {
            Ok(i) => {
                let p = i.image_pixel();
                (
                    i.transfer_syntax().name().to_owned(),
                    p.photometric.to_string(),
                    format!(
                        "{}/{}{}",
                        p.bits_allocated,
                        p.bits_stored,
                        if p.signed { " s" } else { "" }
                    ),
                    p.number_of_frames.to_string(),
                )
            }
            Err(_) => (
                "?".to_owned(),
                "?".to_owned(),
                "?".to_owned(),
                "?".to_owned(),
            ),
        };
        let ours = opened.and_then(|i| decode_all(&i).map(|v| (i, v)));
        let decoder = match &ours {
            Ok((_, (_, _, decoders))) => decoders.join(", "),
            Err(_) => "-".to_owned(),
        };
        let (outcome, text) = match (&row.result, ours) {
            (Err(py), Err(e)) => (
                Outcome::Refused,
                format!("refused: {}; pydicom can't either ({})", short(&e), cut(py)),
            ),
            (Err(py), Ok(_)) => (
                Outcome::PydicomCant,
                format!("pydicom can't ({}); ours decodes", cut(py)),
            ),
            (Ok(_), Err(e)) => (Outcome::Refused, format!("refused: {}", short(&e))),
            (Ok((dtype, shape)), Ok((inst, (values, ours_photometric, _)))) => {
                let mut theirs = load(&reference.dir, row.index, dtype);
                let declared = &inst.image_pixel().photometric;
                let converted = ours_photometric == Photometric::Rgb
                    && matches!(declared, Photometric::YbrFull | Photometric::YbrFull422);
                if converted {
                    theirs = ybr_to_rgb(&theirs, inst.image_pixel().bits_stored);
                }
                let expected: usize = shape.iter().product();
                if theirs.len() != expected || values.len() != theirs.len() {
                    (
                        Outcome::Mismatch,
                        format!(
                            "MISMATCH: {} values vs pydicom's {}",
                            values.len(),
                            theirs.len()
                        ),
                    )
                } else {
                    let diff = values
                        .iter()
                        .zip(&theirs)
                        .map(|(a, b)| (a - b).abs())
                        .max()
                        .unwrap_or(0);
                    let lossy = inst.transfer_syntax().may_be_lossy();
                    let note = if converted { " (as RGB)" } else { "" };
                    if diff == 0 {
                        (Outcome::Exact, format!("exact{note}"))
                    } else if lossy && diff <= tolerance(inst.image_pixel().bits_stored) {
                        (Outcome::Within(diff), format!("within {diff}{note}"))
                    } else {
                        (
                            Outcome::Mismatch,
                            format!("MISMATCH: max difference {diff}"),
                        )
                    }
                }
            }
        };
        let key = match outcome {
            Outcome::Exact => "exact",
            Outcome::Within(_) => "within tolerance",
            Outcome::Refused => "refused",
            Outcome::PydicomCant => "pydicom can't",
            Outcome::Mismatch => "MISMATCH",
        };
        *counts.entry(key).or_default() += 1;
        if outcome == Outcome::Mismatch {
            failures.push(format!("{name}: {text}"));
        }
        lines.insert(
            name.clone(),
            format!("| {name} | {ts} | {photometric} | {bits} | {frames} | {text} | {decoder} |"),
        );
    }
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    let mut table = String::new();
    table.push_str(HEADER);
    table.push_str(&format!("Summary: {}.\n\n", summary.join(", ")));
    table.push_str("| file | transfer syntax | photometric | bits (allocated/stored, s = signed) | frames | result | decoder |\n");
    table.push_str("|---|---|---|---|---|---|---|\n");
    for l in lines.values() {
        table.push_str(l);
        table.push('\n');
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("DECODING.md");
    if std::env::var("MERIDIAN_WRITE_TABLE").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &table).expect("write DECODING.md");
    }
    let _ = std::fs::remove_dir_all(&reference.dir);
    assert!(
        failures.is_empty(),
        "decoded values differ from pydicom:\n{}",
        failures.join("\n")
    );
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == table,
        "viewer/DECODING.md is out of date; rerun with MERIDIAN_WRITE_TABLE=1 and review the diff.\nobserved:\n{table}"
    );
    // The known gaps of dicom-pixeldata 0.10.1 must stay closed.
    for (file, want) in [
        ("SC_rgb_rle_32bit.dcm", "exact"),
        ("rtdose_rle.dcm", "exact"),
        ("rtdose_expb.dcm", "exact"),
        ("SC_jpeg_no_color_transform.dcm", "within"),
        ("SC_jpeg_no_color_transform_2.dcm", "within"),
        ("SC_rgb_small_odd_big_endian.dcm", "exact"),
        ("liver_expb_1frame.dcm", "exact"),
        ("SC_ybr_full_422_uncompressed.dcm", "exact"),
        ("ExplVR_BigEnd.dcm", "exact"),
        ("JPGExtended.dcm", "within"),
    ] {
        let line = lines
            .get(file)
            .unwrap_or_else(|| panic!("{file} missing from the corpus"));
        assert!(line.contains(&format!("| {want}")), "{file}: {line}");
        // The second "no colour transform" file carries an Adobe APP14 marker saying RGB,
        // which jpeg-decoder honours, so dicom-pixeldata decodes it correctly.
        if file != "SC_jpeg_no_color_transform_2.dcm" {
            assert!(
                line.contains("| meridian: "),
                "{file} should take our own path: {line}"
            );
        }
    }
    // The compressed families dicom-pixeldata is exact on go through it. Uncompressed frames
    // are converted by us in one pass (dicom-pixeldata's route copies them twice, about 4x
    // slower), equally exactly.
    assert!(lines.get("CT_small.dcm").is_some_and(|l| l.ends_with("| meridian: native 16-bit grey |") && l.contains("| exact")));
    assert!(lines.get("examples_rgb_color.dcm").is_some_and(|l| l.ends_with("| meridian: native 8-bit |") && l.contains("| exact")));
    assert!(lines.get("rtdose.dcm").is_some_and(|l| l.ends_with("| meridian: native 32-bit grey |") && l.contains("| exact")));
    // RLE likewise: our plane-wise PackBits is twice as fast as the adapter.
    assert!(lines.get("MR_small_RLE.dcm").is_some_and(|l| l.ends_with("| meridian: RLE |") && l.contains("| exact")));
    // JPEG 2000 goes through OpenJPEG (C) directly, threaded for large tiles.
    for file in ["MR_small_jp2klossless.dcm", "J2K_pixelrep_mismatch.dcm", "GDCMJ2K_TextGBR.dcm", "JPEG2000.dcm"] {
        assert!(lines.get(file).is_some_and(|l| l.ends_with("| meridian: OpenJPEG |") && l.contains("| exact")), "{file}");
    }
    for file in [
        "MR_small_jpeg_ls_lossless.dcm",
        "SC_rgb_jpeg_dcmtk.dcm",
        "SC_rgb_jpeg_gdcm.dcm",
    ] {
        let line = lines
            .get(file)
            .unwrap_or_else(|| panic!("{file} missing from the corpus"));
        assert!(
            line.ends_with("| dicom-pixeldata |")
                && (line.contains("| exact") || line.contains("| within")),
            "{file}: {line}"
        );
    }
}

fn cut(s: &str) -> String {
    let s: String = s.chars().take(70).collect();
    s.replace('|', "/")
}

const HEADER: &str = "# Decoding the pydicom test corpus

Generated by `cargo test -p meridian-viewer --test it corpus` with `MERIDIAN_WRITE_TABLE=1`;
the same test fails when this file differs from what it observes. Each file with Pixel Data in
pydicom's `data/test_files` is decoded by meridian-viewer and by pydicom 3 (`pixel_array(ds,
as_rgb=False)` with pylibjpeg, pylibjpeg-libjpeg/-openjpeg/-rle, pyjpegls and python-gdcm) and
compared value by value over all frames. Lossless transfer syntaxes must be exact; lossy ones
(JPEG baseline/extended, JPEG-LS near-lossless, JPEG 2000 part 1) may differ by at most
4 x 2^(bits stored - 8) (4 for 8-bit, 64 for 12-bit); \"within N\" gives the largest difference
seen. pydicom returns colour JPEG as Y, Cb, Cr; ours returns RGB (jpeg-decoder converts), so
those rows, marked \"(as RGB)\", compare against pydicom's values converted with the PS3.3
C.7.6.3.1.2 formula (`pipeline::color::ybr_full_to_rgb8`).

The last column names the decoder each file's frames went through (`Instance::frame_with_decoder`):
\"dicom-pixeldata\" (`PixelDecoder::decode_pixel_data_frame` of dicom-pixeldata 0.10, after our
header and dimension checks), or \"meridian: <gap>\" where our own code covers one of its gaps.

";

#[test]
fn twelve_bit_jpeg_that_pydicom_cannot_decode_matches_its_twin() {
    // JPEG-lossy.dcm and JPGExtended.dcm hold the same 12-bit image; pydicom decodes only the
    // second, so the first is checked against our decoding of the second.
    let reference = reference(&[]);
    let read = |name: &str| std::fs::read(reference.root.join(name)).expect("corpus file");
    let _ = std::fs::remove_dir_all(&reference.dir);
    let a = open(&read("JPEG-lossy.dcm")).and_then(|i| i.frame(0));
    let b = open(&read("JPGExtended.dcm"))
        .and_then(|i| i.frame(0))
        .expect("JPGExtended decodes");
    match a {
        Ok(a) => {
            let diff = a
                .data
                .to_i64()
                .iter()
                .zip(b.data.to_i64())
                .map(|(x, y)| (x - y).abs())
                .max();
            assert_eq!(diff, Some(0));
        }
        Err(e) => {
            // Refusing is allowed; the reason must name the transfer syntax.
            assert!(e.to_string().contains("1.2.840.10008.1.2.4.51"), "{e}");
        }
    }
    assert_eq!(
        TransferSyntax::from_uid("1.2.840.10008.1.2.4.51"),
        TransferSyntax::JpegExtended
    );
}

#[test]
fn own_sequential_jpeg_decoder_agrees_with_jpeg_decoder_on_8_bit() {
    // The 12-bit decoder shares its Huffman, dequantisation and IDCT code with 8-bit; check it
    // against jpeg-decoder on 8-bit streams without chroma subsampling (where the two cannot
    // differ by upsampling): RGB coded without a colour transform, and 4:4:4 YCbCr.
    let reference = reference(&[]);
    let _ = std::fs::remove_dir_all(&reference.dir);
    for name in ["SC_rgb_dcmtk_+eb+cr.dcm", "SC_rgb_jpeg_app14_dcmd.dcm"] {
        let bytes = std::fs::read(reference.root.join(name)).expect("corpus file");
        let theirs = open(&bytes)
            .and_then(|i| i.frame(0))
            .expect("jpeg-decoder decodes");
        let soi = bytes
            .windows(2)
            .position(|w| w == [0xFF, 0xD8])
            .expect("a JPEG stream");
        let (w, h, c, ours) =
            meridian_viewer::decode_sequential_jpeg(&bytes[soi..]).expect("ours decodes");
        assert_eq!((w, h, c), (theirs.columns, theirs.rows, 3), "{name}");
        let diff = ours
            .iter()
            .zip(theirs.data.to_i64())
            .map(|(a, b)| (i64::from(*a) - b).abs())
            .max();
        assert!(
            diff.is_some_and(|d| d <= 2),
            "{name}: max difference {diff:?}"
        );
    }
}
