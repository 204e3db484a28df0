//! Synthetic CT studies as DICOM PS3.10 files (explicit VR little endian), for the demo
//! hospital's PACS, tests and benchmarks: an axial chest–abdomen phantom with realistic geometry
//! (Image Position/Orientation, Pixel Spacing, slice thickness), stored values with a rescale to
//! Hounsfield units, and a 20 mm spherical lesion whose size a reader can measure.
//!
//! Deterministic: the same spec gives the same bytes (UIDs are `2.25.` + a 128-bit hash).

/// CT Image Storage.
pub const CT_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
const IMPLEMENTATION_CLASS: &str = "2.25.302115714133620545238399102716153843913";

/// What to generate.
#[derive(Debug, Clone)]
pub struct CtSeriesSpec {
    /// Patient ID (the MRN the PACS files it under).
    pub patient_id: String,
    /// DICOM PN, `Family^Given`.
    pub patient_name: String,
    /// `YYYYMMDD`.
    pub birth_date: String,
    /// `M`, `F` or `O`.
    pub sex: String,
    /// `YYYYMMDD`.
    pub study_date: String,
    pub accession: String,
    pub study_description: String,
    pub series_description: String,
    /// Seeds the UIDs: two specs with the same seed and patient get the same study.
    pub seed: u64,
    pub slices: u32,
    pub rows: u16,
    pub columns: u16,
    /// In-plane spacing, mm (square pixels).
    pub pixel_spacing: f64,
    /// Distance between slice centres, mm (also the slice thickness).
    pub slice_spacing: f64,
    /// Radius of the lung nodule, mm (a prior study shows it smaller).
    pub lesion_radius_mm: f64,
}

impl CtSeriesSpec {
    /// A 40-slice 256 x 256 chest–abdomen CT of the given patient: 1.5 mm pixels, 5 mm slices.
    pub fn demo(patient_id: &str, patient_name: &str, birth_date: &str, sex: &str) -> Self {
        CtSeriesSpec {
            patient_id: patient_id.into(),
            patient_name: patient_name.into(),
            birth_date: birth_date.into(),
            sex: sex.into(),
            study_date: "20261115".into(),
            accession: format!("ACC{}", patient_id.chars().filter(char::is_ascii_digit).collect::<String>()),
            study_description: "CT CHEST ABDOMEN WITH CONTRAST".into(),
            series_description: "AXIAL 5mm SOFT TISSUE".into(),
            seed: 1,
            slices: 40,
            rows: 256,
            columns: 256,
            pixel_spacing: 1.5,
            slice_spacing: 5.0,
            lesion_radius_mm: 10.0,
        }
    }

    /// The same patient's CT a year earlier: another study, the nodule 7 mm across instead of 10.
    pub fn prior(&self) -> Self {
        CtSeriesSpec {
            study_date: format!("{}", self.study_date.get(..4).and_then(|y| y.parse::<u32>().ok()).map_or(2025, |y| y - 1)) + self.study_date.get(4..).unwrap_or("1115"),
            accession: format!("{}P", self.accession),
            seed: self.seed ^ 0x5052_494F_5200,
            lesion_radius_mm: 7.0,
            ..self.clone()
        }
    }

