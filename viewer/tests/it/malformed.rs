//! Hostile and broken input: clear errors, no panic, no large allocation. The allocation bound
//! is enforced by running the hostile cases in a child copy of this test binary under
//! `prlimit --as` (1 GiB of address space): an attempt to reserve gigabytes aborts the child and
//! fails the parent. The child also reports its peak resident and virtual memory.

use std::process::Command;

use meridian_viewer::{DecodeError, Limits, open, open_with};

use crate::dicom::{El, Image, explicit, implicit, part10, raw, text, us};

const CHILD_ENV: &str = "MERIDIAN_VIEWER_HOSTILE_CHILD";
const ADDRESS_SPACE_CAP: u64 = 1 << 30;

fn mr_like() -> Vec<u8> {
    let img = Image::grey(64, 64, 16, true);
    let pixels: Vec<u8> = (0..64 * 64)
        .flat_map(|i: i32| ((i % 700) as i16 - 300).to_le_bytes())
        .collect();
    img.native_file(
        vec![
            text(0x0010, 0x0010, b"PN", "DOE^JANE"),
            text(0x0010, 0x0020, b"LO", "MRN12345"),
        ],
        pixels,
    )
}

/// Every hostile case; each must return an error (or, for harmless truncation, a result) and
/// none may panic.
fn hostile_cases() -> Vec<(String, Vec<u8>)> {
    let mut cases = Vec::new();
    // Absurd matrix: 65535 x 65535 x 1000 frames of 16 bits, with 4 bytes of pixel data.
    let absurd = Image {
        frames: Some(1000),
        ..Image::grey(65535, 65535, 16, false)
    };
    cases.push((
        "absurd dimensions".to_owned(),
        absurd.native_file(vec![], vec![0; 4]),
    ));
    // The same, encapsulated (JPEG baseline) with a tiny fragment.
    cases.push((
        "absurd dimensions, encapsulated".to_owned(),
        absurd.encapsulated_file(
            "1.2.840.10008.1.2.4.50",
            vec![],
            &[vec![0xFF, 0xD8, 0xFF, 0xD9]],
        ),
    ));
    // A JPEG whose frame header claims 60000 x 60000 inside a 16 x 16 data set.
    let small = Image::grey(16, 16, 8, false);
    let mut forged = vec![
        0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0xEA, 0x60, 0xEA, 0x60, 1, 1, 0x11, 0,
    ];
    forged.extend([0xFF, 0xD9]);
    cases.push((
        "forged JPEG frame header".to_owned(),
        small.encapsulated_file("1.2.840.10008.1.2.4.50", vec![], &[forged]),
    ));
    // A J2K codestream whose SIZ claims 65535 x 65535.
    let mut siz = vec![0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0];
    siz.extend(65535u32.to_be_bytes());
    siz.extend(65535u32.to_be_bytes());
    siz.extend([0u8; 16]);
    siz.extend([0, 1, 7, 1, 1]);
    cases.push((
        "forged JPEG 2000 SIZ".to_owned(),
        small.encapsulated_file("1.2.840.10008.1.2.4.90", vec![], &[siz]),
    ));
    // An element that declares 4 GiB - 2 bytes.
    let mut huge = explicit(&[text(0x0008, 0x0060, b"CS", "CT")]);
    huge.extend([
        0x10, 0x00, 0x10, 0x00, b'U', b'T', 0, 0, 0xFE, 0xFF, 0xFF, 0xFF,
    ]);
    huge.extend(b"DOE^JANE");
    cases.push((
        "huge element length".to_owned(),
        part10("1.2.840.10008.1.2.1", &huge),
    ));
    // The same in implicit VR without a meta header.
    let mut huge_implicit = implicit(&[text(0x0008, 0x0060, b"CS", "CT")]);
    huge_implicit.extend([0x10, 0x00, 0x10, 0x00, 0xF0, 0xFF, 0xFF, 0x7F]);
    cases.push(("huge element length, implicit".to_owned(), huge_implicit));
    // A fragment that claims to run past the end.
    let mut frag = explicit(&small.elements(vec![]));
    frag.extend([
        0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
    ]);
    frag.extend([
        0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0x00, 0xE0, 0xF0, 0xFF, 0xFF, 0xFF, 1, 2,
    ]);
    cases.push((
        "fragment past the end".to_owned(),
        part10("1.2.840.10008.1.2.5", &frag),
    ));
    // Sequences nested 40 deep (undefined lengths).
    let mut deep = Vec::new();
    for _ in 0..40 {
        deep.extend([
            0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        deep.extend([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
    cases.push((
        "sequences 40 deep".to_owned(),
        part10("1.2.840.10008.1.2.1", &deep),
    ));
    // An RLE frame whose header lists 15 segments at absurd offsets.
    let mut rle = vec![0u8; 64];
    rle[0] = 15;
    for k in 0..15 {
        rle[4 + 4 * k..8 + 4 * k].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    }
    cases.push((
        "RLE offsets past the end".to_owned(),
        small.encapsulated_file("1.2.840.10008.1.2.5", vec![], &[rle]),
    ));
    // Deflated data set that inflates to nothing useful.
    cases.push((
        "bad deflate".to_owned(),
        part10("1.2.840.10008.1.2.1.99", &[0xFF; 64]),
    ));
    // Garbage with and without a preamble (deterministic).
    let mut x: u32 = 0x1234_5678;
    for len in [0usize, 1, 7, 8, 131, 132, 133, 300, 4096] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (x >> 24) as u8
            })
            .collect();
        cases.push((format!("garbage {len}"), bytes.clone()));
        let mut with_preamble = vec![0u8; 128];
        with_preamble.extend(b"DICM");
        with_preamble.extend(&bytes);
        cases.push((format!("DICM + garbage {len}"), with_preamble));
    }
    // Every prefix of a valid file (step 13), and the file with each 97th byte flipped.
    let good = mr_like();
    for cut in (0..good.len()).step_by(13) {
        cases.push((format!("truncated at {cut}"), good[..cut].to_vec()));
    }
    for at in (0..good.len()).step_by(97) {
        let mut bad = good.clone();
        bad[at] ^= 0xFF;
        cases.push((format!("flipped byte {at}"), bad));
    }
    cases
}

/// Real codestreams of every family dicom-pixeldata decodes for us (RLE, JPEG 2000, JPEG-LS,
/// JPEG baseline grey and colour, native), each with bytes of its pixel data overwritten at 40
/// evenly spaced places. Lengths stay intact, so every case reaches the decoder; lossless
/// codecs have no checksum, so many decode to other values, and the point is that none panics
/// through, allocates past the cap or leaks data into an error.
fn corrupted_codestreams() -> Vec<(String, Vec<u8>)> {
    let root = crate::corpus::corpus_root();
    let mut cases = Vec::new();
    for name in [
        "MR_small_RLE.dcm",
        "SC_rgb_rle.dcm",
        "MR_small_jp2klossless.dcm",
        "GDCMJ2K_TextGBR.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "JPEGLSNearLossless_08.dcm",
        "SC_rgb_jpeg_dcmtk.dcm",
        "SC_rgb_jpeg_gdcm.dcm",
        "CT_small.dcm",
    ] {
        let good = std::fs::read(root.join(name)).expect("corpus file");
        // The last Pixel Data tag (group 7FE0, element 0010, little endian) starts the pixels.
        let start = good
            .windows(4)
            .rposition(|w| w == [0xE0, 0x7F, 0x10, 0x00])
            .expect("pixel data")
            + 12;
        let span = good.len() - start;
        for k in 1..=40 {
            let at = start + span * k / 41;
            let mut bad = good.clone();
            for b in &mut bad[at..(at + 4).min(good.len())] {
                *b ^= 0xA5;
            }
            cases.push((format!("{name} corrupted at {at}"), bad));
        }
    }
    cases
}

/// Decodes every hostile case; with `CHILD_ENV` set this is the child process body.
#[test]
fn hostile_input_child() {
    // Outside the capped child the cases still run, to find panics; the memory cap is checked
    // by `hostile_input_stays_under_the_memory_cap`.
    let mut errors = 0;
    let cases = hostile_cases();
    for (name, bytes) in &cases {
        let result = open(bytes).and_then(|i| i.frames().collect::<Result<Vec<_>, _>>());
        match result {
            Err(e) => {
                errors += 1;
                let message = e.to_string();
                assert!(
                    !message.contains("DOE") && !message.contains("MRN12345"),
                    "{name}: {message}"
                );
                assert!(!message.is_empty());
            }
            Ok(frames) => assert!(!frames.is_empty(), "{name}: decoded to no frames"),
        }
    }
    assert!(
        errors > cases.len() / 2,
        "most hostile cases must be refused ({errors} of {})",
        cases.len()
    );
    let corrupted = corrupted_codestreams();
    let mut refused = 0;
    for (name, bytes) in &corrupted {
        let result = open(bytes).and_then(|i| i.frames().collect::<Result<Vec<_>, _>>());
        match result {
            Err(e) => {
                refused += 1;
                let message = e.to_string();
                assert!(!message.is_empty(), "{name}");
                assert!(message.is_ascii(), "{name}: {message}");
            }
            Ok(frames) => assert!(!frames.is_empty(), "{name}: decoded to no frames"),
        }
    }
    // Some corruptions must reach the decoders' error paths, or the cases test nothing.
    assert!(refused > 0, "no corrupted codestream was refused");
    if std::env::var(CHILD_ENV).is_ok() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        for line in status
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmPeak"))
        {
            println!("MEMORY {line}");
        }
    }
}

#[test]
fn hostile_input_stays_under_the_memory_cap() {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = if std::path::Path::new("/usr/bin/prlimit").exists() {
        let mut c = Command::new("/usr/bin/prlimit");
        c.arg(format!("--as={ADDRESS_SPACE_CAP}")).arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = cmd
        .args([
            "--exact",
            "malformed::hostile_input_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the hostile-input child failed (an allocation over {ADDRESS_SPACE_CAP} bytes aborts it):\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
    for line in stdout.lines().filter(|l| l.starts_with("MEMORY")) {
        println!("hostile-input child: {line}");
    }
    let hwm_kib: u64 = stdout
        .lines()
        .find(|l| l.contains("VmHWM"))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse().ok())
        .expect("child reports VmHWM");
    assert!(hwm_kib < 64 * 1024, "peak resident memory {hwm_kib} KiB");
}

#[test]
fn absurd_dimensions_are_refused_by_size_before_anything_else() {
    let absurd = Image {
        frames: Some(1000),
        ..Image::grey(65535, 65535, 16, false)
    };
    let file = absurd.native_file(vec![], vec![0; 4]);
    match open(&file) {
        Err(DecodeError::TooLarge { needed, limit, .. }) => {
            assert_eq!(needed, 65535 * 65535 * 2);
            assert_eq!(limit, Limits::default().max_frame_bytes);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // With limits high enough, the pixel data length is the next check.
    let limits = Limits {
        max_frame_bytes: u64::MAX,
        max_total_bytes: u64::MAX,
        max_inflated_bytes: 1 << 20,
    };
    match open_with(&file, limits) {
        Err(DecodeError::PixelDataLength { expected, actual }) => {
            assert_eq!(expected, 65535 * 65535 * 2 * 1000);
            assert_eq!(actual, 4);
        }
        other => panic!("expected PixelDataLength, got {other:?}"),
    }
}

#[test]
fn truncated_pixel_data_names_lengths_not_values() {
    let good = mr_like();
    let cut = &good[..good.len() - 100];
    let err = open(cut).expect_err("truncated");
    let text = err.to_string();
    assert!(text.contains("(7FE0,0010)"), "{text}");
    assert!(text.contains("runs past the end"), "{text}");
    assert!(!text.contains("DOE"), "{text}");
}

#[test]
fn codestream_larger_than_declared_is_refused() {
    let small = Image::grey(16, 16, 8, false);
    let mut forged = vec![
        0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0xEA, 0x60, 0xEA, 0x60, 1, 1, 0x11, 0,
    ];
    forged.extend([0xFF, 0xD9]);
    let inst =
        open(&small.encapsulated_file("1.2.840.10008.1.2.4.50", vec![], &[forged])).expect("opens");
    let err = inst.frame(0).expect_err("refused");
    assert!(
        err.to_string()
            .contains("stream is 60000x60000 but the data set declares 16x16"),
        "{err}"
    );
}

#[test]
fn deep_nesting_is_refused() {
    let case = hostile_cases()
        .into_iter()
        .find(|(n, _)| n == "sequences 40 deep")
        .expect("case");
    let err = open(&case.1).expect_err("refused");
    assert!(
        err.to_string().contains("nested more than 32 deep"),
        "{err}"
    );
}

#[test]
fn debug_output_of_an_instance_shows_no_patient_data() {
    let inst = open(&mr_like()).expect("opens");
    let debug = format!("{inst:?}");
    assert!(
        !debug.contains("DOE") && !debug.contains("MRN12345"),
        "{debug}"
    );
    assert!(debug.contains("rows: 64"), "{debug}");
}

#[test]
fn inconsistent_image_attributes_are_refused_with_their_tag() {
    let cases: Vec<(Vec<El>, &str)> = vec![
        (vec![us(0x0028, 0x0101, 17)], "(0028,0101)"),
        (vec![us(0x0028, 0x0002, 2)], "(0028,0002)"),
        (vec![us(0x0028, 0x0010, 0)], "(0028,0010)"),
    ];
    for (overrides, tag) in cases {
        let img = Image::grey(4, 4, 16, false);
        let mut els: Vec<El> = img
            .elements(vec![])
            .into_iter()
            .filter(|e| {
                !overrides
                    .iter()
                    .any(|o| o.group == e.group && o.element == e.element)
            })
            .collect();
        els.extend(overrides);
        els.sort_by_key(|e| (e.group, e.element));
        els.push(raw(0x7FE0, 0x0010, b"OW", vec![0; 32]));
        let err = open(&part10("1.2.840.10008.1.2.1", &explicit(&els))).expect_err("refused");
        assert!(err.to_string().contains(tag), "{tag}: {err}");
    }
}
