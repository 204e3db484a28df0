//! Grayscale Softcopy Presentation States (PS3.3 A.33.1): a reader's measurements stored as
//! DICOM graphic annotations, so that they reload here and show in any PACS viewer. Written in
//! explicit VR little endian with defined lengths; read with dicom-object.
//!
//! Coordinates are in `PIXEL` annotation units, where the top left-hand corner of the top
//! left-hand pixel is `0\0` (PS3.3 C.10.5.1.2): the same image coordinates the renderer and
//! [`crate::measure`] use (the centre of column `c`, row `r` is `(c + 0.5, r + 0.5)`).

use dicom_core::Tag as CoreTag;
use dicom_object::InMemDicomObject;

use crate::error::DecodeError;

/// Grayscale Softcopy Presentation State Storage.
pub const GSPS_SOP_CLASS: &str = "1.2.840.10008.5.1.4.1.1.11.1";
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
const IMPLEMENTATION_CLASS: &str = "2.25.302115714133620545238399102716153843913";
const LAYER: &str = "MEASUREMENTS";

/// An image the presentation state applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub sop_class_uid: String,
    pub sop_instance_uid: String,
    /// For multi-frame images, the frame (1-based).
    pub frame: Option<u32>,
}

/// What is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Graphic {
    /// A length (two points) or an angle (three points, vertex in the middle).
    Polyline(Vec<[f64; 2]>),
    /// The ellipse inscribed in the rectangle from `corner` to `opposite`.
    Ellipse {
        corner: [f64; 2],
        opposite: [f64; 2],
    },
}

/// One annotation on one image: its graphic and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Index into [`PresentationState::images`].
    pub image: usize,
    pub graphic: Graphic,
    pub label: String,
}

/// Everything written into a presentation state. Patient and study attributes are copied from
/// the referenced images.
#[derive(Debug, Clone, Default)]
pub struct PresentationState {
    pub patient_name: String,
    pub patient_id: String,
    pub birth_date: String,
    pub sex: String,
    pub study_uid: String,
    pub study_date: String,
    pub study_time: String,
    pub accession: String,
    pub study_id: String,
    /// The series of the referenced images.
    pub image_series_uid: String,
    /// This presentation state's own series and instance.
    pub series_uid: String,
    pub sop_instance_uid: String,
    pub instance_number: u32,
    /// `YYYYMMDD` and `HHMMSS`.
    pub created_date: String,
    pub created_time: String,
    /// DICOM PN of the reader.
    pub creator: String,
    /// Columns and rows of the images (the displayed area).
    pub columns: u32,
    pub rows: u32,
    /// Pixel Spacing of the images (row, column) in mm, when known.
    pub pixel_spacing: Option<[f64; 2]>,
    /// The window shown when the marks were made.
    pub window: Option<(f64, f64)>,
    pub images: Vec<ImageRef>,
    pub marks: Vec<Mark>,
}

/// A mark read back: the image it is on and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadMark {
    pub sop_instance_uid: String,
    pub frame: Option<u32>,
    pub graphic: Graphic,
    pub label: String,
}

/// Identifiers of a presentation state, read without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub patient_id: Option<String>,
    pub study_uid: String,
    pub series_uid: String,
    pub sop_instance_uid: String,
    /// Presentation Creation Date and Time, `YYYYMMDDHHMMSS` (for picking the latest).
    pub created: String,
}

