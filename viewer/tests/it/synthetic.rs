//! Files built in memory: no meta header, 32-bit RLE, offset tables, Modality LUT Sequence,
//! enhanced multi-frame functional groups, palette colour.

use meridian_viewer::{
    FrameInfo, ModalityLut, PixelData, TransferSyntax, Voi, Warning, open, render_to_rgba8,
};

use crate::dicom::{
    El, Image, encapsulated_pixel_data, explicit, implicit, part10, raw, rle_frame, text, us,
};

fn item(elements: &[El]) -> Vec<u8> {
    let body = explicit(elements);
    let mut out = vec![0xFE, 0xFF, 0x00, 0xE0];
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

fn sequence(group: u16, element: u16, items: &[Vec<u8>]) -> El {
    raw(group, element, b"SQ", items.concat())
}

fn ds(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("\\")
}

#[test]
fn file_without_meta_header_reads_as_implicit_little_endian() {
    let img = Image::grey(2, 2, 16, true);
    let mut els = img.elements(vec![]);
    els.push(raw(
        0x7FE0,
        0x0010,
        b"OW",
        [-3i16, 4, -5, 6]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect(),
    ));
    let inst = open(&implicit(&els)).expect("opens");
    assert_eq!(
        inst.frame(0).expect("frame").data,
        PixelData::I16(vec![-3, 4, -5, 6])
    );
    assert!(inst.warnings().contains(&Warning::NoMetaHeader {
        assumed: TransferSyntax::ImplicitVrLittleEndian
    }));
}

#[test]
fn rle_32_bit_round_trips() {
    let img = Image {
        frames: Some(2),
        ..Image::grey(3, 5, 32, false)
    };
    let values: Vec<u32> = (0..30u32)
        .map(|i| i.wrapping_mul(0x0102_0304) ^ 0xDEAD_0000)
        .collect();
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let frames: Vec<Vec<u8>> = bytes.chunks(60).map(|f| rle_frame(f, 15, 1, 4)).collect();
    let inst = open(&img.encapsulated_file("1.2.840.10008.1.2.5", vec![], &frames)).expect("opens");
    let got: Vec<u32> = inst
        .frames()
        .flat_map(|f| match f.expect("frame").data {
            PixelData::U32(v) => v,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, values);
}

#[test]
fn rle_16_bit_signed_rgb_planes() {
    let img = Image {
        samples: 3,
        photometric: "RGB",
        ..Image::grey(2, 2, 16, true)
    };
    let values: Vec<i16> = vec![-1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11, 12];
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let inst =
        open(&img.encapsulated_file("1.2.840.10008.1.2.5", vec![], &[rle_frame(&bytes, 4, 3, 2)]))
            .expect("opens");
    assert_eq!(inst.frame(0).expect("frame").data, PixelData::I16(values));
}

#[test]
fn basic_offset_table_groups_fragments_into_frames() {
    // Encapsulated uncompressed, 2 frames of 4 bytes, each split into 2 fragments of 2 bytes.
    let img = Image {
        frames: Some(2),
        ..Image::grey(2, 2, 8, false)
    };
    let frags = vec![vec![1, 2], vec![3, 4], vec![5, 6], vec![7, 8]];
    // Each fragment item takes 8 + 2 bytes, so frame 1 starts at 20.
    let mut dataset = explicit(&img.elements(vec![]));
    dataset.extend(encapsulated_pixel_data(&[0, 20], &frags));
    let inst = open(&part10("1.2.840.10008.1.2.1.98", &dataset)).expect("opens");
    assert_eq!(
        inst.frame(1).expect("frame").data,
        PixelData::U8(vec![5, 6, 7, 8])
    );
    // Without a table and with fragments that do not match frames, we refuse rather than guess.
    let inst = open(&img.encapsulated_file(
        "1.2.840.10008.1.2.1.98",
        vec![],
        &[vec![1, 2], vec![3, 4], vec![5, 6]],
    ));
    assert!(
        inst.expect_err("ambiguous")
            .to_string()
            .contains("which fragments belong to which frame")
    );
}

#[test]
fn extended_offset_table_is_used() {
    let img = Image {
        frames: Some(2),
        ..Image::grey(2, 2, 8, false)
    };
    let frags = vec![vec![1, 2], vec![3, 4], vec![5, 6], vec![7, 8]];
    let eot: Vec<u8> = [0u64, 20].iter().flat_map(|o| o.to_le_bytes()).collect();
    let eot_len: Vec<u8> = [4u64, 4].iter().flat_map(|o| o.to_le_bytes()).collect();
    let mut dataset = explicit(&img.elements(vec![]));
    dataset.extend(explicit(&[
        raw(0x7FE0, 0x0001, b"OV", eot),
        raw(0x7FE0, 0x0002, b"OV", eot_len),
    ]));
    // A wrong basic offset table, which the extended one overrides.
    dataset.extend(encapsulated_pixel_data(&[0, 10], &frags));
    let inst = open(&part10("1.2.840.10008.1.2.1.98", &dataset)).expect("opens");
    assert_eq!(
        inst.frame(0).expect("frame").data,
        PixelData::U8(vec![1, 2, 3, 4])
    );
    assert_eq!(
        inst.frame(1).expect("frame").data,
        PixelData::U8(vec![5, 6, 7, 8])
    );
}

#[test]
fn modality_lut_sequence_is_applied() {
    let img = Image::grey(1, 3, 8, false);
    let lut_item = item(&[
        raw(
            0x0028,
            0x3002,
            b"US",
            [3u16, 1, 16].iter().flat_map(|v| v.to_le_bytes()).collect(),
        ),
        text(0x0028, 0x3004, b"LO", "HU"),
        raw(
            0x0028,
            0x3006,
            b"OW",
            [100u16, 200, 4000]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
    ]);
    let extra = vec![
        sequence(0x0028, 0x3000, &[lut_item]),
        text(0x0028, 0x1050, b"DS", "2050"),
        text(0x0028, 0x1051, b"DS", "4000"),
    ];
    let inst = open(&img.native_file(extra, vec![0, 2, 9])).expect("opens");
    let m = inst.modality_lut(0);
    assert!(matches!(m, ModalityLut::Table(_)), "{m:?}");
    assert_eq!(
        (m.apply(0), m.apply(1), m.apply(2), m.apply(9)),
        (100.0, 100.0, 200.0, 4000.0)
    );
    let d = inst.default_display(0);
    assert!(matches!(d.voi, Voi::Window(w) if w.center == 2050.0 && w.width == 4000.0));
    // 100 -> (100 - 2049.5)/3999 + 0.5 = 0.01250 -> 3; 200 -> 0.03751 -> 10; 4000 -> 0.98775 -> 252.
    let rgba = render_to_rgba8(&inst.frame(0).expect("frame"), &d);
    assert_eq!([rgba[0], rgba[4], rgba[8]], [3, 10, 252]);
}

#[test]
fn enhanced_multiframe_functional_groups() {
    let img = Image {
        frames: Some(2),
        ..Image::grey(2, 2, 16, true)
    };
    let shared = item(&[
        sequence(
            0x0020,
            0x9116,
            &[item(&[text(
                0x0020,
                0x0037,
                b"DS",
                &ds(&[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]),
            )])],
        ),
        sequence(
            0x0028,
            0x9110,
            &[item(&[
                text(0x0018, 0x0050, b"DS", "1.5"),
                text(0x0028, 0x0030, b"DS", &ds(&[0.7, 0.8])),
            ])],
        ),
    ]);
    let per_frame = |z: f64, slope: f64, intercept: f64| {
        item(&[
            sequence(
                0x0020,
                0x9113,
                &[item(&[text(
                    0x0020,
                    0x0032,
                    b"DS",
                    &ds(&[-10.0, -20.0, z]),
                )])],
            ),
            sequence(
                0x0028,
                0x9145,
                &[item(&[
                    text(0x0028, 0x1052, b"DS", &intercept.to_string()),
                    text(0x0028, 0x1053, b"DS", &slope.to_string()),
                    text(0x0028, 0x1054, b"LO", "HU"),
                ])],
            ),
        ])
    };
    let extra = vec![
        text(0x0008, 0x0060, b"CS", "CT"),
        sequence(0x5200, 0x9229, &[shared]),
        sequence(
            0x5200,
            0x9230,
            &[per_frame(5.0, 1.0, -1024.0), per_frame(6.5, 2.0, -10.0)],
        ),
    ];
    let inst = open(&img.native_file(extra, vec![0; 16])).expect("opens");
    let f1: &FrameInfo = inst.frame_info(1).expect("frame 1");
    assert_eq!(f1.position, Some([-10.0, -20.0, 6.5]));
    assert_eq!(f1.orientation, Some([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]));
    assert_eq!(f1.pixel_spacing, Some([0.7, 0.8]));
    assert_eq!(f1.slice_thickness, Some(1.5));
    assert_eq!(
        inst.modality_lut(0),
        ModalityLut::Rescale {
            slope: 1.0,
            intercept: -1024.0
        }
    );
    assert_eq!(
        inst.modality_lut(1),
        ModalityLut::Rescale {
            slope: 2.0,
            intercept: -10.0
        }
    );
    assert_eq!(inst.modality().as_deref(), Some("CT"));
    assert!(inst.frame_info(2).is_none());
}

#[test]
fn palette_color_with_segmented_tables() {
    let img = Image {
        photometric: "PALETTE COLOR",
        ..Image::grey(1, 4, 8, false)
    };
    let desc: Vec<u8> = [256u16, 0, 16]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    // Red: linear 0 -> 0xFFFF over 256 entries; green: discrete zeros; blue: constant 0x8000.
    let words = |w: &[u16]| -> Vec<u8> { w.iter().flat_map(|v| v.to_le_bytes()).collect() };
    let extra = vec![
        raw(0x0028, 0x1101, b"US", desc.clone()),
        raw(0x0028, 0x1102, b"US", desc.clone()),
        raw(0x0028, 0x1103, b"US", desc),
        raw(0x0028, 0x1221, b"OW", words(&[0, 1, 0, 1, 255, 0xFFFF])),
        raw(0x0028, 0x1222, b"OW", words(&[0, 1, 0, 1, 255, 0])),
        raw(
            0x0028,
            0x1223,
            b"OW",
            words(&[0, 1, 0x8000, 1, 255, 0x8000]),
        ),
    ];
    let inst = open(&img.native_file(extra, vec![0, 85, 170, 255])).expect("opens");
    let rgba = render_to_rgba8(&inst.frame(0).expect("frame"), &inst.default_display(0));
    // Red entry k = round(65535 * k / 255) -> high byte: 0, 85, 170, 255.
    assert_eq!(
        rgba,
        vec![
            0, 0, 128, 255, 85, 0, 128, 255, 170, 0, 128, 255, 255, 0, 128, 255
        ]
    );
}

#[test]
fn monochrome1_default_display_is_inverted() {
    let img = Image {
        photometric: "MONOCHROME1",
        ..Image::grey(1, 2, 8, false)
    };
    let inst = open(&img.native_file(vec![us(0x0028, 0x0106, 0)], vec![0, 255])).expect("opens");
    let rgba = render_to_rgba8(&inst.frame(0).expect("frame"), &inst.default_display(0));
    assert_eq!([rgba[0], rgba[4]], [255, 0]);
}