    fn uid(&self, kind: u64, index: u64) -> String {
        let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for b in self.patient_id.bytes().chain(kind.to_le_bytes()).chain(index.to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
        let lo = crate::rng::Rng::new(h, kind, index).next_u64();
        format!("2.25.{}", (u128::from(h) << 64 | u128::from(lo)) >> 1)
    }

    /// Study Instance UID.
    pub fn study_uid(&self) -> String {
        self.uid(1, 0)
    }

    /// Series Instance UID.
    pub fn series_uid(&self) -> String {
        self.uid(2, 0)
    }

    /// SOP Instance UID of slice `index`.
    pub fn instance_uid(&self, index: u32) -> String {
        self.uid(3, u64::from(index))
    }

    /// Where the lesion is: centre (x, y, z) in patient mm and radius in mm.
    pub fn lesion(&self) -> ([f64; 3], f64) {
        let z_mid = -(f64::from(self.slices.saturating_sub(1)) * self.slice_spacing) / 2.0;
        ([-60.0, 20.0, z_mid], self.lesion_radius_mm)
    }

    /// Slice `index` as a PS3.10 file.
    pub fn slice(&self, index: u32) -> Vec<u8> {
        let (rows, cols) = (usize::from(self.rows), usize::from(self.columns));
        let ps = self.pixel_spacing;
        let origin = [-(cols as f64) * ps / 2.0 + ps / 2.0, -(rows as f64) * ps / 2.0 + ps / 2.0];
        let z = -f64::from(index) * self.slice_spacing;
        let mut pixels = Vec::with_capacity(rows * cols * 2);
        for r in 0..rows {
            for c in 0..cols {
                let x = origin[0] + c as f64 * ps;
                let y = origin[1] + r as f64 * ps;
                let hu = self.phantom(x, y, z, index, r, c);
                let stored = (hu + 1024.0).round().clamp(0.0, 4095.0) as u16;
                pixels.extend(stored.to_le_bytes());
            }
        }
        let sop = self.instance_uid(index);
        let ds = |v: f64| format!("{v:.4}").trim_end_matches('0').trim_end_matches('.').to_owned();
        let mut e = Elements::default();
        e.text(0x0008, 0x0005, b"CS", "ISO_IR 192");
        e.text(0x0008, 0x0008, b"CS", "ORIGINAL\\PRIMARY\\AXIAL");
        e.uid(0x0008, 0x0016, CT_IMAGE_STORAGE);
        e.uid(0x0008, 0x0018, &sop);
        e.text(0x0008, 0x0020, b"DA", &self.study_date);
        e.text(0x0008, 0x0030, b"TM", "101500");
        e.text(0x0008, 0x0050, b"SH", &self.accession);
        e.text(0x0008, 0x0060, b"CS", "CT");
        e.text(0x0008, 0x0070, b"LO", "Meridian synthetic");
        e.text(0x0008, 0x1030, b"LO", &self.study_description);
        e.text(0x0008, 0x103E, b"LO", &self.series_description);
        e.text(0x0010, 0x0010, b"PN", &self.patient_name);
        e.text(0x0010, 0x0020, b"LO", &self.patient_id);
        e.text(0x0010, 0x0030, b"DA", &self.birth_date);
        e.text(0x0010, 0x0040, b"CS", &self.sex);
        e.text(0x0018, 0x0050, b"DS", &ds(self.slice_spacing));
        e.text(0x0018, 0x0060, b"DS", "120");
        e.uid(0x0020, 0x000D, &self.study_uid());
        e.uid(0x0020, 0x000E, &self.series_uid());
        e.text(0x0020, 0x0010, b"SH", "1");
        e.text(0x0020, 0x0011, b"IS", "2");
        e.text(0x0020, 0x0013, b"IS", &(index + 1).to_string());
        e.text(0x0020, 0x0032, b"DS", &format!("{}\\{}\\{}", ds(origin[0]), ds(origin[1]), ds(z)));
        e.text(0x0020, 0x0037, b"DS", "1\\0\\0\\0\\1\\0");
        e.uid(0x0020, 0x0052, &self.uid(4, 0));
        e.text(0x0020, 0x1041, b"DS", &ds(z));
        e.us(0x0028, 0x0002, 1);
        e.text(0x0028, 0x0004, b"CS", "MONOCHROME2");
        e.us(0x0028, 0x0010, self.rows);
        e.us(0x0028, 0x0011, self.columns);
        e.text(0x0028, 0x0030, b"DS", &format!("{}\\{}", ds(ps), ds(ps)));
        e.us(0x0028, 0x0100, 16);
        e.us(0x0028, 0x0101, 12);
        e.us(0x0028, 0x0102, 11);
        e.us(0x0028, 0x0103, 0);
        e.text(0x0028, 0x1050, b"DS", "40");
        e.text(0x0028, 0x1051, b"DS", "400");
        e.text(0x0028, 0x1052, b"DS", "-1024");
        e.text(0x0028, 0x1053, b"DS", "1");
        e.text(0x0028, 0x1054, b"LO", "HU");
        e.long(0x7FE0, 0x0010, b"OW", &pixels);
        part10(&sop, &e.0)
    }

    /// Every slice, in acquisition order.
    pub fn files(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        (0..self.slices).map(|i| self.slice(i))
    }

    /// Hounsfield units at a point: air, a body ellipse of soft tissue with subcutaneous fat,
    /// two lungs, a vertebral body, a contrast-filled aorta and the lesion; a little noise.
    fn phantom(&self, x: f64, y: f64, z: f64, index: u32, r: usize, c: usize) -> f64 {
        let inside = |cx: f64, cy: f64, a: f64, b: f64| ((x - cx) / a).powi(2) + ((y - cy) / b).powi(2) <= 1.0;
        let noise = {
            let mut g = crate::rng::Rng::new(self.seed, u64::from(index), (r * 65_536 + c) as u64);
            (g.f64() + g.f64() + g.f64() + g.f64() - 2.0) * 8.0
        };
        if !inside(0.0, 0.0, 170.0, 120.0) {
            return -1000.0;
        }
        let (centre, radius) = self.lesion();
        let d = ((x - centre[0]).powi(2) + (y - centre[1]).powi(2) + (z - centre[2]).powi(2)).sqrt();
        let hu = if d <= radius {
            90.0
        } else if inside(0.0, 75.0, 22.0, 22.0) {
            700.0
        } else if inside(0.0, 30.0, 14.0, 14.0) {
            250.0
        } else if inside(-75.0, -10.0, 55.0, 75.0) || inside(75.0, -10.0, 55.0, 75.0) {
            -850.0
        } else if !inside(0.0, 0.0, 160.0, 110.0) {
            -100.0
        } else {
            45.0
        };
        hu + noise
    }
}

#[derive(Default)]
struct Elements(Vec<u8>);

impl Elements {
    fn header(&mut self, group: u16, element: u16, vr: &[u8; 2]) {
        self.0.extend(group.to_le_bytes());
        self.0.extend(element.to_le_bytes());
        self.0.extend(vr);
    }