/// The PS3.10 file of a presentation state.
pub fn write(ps: &PresentationState) -> Vec<u8> {
    let mut ds = Writer::default();
    ds.text(0x0008, 0x0005, b"CS", "ISO_IR 192");
    ds.uid(0x0008, 0x0016, GSPS_SOP_CLASS);
    ds.uid(0x0008, 0x0018, &ps.sop_instance_uid);
    ds.text(0x0008, 0x0020, b"DA", &ps.study_date);
    ds.text(0x0008, 0x0030, b"TM", &ps.study_time);
    ds.text(0x0008, 0x0050, b"SH", &ps.accession);
    ds.text(0x0008, 0x0060, b"CS", "PR");
    ds.text(0x0008, 0x0070, b"LO", "Meridian");
    ds.text(0x0008, 0x0090, b"PN", "");
    let series: Vec<Vec<u8>> = vec![{
        let mut item = Writer::default();
        item.sequence(0x0008, 0x1140, ps.images.iter().map(image_item).collect());
        item.uid(0x0020, 0x000E, &ps.image_series_uid);
        item.0
    }];
    ds.sequence(0x0008, 0x1115, series);
    ds.text(0x0010, 0x0010, b"PN", &ps.patient_name);
    ds.text(0x0010, 0x0020, b"LO", &ps.patient_id);
    ds.text(0x0010, 0x0030, b"DA", &ps.birth_date);
    ds.text(0x0010, 0x0040, b"CS", &ps.sex);
    ds.uid(0x0020, 0x000D, &ps.study_uid);
    ds.uid(0x0020, 0x000E, &ps.series_uid);
    ds.text(0x0020, 0x0010, b"SH", &ps.study_id);
    ds.text(0x0020, 0x0011, b"IS", "900");
    ds.text(0x0020, 0x0013, b"IS", &ps.instance_number.to_string());
    if let Some((center, width)) = ps.window {
        let mut item = Writer::default();
        item.text(0x0028, 0x1050, b"DS", &ds_value(center));
        item.text(0x0028, 0x1051, b"DS", &ds_value(width.max(1.0)));
        ds.sequence(0x0028, 0x3110, vec![item.0]);
    }
    // Graphic Annotation Sequence: one item per mark, each naming its image.
    let annotations = ps
        .marks
        .iter()
        .filter_map(|m| {
            let image = ps.images.get(m.image)?;
            let mut item = Writer::default();
            item.sequence(0x0008, 0x1140, vec![image_item(image)]);
            item.text(0x0070, 0x0002, b"CS", LAYER);
            let anchor = match &m.graphic {
                Graphic::Polyline(p) => p.last().copied().unwrap_or([0.0, 0.0]),
                Graphic::Ellipse { opposite, .. } => *opposite,
            };
            let mut text = Writer::default();
            text.text(0x0070, 0x0004, b"CS", "PIXEL");
            text.text(0x0070, 0x0006, b"ST", &m.label);
            text.floats(0x0070, 0x0014, &[anchor[0] as f32 + 8.0, anchor[1] as f32 - 8.0]);
            text.text(0x0070, 0x0015, b"CS", "N");
            item.sequence(0x0070, 0x0008, vec![text.0]);
            let (kind, points) = match &m.graphic {
                Graphic::Polyline(p) => ("POLYLINE", p.clone()),
                Graphic::Ellipse { corner, opposite } => {
                    let c = [(corner[0] + opposite[0]) / 2.0, (corner[1] + opposite[1]) / 2.0];
                    let (a, b) = ((opposite[0] - corner[0]).abs() / 2.0, (opposite[1] - corner[1]).abs() / 2.0);
                    // Major axis end points, then minor axis end points (C.10.5.1.2).
                    let (h, v) = ([[c[0] - a, c[1]], [c[0] + a, c[1]]], [[c[0], c[1] - b], [c[0], c[1] + b]]);
                    let points = if a >= b { [h, v].concat() } else { [v, h].concat() };
                    ("ELLIPSE", points)
                }
            };
            let mut graphic = Writer::default();
            graphic.text(0x0070, 0x0005, b"CS", "PIXEL");
            graphic.us(0x0070, 0x0020, 2);
            graphic.us(0x0070, 0x0021, points.len() as u16);
            let data: Vec<f32> = points.iter().flat_map(|p| [p[0] as f32, p[1] as f32]).collect();
            graphic.floats(0x0070, 0x0022, &data);
            graphic.text(0x0070, 0x0023, b"CS", kind);
            graphic.text(0x0070, 0x0024, b"CS", "N");
            item.sequence(0x0070, 0x0009, vec![graphic.0]);
            Some(item.0)
        })
        .collect::<Vec<_>>();
    if !annotations.is_empty() {
        ds.sequence(0x0070, 0x0001, annotations);
    }
    let mut area = Writer::default();
    area.longs(0x0070, 0x0052, &[1, 1]);
    area.longs(0x0070, 0x0053, &[ps.columns.max(1) as i32, ps.rows.max(1) as i32]);
    area.text(0x0070, 0x0100, b"CS", "SCALE TO FIT");
    match ps.pixel_spacing {
        Some([row, column]) => area.text(0x0070, 0x0101, b"DS", &format!("{}\\{}", ds_value(row), ds_value(column))),
        None => area.text(0x0070, 0x0102, b"IS", "1\\1"),
    }
    ds.sequence(0x0070, 0x005A, vec![area.0]);
    let mut layer = Writer::default();
    layer.text(0x0070, 0x0002, b"CS", LAYER);
    layer.text(0x0070, 0x0062, b"IS", "1");
    layer.text(0x0070, 0x0068, b"LO", "Lengths, angles and regions");
    ds.sequence(0x0070, 0x0060, vec![layer.0]);
    ds.text(0x0070, 0x0080, b"CS", "MEASUREMENTS");
    ds.text(0x0070, 0x0081, b"LO", "Measurements by Meridian");
    ds.text(0x0070, 0x0082, b"DA", &ps.created_date);
    ds.text(0x0070, 0x0083, b"TM", &ps.created_time);
    ds.text(0x0070, 0x0084, b"PN", &ps.creator);
    ds.text(0x2050, 0x0020, b"CS", "IDENTITY");
    part10(&ps.sop_instance_uid, &ds.0)
}

