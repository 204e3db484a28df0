//! Builds small DICOM files in memory for tests (explicit VR little endian unless told).

/// One data element: tag, VR, value bytes (padded to even length here).
pub(crate) struct El {
    pub(crate) group: u16,
    pub(crate) element: u16,
    pub(crate) vr: [u8; 2],
    pub(crate) value: Vec<u8>,
}

pub(crate) fn us(group: u16, element: u16, v: u16) -> El {
    El {
        group,
        element,
        vr: *b"US",
        value: v.to_le_bytes().to_vec(),
    }
}

pub(crate) fn text(group: u16, element: u16, vr: &[u8; 2], s: &str) -> El {
    let mut value = s.as_bytes().to_vec();
    if value.len() % 2 == 1 {
        value.push(if vr == b"UI" { 0 } else { b' ' });
    }
    El {
        group,
        element,
        vr: *vr,
        value,
    }
}

pub(crate) fn raw(group: u16, element: u16, vr: &[u8; 2], value: Vec<u8>) -> El {
    El {
        group,
        element,
        vr: *vr,
        value,
    }
}

fn long_vr(vr: &[u8; 2]) -> bool {
    matches!(
        vr,
        b"OB" | b"OW" | b"OF" | b"OD" | b"OL" | b"OV" | b"SQ" | b"UN" | b"UT" | b"UC" | b"UR"
    )
}

/// Explicit VR little endian encoding of elements (sorted by the caller).
pub(crate) fn explicit(elements: &[El]) -> Vec<u8> {
    let mut out = Vec::new();
    for el in elements {
        let mut value = el.value.clone();
        if value.len() % 2 == 1 {
            value.push(0);
        }
        out.extend(el.group.to_le_bytes());
        out.extend(el.element.to_le_bytes());
        out.extend(el.vr);
        if long_vr(&el.vr) {
            out.extend([0, 0]);
            out.extend((value.len() as u32).to_le_bytes());
        } else {
            out.extend((value.len() as u16).to_le_bytes());
        }
        out.extend(value);
    }
    out
}

/// Implicit VR little endian encoding.
pub(crate) fn implicit(elements: &[El]) -> Vec<u8> {
    let mut out = Vec::new();
    for el in elements {
        let mut value = el.value.clone();
        if value.len() % 2 == 1 {
            value.push(0);
        }
        out.extend(el.group.to_le_bytes());
        out.extend(el.element.to_le_bytes());
        out.extend((value.len() as u32).to_le_bytes());
        out.extend(value);
    }
    out
}

/// Preamble, `DICM`, a meta group with the transfer syntax, then `dataset`.
pub(crate) fn part10(transfer_syntax: &str, dataset: &[u8]) -> Vec<u8> {
    let meta_elements = explicit(&[
        raw(0x0002, 0x0001, b"OB", vec![0, 1]),
        text(0x0002, 0x0010, b"UI", transfer_syntax),
    ]);
    let mut out = vec![0u8; 128];
    out.extend(b"DICM");
    out.extend(explicit(&[raw(
        0x0002,
        0x0000,
        b"UL",
        (meta_elements.len() as u32).to_le_bytes().to_vec(),
    )]));
    out.extend(meta_elements);
    out.extend(dataset);
    out
}

/// Image Pixel module elements.
pub(crate) struct Image<'a> {
    pub(crate) rows: u16,
    pub(crate) columns: u16,
    pub(crate) samples: u16,
    pub(crate) bits_allocated: u16,
    pub(crate) bits_stored: u16,
    pub(crate) signed: bool,
    pub(crate) photometric: &'a str,
    pub(crate) frames: Option<u32>,
}