    fn short(&mut self, group: u16, element: u16, vr: &[u8; 2], value: &[u8]) {
        self.header(group, element, vr);
        self.0.extend((value.len() as u16).to_le_bytes());
        self.0.extend(value);
    }

    fn long(&mut self, group: u16, element: u16, vr: &[u8; 2], value: &[u8]) {
        self.header(group, element, vr);
        self.0.extend([0, 0]);
        self.0.extend((value.len() as u32).to_le_bytes());
        self.0.extend(value);
    }

    fn text(&mut self, group: u16, element: u16, vr: &[u8; 2], value: &str) {
        let mut v = value.as_bytes().to_vec();
        if v.len() % 2 == 1 {
            v.push(b' ');
        }
        self.short(group, element, vr, &v);
    }

    fn uid(&mut self, group: u16, element: u16, value: &str) {
        let mut v = value.as_bytes().to_vec();
        if v.len() % 2 == 1 {
            v.push(0);
        }
        self.short(group, element, b"UI", &v);
    }

    fn us(&mut self, group: u16, element: u16, value: u16) {
        self.short(group, element, b"US", &value.to_le_bytes());
    }
}

/// Preamble, `DICM`, the file meta group, then the data set.
fn part10(sop: &str, dataset: &[u8]) -> Vec<u8> {
    let mut meta = Elements::default();
    meta.long(0x0002, 0x0001, b"OB", &[0, 1]);
    meta.uid(0x0002, 0x0002, CT_IMAGE_STORAGE);
    meta.uid(0x0002, 0x0003, sop);
    meta.uid(0x0002, 0x0010, EXPLICIT_VR_LE);
    meta.uid(0x0002, 0x0012, IMPLEMENTATION_CLASS);
    let mut out = vec![0u8; 128];
    out.extend(b"DICM");
    let mut length = Elements::default();
    length.short(0x0002, 0x0000, b"UL", &(meta.0.len() as u32).to_le_bytes());
    out.extend(length.0);
    out.extend(meta.0);
    out.extend(dataset);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_uids_are_valid_and_distinct() {
        let spec = CtSeriesSpec::demo("900001", "DOE^Jane", "19700101", "F");
        let uids = [spec.study_uid(), spec.series_uid(), spec.instance_uid(0), spec.instance_uid(1)];
        for u in &uids {
            assert!(u.len() <= 64 && u.starts_with("2.25.") && u[5..].bytes().all(|b| b.is_ascii_digit()), "{u}");
            assert!(!u[5..].starts_with('0'), "{u}");
        }
        assert_eq!(uids.iter().collect::<std::collections::BTreeSet<_>>().len(), 4);
        assert_eq!(spec.slice(3), spec.slice(3));
        let other = CtSeriesSpec::demo("900002", "DOE^John", "19700101", "M");
        assert_ne!(other.study_uid(), spec.study_uid());
    }

    #[test]
    fn a_prior_is_another_study_a_year_earlier() {
        let spec = CtSeriesSpec::demo("900001", "DOE^Jane", "19700101", "F");
        let prior = spec.prior();
        assert_eq!(prior.study_date, "20251115");
        assert_ne!(prior.study_uid(), spec.study_uid());
        assert_eq!(prior.patient_id, spec.patient_id);
        assert!(prior.lesion().1 < spec.lesion().1);
    }

    #[test]
    fn slices_have_the_declared_size() {
        let spec = CtSeriesSpec { slices: 2, rows: 8, columns: 6, ..CtSeriesSpec::demo("1", "A^B", "19700101", "F") };
        let f = spec.slice(0);
        assert_eq!(&f[128..132], b"DICM");
        // The pixel data element is last: 8 x 6 x 2 bytes.
        let tail = &f[f.len() - 96 - 12..f.len() - 96];
        assert_eq!(&tail[..8], &[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0]);
        assert_eq!(u32::from_le_bytes([tail[8], tail[9], tail[10], tail[11]]), 96);
    }
}