fn image_item(image: &ImageRef) -> Vec<u8> {
    let mut item = Writer::default();
    item.uid(0x0008, 0x1150, &image.sop_class_uid);
    item.uid(0x0008, 0x1155, &image.sop_instance_uid);
    if let Some(f) = image.frame {
        item.text(0x0008, 0x1160, b"IS", &f.to_string());
    }
    item.0
}

fn ds_value(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.chars().take(16).collect()
}

/// Whether `bytes` is a presentation state, and its identifiers.
pub fn header(bytes: &[u8]) -> Option<Header> {
    let obj = parse(bytes).ok()?;
    if text(&obj, 0x0008, 0x0016).as_deref() != Some(GSPS_SOP_CLASS) {
        return None;
    }
    Some(Header {
        patient_id: text(&obj, 0x0010, 0x0020),
        study_uid: text(&obj, 0x0020, 0x000D)?,
        series_uid: text(&obj, 0x0020, 0x000E)?,
        sop_instance_uid: text(&obj, 0x0008, 0x0018)?,
        created: format!("{}{}", text(&obj, 0x0070, 0x0082).unwrap_or_default(), text(&obj, 0x0070, 0x0083).unwrap_or_default()),
    })
}

/// The marks of a presentation state (graphic objects in `PIXEL` units with their text).
/// Objects in other units, or of other types, are skipped.
pub fn read(bytes: &[u8]) -> Result<Vec<ReadMark>, DecodeError> {
    let obj = parse(bytes)?;
    let mut out = Vec::new();
    for item in items(&obj, 0x0070, 0x0001) {
        let Some(image) = items(item, 0x0008, 0x1140).first().copied() else { continue };
        let Some(sop) = text(image, 0x0008, 0x1155) else { continue };
        let frame = text(image, 0x0008, 0x1160).and_then(|f| f.parse().ok());
        let label = items(item, 0x0070, 0x0008).iter().find_map(|t| text(t, 0x0070, 0x0006)).unwrap_or_default();
        for g in items(item, 0x0070, 0x0009) {
            if text(g, 0x0070, 0x0005).as_deref() != Some("PIXEL") {
                continue;
            }
            let Some(data) = g.get(CoreTag(0x0070, 0x0022)).and_then(|e| e.to_multi_float32().ok()) else { continue };
            let points: Vec<[f64; 2]> = data.chunks_exact(2).map(|p| [f64::from(p[0]), f64::from(p[1])]).collect();
            let graphic = match (text(g, 0x0070, 0x0023).as_deref(), points.as_slice()) {
                (Some("POLYLINE"), p) if (2..=64).contains(&p.len()) => Graphic::Polyline(p.to_vec()),
                (Some("ELLIPSE"), [a, b, c, d]) => {
                    // Axis end points back to the bounding rectangle.
                    let xs = [a[0], b[0], c[0], d[0]];
                    let ys = [a[1], b[1], c[1], d[1]];
                    let min = |v: [f64; 4]| v.iter().copied().fold(f64::INFINITY, f64::min);
                    let max = |v: [f64; 4]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    Graphic::Ellipse { corner: [min(xs), min(ys)], opposite: [max(xs), max(ys)] }
                }
                _ => continue,
            };
            out.push(ReadMark { sop_instance_uid: sop.clone(), frame, graphic, label: label.clone() });
        }
    }
    Ok(out)
}