impl Image<'_> {
    pub(crate) fn grey(rows: u16, columns: u16, bits: u16, signed: bool) -> Self {
        Image {
            rows,
            columns,
            samples: 1,
            bits_allocated: bits,
            bits_stored: bits,
            signed,
            photometric: "MONOCHROME2",
            frames: None,
        }
    }

    /// The module's elements plus `extra`, sorted, without pixel data.
    pub(crate) fn elements(&self, mut extra: Vec<El>) -> Vec<El> {
        let mut els = vec![
            us(0x0028, 0x0002, self.samples),
            text(0x0028, 0x0004, b"CS", self.photometric),
            us(0x0028, 0x0010, self.rows),
            us(0x0028, 0x0011, self.columns),
            us(0x0028, 0x0100, self.bits_allocated),
            us(0x0028, 0x0101, self.bits_stored),
            us(0x0028, 0x0102, self.bits_stored - 1),
            us(0x0028, 0x0103, u16::from(self.signed)),
        ];
        if self.samples == 3 {
            els.push(us(0x0028, 0x0006, 0));
        }
        if let Some(f) = self.frames {
            els.push(text(0x0028, 0x0008, b"IS", &f.to_string()));
        }
        els.append(&mut extra);
        els.sort_by_key(|e| (e.group, e.element));
        els
    }

    /// A whole explicit VR LE Part 10 file with native pixel data.
    pub(crate) fn native_file(&self, extra: Vec<El>, pixels: Vec<u8>) -> Vec<u8> {
        let mut els = self.elements(extra);
        els.push(raw(
            0x7FE0,
            0x0010,
            if self.bits_allocated > 8 {
                b"OW"
            } else {
                b"OB"
            },
            pixels,
        ));
        part10("1.2.840.10008.1.2.1", &explicit(&els))
    }

    /// A Part 10 file with encapsulated pixel data (empty basic offset table).
    pub(crate) fn encapsulated_file(
        &self,
        ts: &str,
        extra: Vec<El>,
        fragments: &[Vec<u8>],
    ) -> Vec<u8> {
        let mut ds = explicit(&self.elements(extra));
        ds.extend(encapsulated_pixel_data(&[], fragments));
        part10(ts, &ds)
    }
}

/// (7FE0,0010) OB with undefined length, a basic offset table and fragments.
pub(crate) fn encapsulated_pixel_data(offsets: &[u32], fragments: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend([0xE0, 0x7F, 0x10, 0x00]);
    out.extend(b"OB");
    out.extend([0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
    let item = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend([0xFE, 0xFF, 0x00, 0xE0]);
        out.extend((bytes.len() as u32).to_le_bytes());
        out.extend(bytes);
    };
    let bot: Vec<u8> = offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
    item(&mut out, &bot);
    for f in fragments {
        let mut f = f.clone();
        if f.len() % 2 == 1 {
            f.push(0);
        }
        item(&mut out, &f);
    }
    out.extend([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    out
}

/// RLE-encodes one frame (PackBits, literal runs only, so any data round-trips).
pub(crate) fn rle_frame(
    samples_le: &[u8],
    pixels: usize,
    samples: usize,
    bytes_per_sample: usize,
) -> Vec<u8> {
    let segments = samples * bytes_per_sample;
    let mut bodies = Vec::new();
    for s in 0..samples {
        for b in (0..bytes_per_sample).rev() {
            let plane: Vec<u8> = (0..pixels)
                .map(|p| samples_le[(p * samples + s) * bytes_per_sample + b])
                .collect();
            let mut seg = Vec::new();
            for chunk in plane.chunks(128) {
                seg.push((chunk.len() - 1) as u8);
                seg.extend(chunk);
            }
            if seg.len() % 2 == 1 {
                seg.push(0x80);
            }
            bodies.push(seg);
        }
    }
    let mut header = vec![0u8; 64];
    header[..4].copy_from_slice(&(segments as u32).to_le_bytes());
    let mut offset = 64u32;
    for (k, body) in bodies.iter().enumerate() {
        header[4 + 4 * k..8 + 4 * k].copy_from_slice(&offset.to_le_bytes());
        offset += body.len() as u32;
    }
    let mut out = header;
    for b in bodies {
        out.extend(b);
    }
    out
}
