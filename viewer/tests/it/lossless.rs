//! Our lossless JPEG (process 14) decoder against dcmtk's encoder: every predictor (selection
//! values 1 to 7) and a point transform give back exactly the values encoded.

use std::path::Path;
use std::process::Command;

use meridian_demo::dicom::CtSeriesSpec;

fn encode(dir: &Path, input: &Path, name: &str, options: &[&str]) -> Vec<u8> {
    let out = dir.join(name);
    let status = Command::new("dcmcjpeg").args(options).arg(input).arg(&out).status().expect("dcmcjpeg (apt install dcmtk)");
    assert!(status.success(), "dcmcjpeg {options:?}");
    std::fs::read(out).expect("encoded file")
}

#[test]
fn every_predictor_and_a_point_transform_decode_exactly() {
    let dir = tempfile_dir();
    let spec = CtSeriesSpec { slices: 1, rows: 48, columns: 80, ..CtSeriesSpec::demo("LL1", "LOSSLESS^Test", "19700101", "O") };
    let input = dir.join("in.dcm");
    std::fs::write(&input, spec.slice(0)).expect("write");
    let original = meridian_viewer::open(&std::fs::read(&input).expect("read")).expect("open").frame(0).expect("frame").data;
    for sv in 1..=7 {
        let sv = sv.to_string();
        let bytes = encode(&dir, &input, &format!("sv{sv}.dcm"), &["+el", "+sv", &sv]);
        let (frame, path) = meridian_viewer::open(&bytes).expect("open").frame_with_decoder(0).expect("decode");
        assert_eq!(path, "meridian: JPEG lossless", "selection value {sv}");
        assert_eq!(frame.data, original, "selection value {sv}");
    }
    let bytes = encode(&dir, &input, "pt2.dcm", &["+el", "+sv", "1", "+pt", "2"]);
    let frame = meridian_viewer::open(&bytes).expect("open").frame(0).expect("decode");
    let (a, b) = (frame.data.to_i64(), original.to_i64());
    assert!(a.iter().zip(&b).all(|(x, y)| *x == (*y >> 2) << 2), "point transform 2 keeps the high bits");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("meridian-lossless-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp");
    dir
}