fn parse(bytes: &[u8]) -> Result<InMemDicomObject, DecodeError> {
    let body = if bytes.len() >= 132 && &bytes[128..132] == b"DICM" { &bytes[128..] } else { bytes };
    let file = dicom_object::from_reader(body).map_err(|_| DecodeError::Parse { transfer_syntax: "presentation state".into() })?;
    Ok(file.into_inner())
}

fn items(obj: &InMemDicomObject, group: u16, element: u16) -> Vec<&InMemDicomObject> {
    obj.get(CoreTag(group, element)).and_then(|e| e.items()).map(|i| i.iter().collect()).unwrap_or_default()
}

fn text(obj: &InMemDicomObject, group: u16, element: u16) -> Option<String> {
    let s = obj.get(CoreTag(group, element))?.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == ' ' || c == '\0');
    (!s.is_empty()).then(|| s.to_owned())
}

/// Explicit VR little endian elements, in the order written (callers write ascending tags).
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn head(&mut self, group: u16, element: u16, vr: &[u8; 2], len: usize, long: bool) {
        self.0.extend(group.to_le_bytes());
        self.0.extend(element.to_le_bytes());
        self.0.extend(vr);
        if long {
            self.0.extend([0, 0]);
            self.0.extend((len as u32).to_le_bytes());
        } else {
            self.0.extend((len as u16).to_le_bytes());
        }
    }

    fn text(&mut self, group: u16, element: u16, vr: &[u8; 2], value: &str) {
        let mut v = value.as_bytes().to_vec();
        if v.len() % 2 == 1 {
            v.push(b' ');
        }
        let long = vr == b"UT";
        self.head(group, element, vr, v.len(), long);
        self.0.extend(v);
    }

    fn uid(&mut self, group: u16, element: u16, value: &str) {
        let mut v = value.as_bytes().to_vec();
        if v.len() % 2 == 1 {
            v.push(0);
        }
        self.head(group, element, b"UI", v.len(), false);
        self.0.extend(v);
    }

    fn us(&mut self, group: u16, element: u16, value: u16) {
        self.head(group, element, b"US", 2, false);
        self.0.extend(value.to_le_bytes());
    }

    fn longs(&mut self, group: u16, element: u16, values: &[i32]) {
        self.head(group, element, b"SL", values.len() * 4, false);
        for v in values {
            self.0.extend(v.to_le_bytes());
        }
    }

    fn floats(&mut self, group: u16, element: u16, values: &[f32]) {
        self.head(group, element, b"FL", values.len() * 4, false);
        for v in values {
            self.0.extend(v.to_le_bytes());
        }
    }

    fn sequence(&mut self, group: u16, element: u16, items: Vec<Vec<u8>>) {
        let len: usize = items.iter().map(|i| i.len() + 8).sum();
        self.head(group, element, b"SQ", len, true);
        for item in items {
            self.0.extend([0xFE, 0xFF, 0x00, 0xE0]);
            self.0.extend((item.len() as u32).to_le_bytes());
            self.0.extend(item);
        }
    }
}

fn part10(sop: &str, dataset: &[u8]) -> Vec<u8> {
    let mut meta = Writer::default();
    meta.head(0x0002, 0x0001, b"OB", 2, true);
    meta.0.extend([0, 1]);
    meta.uid(0x0002, 0x0002, GSPS_SOP_CLASS);
    meta.uid(0x0002, 0x0003, sop);
    meta.uid(0x0002, 0x0010, EXPLICIT_VR_LE);
    meta.uid(0x0002, 0x0012, IMPLEMENTATION_CLASS);
    let mut out = vec![0u8; 128];
    out.extend(b"DICM");
    let mut length = Writer::default();
    length.head(0x0002, 0x0000, b"UL", 4, false);
    length.0.extend((meta.0.len() as u32).to_le_bytes());
    out.extend(length.0);
    out.extend(meta.0);
    out.extend(dataset);
    out
}

#[cfg(test)]
fn tests_sample() -> PresentationState {
    tests::sample()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn sample() -> PresentationState {
        PresentationState {
            patient_name: "OKOYE^Ada".into(),
            patient_id: "MRN1".into(),
            birth_date: "19700304".into(),
            sex: "F".into(),
            study_uid: "2.25.1".into(),
            study_date: "20261115".into(),
            study_time: "101500".into(),
            accession: "ACC1".into(),
            study_id: "1".into(),
            image_series_uid: "2.25.2".into(),
            series_uid: "2.25.3".into(),
            sop_instance_uid: "2.25.4".into(),
            instance_number: 1,
            created_date: "20261130".into(),
            created_time: "120000".into(),
            creator: "OKAFOR^Chidi".into(),
            columns: 256,
            rows: 256,
            pixel_spacing: Some([1.5, 1.5]),
            window: Some((40.0, 400.0)),
            images: vec![
                ImageRef { sop_class_uid: "1.2.840.10008.5.1.4.1.1.2".into(), sop_instance_uid: "2.25.10".into(), frame: None },
                ImageRef { sop_class_uid: "1.2.840.10008.5.1.4.1.1.2".into(), sop_instance_uid: "2.25.11".into(), frame: None },
            ],
            marks: vec![
                Mark { image: 0, graphic: Graphic::Polyline(vec![[10.5, 20.0], [110.25, 20.0]]), label: "149.6 mm".into() },
                Mark { image: 1, graphic: Graphic::Polyline(vec![[20.0, 10.0], [10.0, 10.0], [10.0, 30.0]]), label: "90.0°".into() },
                Mark { image: 1, graphic: Graphic::Ellipse { corner: [30.0, 40.0], opposite: [50.0, 46.0] }, label: "Area 94.2 mm²".into() },
            ],
        }
    }

    #[test]
    fn marks_round_trip_through_the_file() {
        let bytes = write(&sample());
        let h = header(&bytes).expect("a presentation state");
        assert_eq!((h.study_uid.as_str(), h.series_uid.as_str(), h.patient_id.as_deref()), ("2.25.1", "2.25.3", Some("MRN1")));
        let marks = read(&bytes).expect("read");
        assert_eq!(marks.len(), 3);
        assert_eq!(marks[0].sop_instance_uid, "2.25.10");
        assert_eq!(marks[0].graphic, Graphic::Polyline(vec![[10.5, 20.0], [110.25, 20.0]]));
        assert_eq!(marks[0].label, "149.6 mm");
        assert_eq!(marks[1].graphic, Graphic::Polyline(vec![[20.0, 10.0], [10.0, 10.0], [10.0, 30.0]]));
        assert_eq!(marks[2].graphic, Graphic::Ellipse { corner: [30.0, 40.0], opposite: [50.0, 46.0] });
        assert_eq!(marks[2].label, "Area 94.2 mm²");
    }

    #[test]
    fn images_are_not_presentation_states_and_garbage_is_an_error() {
        assert!(header(b"not dicom").is_none());
        assert!(read(b"not dicom").is_err());
        let mut truncated = write(&sample());
        truncated.truncate(truncated.len() - 40);
        assert!(read(&truncated).is_err());
    }
}

#[cfg(test)]
mod dcmtk {
    /// dcmtk's presentation state checker accepts what we write (dcmtk is installed by
    /// scripts/setup).
    #[test]
    fn dcmpschk_accepts_the_file() {
        let dir = std::env::temp_dir().join(format!("meridian-gsps-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp");
        let path = dir.join("ps.dcm");
        std::fs::write(&path, super::write(&super::tests_sample())).expect("write");
        let out = std::process::Command::new("dcmpschk").arg(&path).output().expect("dcmpschk (apt install dcmtk)");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(out.status.success() && !text.contains("Test failed") && !text.contains("E: "), "{text}");
        assert!(text.contains("Testing:"), "dcmpschk ran: {text}");
    }
}
