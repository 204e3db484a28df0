//! Opening a DICOM file: meta header (or none), structural checks, dicom-object for the
//! attributes, and the pixel data kept as bytes until a frame is asked for.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;

use dicom_core::Tag as CoreTag;
use dicom_core::header::HasLength;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries;

use crate::error::{DecodeError, Tag};
use crate::frame::{Frame, Photometric};
use crate::pipeline::lut::{Lut, Palette, PaletteChannel};
use crate::pipeline::{ModalityLut, PresentationLutShape, VoiFunction, Window};
use crate::scan::{self, Encoding, PixelValue};
use crate::syntax::TransferSyntax;

/// Memory limits checked before anything is allocated for pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest decoded frame, in bytes of stored values in memory.
    pub max_frame_bytes: u64,
    /// Largest decoded size of all frames of one object together.
    pub max_total_bytes: u64,
    /// Largest inflated size of a deflated data set or frame.
    pub max_inflated_bytes: u64,
}

impl Default for Limits {
    /// 512 MiB a frame (a 16k x 16k 16-bit slide tile), 4 GiB an object, 4 GiB inflated.
    fn default() -> Self {
        Self {
            max_frame_bytes: 512 << 20,
            max_total_bytes: 4 << 30,
            max_inflated_bytes: 4 << 30,
        }
    }
}

/// Something odd that did not stop decoding but that a reader should be able to see.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// No file meta group: the encoding was guessed from the first element.
    NoMetaHeader {
        /// The transfer syntax assumed.
        assumed: TransferSyntax,
    },
    /// The meta group has no transfer syntax UID.
    NoTransferSyntax {
        /// The transfer syntax assumed.
        assumed: TransferSyntax,
    },
    /// The meta group declares explicit VR but the data set is implicit VR (or the reverse).
    VrMismatch {
        /// The transfer syntax the meta group declared.
        declared: TransferSyntax,
    },
    /// Bytes after the last element were ignored.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// Pixel data is longer than the matrix it declares; the excess was ignored.
    ExcessPixelData {
        /// Bytes ignored.
        bytes: u64,
    },
}

/// The Image Pixel module (PS3.3 C.7.6.3) as declared by the data set.
#[derive(Debug, Clone, PartialEq)]
pub struct ImagePixel {
    /// Rows (0028,0010).
    pub rows: u32,
    /// Columns (0028,0011).
    pub columns: u32,
    /// Samples per Pixel (0028,0002): 1 or 3.
    pub samples_per_pixel: u16,
    /// Bits Allocated (0028,0100): 1, 8, 16 or 32.
    pub bits_allocated: u16,
    /// Bits Stored (0028,0101).
    pub bits_stored: u16,
    /// High Bit (0028,0102).
    pub high_bit: u16,
    /// Pixel Representation (0028,0103) is 1.
    pub signed: bool,
    /// Photometric Interpretation (0028,0004).
    pub photometric: Photometric,
    /// Planar Configuration (0028,0006): 0 interleaved, 1 by plane.
    pub planar_configuration: u16,
    /// Number of Frames (0028,0008), 1 when absent.
    pub number_of_frames: u32,
}

impl ImagePixel {
    /// Bytes one decoded frame takes in memory (`Frame::data`), saturating.
    pub fn decoded_frame_bytes(&self) -> u64 {
        let per_sample: u64 = match self.bits_allocated {
            1 | 8 => 1,
            16 => 2,
            _ => 4,
        };
        u64::from(self.rows)
            .saturating_mul(u64::from(self.columns))
            .saturating_mul(u64::from(self.samples_per_pixel))
            .saturating_mul(per_sample)
    }

    /// Bits one frame takes in native (uncompressed) encoding, saturating.
    pub(crate) fn native_frame_bits(&self) -> u64 {
        let samples = if self.photometric == Photometric::YbrFull422 && self.samples_per_pixel == 3
        {
            // Two luminance and one pair of chroma values for every two pixels (PS3.3 C.7.6.3.1.2).
            2
        } else {
            u64::from(self.samples_per_pixel)
        };
        u64::from(self.rows)
            .saturating_mul(u64::from(self.columns))
            .saturating_mul(samples)
            .saturating_mul(u64::from(self.bits_allocated))
    }
}

/// Geometry and value transformation of one frame, from the per-frame functional groups, the
/// shared functional groups, or the classic top-level attributes, in that order of precedence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameInfo {
    /// Image Position (Patient) (0020,0032): the centre of the first voxel, in mm.
    pub position: Option<[f64; 3]>,
    /// Image Orientation (Patient) (0020,0037): row then column direction cosines.
    pub orientation: Option<[f64; 6]>,
    /// Pixel Spacing (0028,0030): between rows, then between columns, in mm.
    pub pixel_spacing: Option<[f64; 2]>,
    /// Slice Thickness (0018,0050), mm.
    pub slice_thickness: Option<f64>,
    /// Spacing Between Slices (0018,0088), mm.
    pub spacing_between_slices: Option<f64>,
    /// Rescale slope and intercept (Pixel Value Transformation), when given.
    pub rescale: Option<(f64, f64)>,
    /// Windows (Frame VOI LUT), first is the default.
    pub windows: Vec<Window>,
    /// In-Stack Position Number (0020,9057).
    pub in_stack_position: Option<u32>,
}

/// Where the pixel data bytes are.
#[derive(Clone)]
pub(crate) enum PixelSource {
    /// Native data: the bytes of the value, in the data set's byte order.
    Native { bytes: Vec<u8>, big_endian: bool },
    /// Encapsulated: `buf` holds the fragments, each frame a list of ranges into it.
    Encapsulated {
        buf: Vec<u8>,
        frames: Vec<Vec<(usize, usize)>>,
    },
}

/// One opened DICOM object with pixel data.
#[derive(Clone)]
pub struct Instance {
    pub(crate) syntax: TransferSyntax,
    pub(crate) pixel: ImagePixel,
    pub(crate) source: PixelSource,
    pub(crate) limits: Limits,
    pub(crate) warnings: Vec<Warning>,
    header: InMemDicomObject,
    frame_infos: Vec<FrameInfo>,
    modality_lut: ModalityLut,
    voi_luts: Vec<Lut>,
    palette: Option<Palette>,
    presentation_shape: Option<PresentationLutShape>,
}

impl fmt::Debug for Instance {
    // The header holds names and identifiers; Debug shows only what describes the pixels.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instance")
            .field("syntax", &self.syntax)
            .field("pixel", &self.pixel)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// Opens a DICOM file (Part 10 with preamble and meta group, a meta group without preamble, or
/// a bare data set, which is read as implicit VR little endian unless its first element has an
/// explicit VR), with [`Limits::default`].
pub fn open(bytes: &[u8]) -> Result<Instance, DecodeError> {
    open_with(bytes, Limits::default())
}

/// [`open`] with explicit limits.
pub fn open_with(bytes: &[u8], limits: Limits) -> Result<Instance, DecodeError> {
    let mut warnings = Vec::new();
    let meta_at = if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        Some(132)
    } else if bytes.len() >= 4 && &bytes[..4] == b"DICM" {
        Some(4)
    } else {
        None
    };
    let (declared, ds_start) = match meta_at {
        Some(at) => scan::meta_group(bytes, at)?,
        None => (None, 0),
    };
    let ds = &bytes[ds_start..];
    let (syntax, mut enc) = match declared {
        Some(uid) if !uid.is_empty() => {
            let syntax = TransferSyntax::from_uid(&uid);
            let enc = match syntax {
                TransferSyntax::ImplicitVrLittleEndian => Encoding::IMPLICIT_LE,
                TransferSyntax::ExplicitVrBigEndian => Encoding::EXPLICIT_BE,
                _ => Encoding::EXPLICIT_LE,
            };
            (syntax, enc)
        }
        _ => {
            let enc = scan::guess_encoding(ds).ok_or(DecodeError::NotDicom {
                reason: if meta_at.is_some() {
                    "the meta header has no transfer syntax and the data set does not start with a standard element"
                } else {
                    "no meta header and the first bytes are not a data element"
                },
            })?;
            let assumed = match enc {
                Encoding::EXPLICIT_LE => TransferSyntax::ExplicitVrLittleEndian,
                Encoding::EXPLICIT_BE => TransferSyntax::ExplicitVrBigEndian,
                _ => TransferSyntax::ImplicitVrLittleEndian,
            };
            warnings.push(if meta_at.is_some() {
                Warning::NoTransferSyntax {
                    assumed: assumed.clone(),
                }
            } else {
                Warning::NoMetaHeader {
                    assumed: assumed.clone(),
                }
            });
            (assumed, enc)
        }
    };
    let ds: Cow<'_, [u8]> = if syntax == TransferSyntax::DeflatedExplicitVrLittleEndian {
        Cow::Owned(inflate(ds, limits.max_inflated_bytes, &syntax)?)
    } else {
        Cow::Borrowed(ds)
    };
    // Some writers declare one VR encoding and write the other; pydicom and dcmtk check the
    // first element, and so do we.
    if ds.len() >= 8 && !ds.starts_with(&[0xFE, 0xFF]) {
        let looks_explicit = scan::is_known_vr([ds[4], ds[5]]);
        if enc.explicit != looks_explicit && !enc.big_endian {
            enc = if looks_explicit {
                Encoding::EXPLICIT_LE
            } else {
                Encoding::IMPLICIT_LE
            };
            warnings.push(Warning::VrMismatch {
                declared: syntax.clone(),
            });
        }
    }
    let found = scan::scan(&ds, enc)?;
    if found.trailing_ignored > 0 {
        warnings.push(Warning::TrailingBytes {
            count: found.trailing_ignored,
        });
    }
    let location = found.pixel.ok_or(DecodeError::MissingAttribute {
        tag: Tag(0x7FE0, 0x0010),
        name: "PixelData",
    })?;
    if location.tag != Tag(0x7FE0, 0x0010) {
        return Err(DecodeError::Unsupported {
            transfer_syntax: syntax.uid().to_owned(),
            bits_allocated: 32,
            bits_stored: 32,
            photometric: "float".to_owned(),
            reason: "float pixel data (7FE0,0008)/(7FE0,0009) is not decoded yet".to_owned(),
        });
    }
    let mut header_bytes = Vec::with_capacity(ds.len() - (location.end - location.start));
    header_bytes.extend_from_slice(&ds[..location.start]);
    header_bytes.extend_from_slice(&ds[location.end..]);
    let ts = match enc {
        Encoding::IMPLICIT_LE => entries::IMPLICIT_VR_LITTLE_ENDIAN.erased(),
        Encoding::EXPLICIT_BE => entries::EXPLICIT_VR_BIG_ENDIAN.erased(),
        _ => entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
    };
    let header = InMemDicomObject::read_dataset_with_ts(&header_bytes[..], &ts).map_err(|_| {
        DecodeError::Parse {
            transfer_syntax: syntax.uid().to_owned(),
        }
    })?;
    let pixel = image_pixel(&header, &syntax)?;
    check_size(&pixel, &limits)?;

    let source = match location.value {
        PixelValue::Native { start, end } => {
            if syntax.is_encapsulated() {
                return Err(DecodeError::Malformed {
                    tag: Tag(0x7FE0, 0x0010),
                    offset: location.start as u64,
                    reason: "native pixel data in an encapsulated transfer syntax",
                });
            }
            let expected_bits = pixel
                .native_frame_bits()
                .saturating_mul(u64::from(pixel.number_of_frames));
            let expected = expected_bits.div_ceil(8);
            let actual = (end - start) as u64;
            if actual < expected {
                return Err(DecodeError::PixelDataLength { expected, actual });
            }
            // A trailing pad byte to even length is normal; more than that is worth a note.
            if actual > expected + 1 {
                warnings.push(Warning::ExcessPixelData {
                    bytes: actual - expected,
                });
            }
            let mut bytes = ds[start..end].to_vec();
            // OW is a stream of 16-bit words: in big endian each word's bytes are swapped, so
            // 8-bit (and 1-bit) samples packed into OW come out pairwise reversed (PS3.5 7.3).
            if enc.big_endian && location.vr == Some(*b"OW") && pixel.bits_allocated <= 8 {
                for pair in bytes.chunks_exact_mut(2) {
                    pair.swap(0, 1);
                }
            }
            PixelSource::Native {
                bytes,
                big_endian: enc.big_endian,
            }
        }
        PixelValue::Encapsulated { items } => {
            if !syntax.is_encapsulated() {
                return Err(DecodeError::Malformed {
                    tag: Tag(0x7FE0, 0x0010),
                    offset: location.start as u64,
                    reason: "encapsulated pixel data in a native transfer syntax",
                });
            }
            let base = location.start;
            let buf = ds[location.start..location.end].to_vec();
            let items: Vec<(usize, usize)> = items
                .into_iter()
                .map(|(s, e)| (s - base, e - base))
                .collect();
            let frames = split_frames(&header, &buf, &items, &pixel, &syntax)?;
            PixelSource::Encapsulated { buf, frames }
        }
    };

    let frame_infos = frame_infos(&header, pixel.number_of_frames)?;
    let modality_lut = modality_lut(&header, &pixel)?;
    let voi_luts = voi_luts(&header, &pixel)?;
    let palette = if pixel.photometric == Photometric::PaletteColor {
        Some(palette(&header)?)
    } else {
        None
    };
    let presentation_shape = string(&header, 0x2050, 0x0020).and_then(|s| match s.as_str() {
        "IDENTITY" => Some(PresentationLutShape::Identity),
        "INVERSE" => Some(PresentationLutShape::Inverse),
        _ => None,
    });
    Ok(Instance {
        syntax,
        pixel,
        source,
        limits,
        warnings,
        header,
        frame_infos,
        modality_lut,
        voi_luts,
        palette,
        presentation_shape,
    })
}

impl Instance {
    /// The transfer syntax of the pixel data.
    pub fn transfer_syntax(&self) -> &TransferSyntax {
        &self.syntax
    }

    /// The Image Pixel module as declared.
    pub fn image_pixel(&self) -> &ImagePixel {
        &self.pixel
    }

    /// Bytes of pixel data this instance holds (encoded as in the file), for memory budgets.
    pub fn pixel_data_len(&self) -> usize {
        match &self.source {
            PixelSource::Native { bytes, .. } => bytes.len(),
            PixelSource::Encapsulated { buf, .. } => buf.len(),
        }
    }

    /// Number of frames (1 for single-frame objects).
    pub fn frame_count(&self) -> u32 {
        self.pixel.number_of_frames
    }

    /// Decodes frame `index` (0-based).
    pub fn frame(&self, index: u32) -> Result<Frame, DecodeError> {
        crate::codec::decode_frame(self, index).map(|(frame, _)| frame)
    }

    /// Decodes frame `index` and names the decoder that did it: `"dicom-pixeldata"`, or
    /// `"meridian: <gap>"` where our own code covers a gap of dicom-pixeldata. For the corpus
    /// table and benches; not a stable API.
    #[doc(hidden)]
    pub fn frame_with_decoder(&self, index: u32) -> Result<(Frame, &'static str), DecodeError> {
        crate::codec::decode_frame(self, index)
    }

    /// Decodes every frame in order; each item is that frame's result.
    pub fn frames(&self) -> impl Iterator<Item = Result<Frame, DecodeError>> + '_ {
        (0..self.frame_count()).map(|i| self.frame(i))
    }

    /// Geometry and value transformation of frame `index` (`None` past the last frame).
    pub fn frame_info(&self, index: u32) -> Option<&FrameInfo> {
        self.frame_infos.get(index as usize)
    }

    /// The modality LUT of frame `index`: a per-frame rescale wins over the object's.
    pub fn modality_lut(&self, index: u32) -> ModalityLut {
        match self.frame_info(index).and_then(|i| i.rescale) {
            Some((slope, intercept)) => ModalityLut::Rescale { slope, intercept },
            None => self.modality_lut.clone(),
        }
    }

    /// VOI LUT Sequence (0028,3010) tables.
    pub fn voi_luts(&self) -> &[Lut] {
        &self.voi_luts
    }

    /// The palette of a PALETTE COLOR image.
    pub fn palette(&self) -> Option<&Palette> {
        self.palette.as_ref()
    }

    /// Presentation LUT Shape (2050,0020), when present.
    pub fn presentation_lut_shape(&self) -> Option<PresentationLutShape> {
        self.presentation_shape
    }

    /// What was odd but did not stop decoding.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Series Instance UID (0020,000E), for grouping.
    pub fn series_instance_uid(&self) -> Option<String> {
        string(&self.header, 0x0020, 0x000E)
    }

    /// SOP Instance UID (0008,0018).
    pub fn sop_instance_uid(&self) -> Option<String> {
        string(&self.header, 0x0008, 0x0018)
    }

    /// Modality (0008,0060), e.g. `CT`.
    pub fn modality(&self) -> Option<String> {
        string(&self.header, 0x0008, 0x0060)
    }

    /// A text attribute of the data set (trimmed, empty as `None`), e.g. `(0x0010, 0x0020)` for
    /// Patient ID. For callers that must check identity or show corner text; never logged here.
    pub fn text(&self, group: u16, element: u16) -> Option<String> {
        string(&self.header, group, element)
    }

    /// Instance Number (0020,0013).
    pub fn instance_number(&self) -> Option<i64> {
        self.header
            .get(CoreTag(0x0020, 0x0013))
            .and_then(|e| e.to_int::<i64>().ok())
    }
}

fn inflate(data: &[u8], limit: u64, syntax: &TransferSyntax) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    let mut reader = flate2::read::DeflateDecoder::new(data).take(limit.saturating_add(1));
    reader
        .read_to_end(&mut out)
        .map_err(|_| DecodeError::Codec {
            transfer_syntax: syntax.uid().to_owned(),
            frame: 0,
            reason: "deflate stream is corrupt".to_owned(),
        })?;
    if out.len() as u64 > limit {
        return Err(DecodeError::TooLarge {
            what: "inflated data",
            needed: out.len() as u64,
            limit,
        });
    }
    Ok(out)
}

pub(crate) fn inflate_frame(
    data: &[u8],
    limit: u64,
    syntax: &TransferSyntax,
) -> Result<Vec<u8>, DecodeError> {
    inflate(data, limit, syntax)
}

fn check_size(pixel: &ImagePixel, limits: &Limits) -> Result<(), DecodeError> {
    let frame = pixel.decoded_frame_bytes();
    if frame > limits.max_frame_bytes {
        return Err(DecodeError::TooLarge {
            what: "one decoded frame",
            needed: frame,
            limit: limits.max_frame_bytes,
        });
    }
    let total = frame.saturating_mul(u64::from(pixel.number_of_frames));
    if total > limits.max_total_bytes {
        return Err(DecodeError::TooLarge {
            what: "all decoded frames",
            needed: total,
            limit: limits.max_total_bytes,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Attribute access. Values are never quoted in errors: only tags, keywords and numbers that
// describe the pixel matrix.

fn get(
    obj: &InMemDicomObject,
    group: u16,
    element: u16,
) -> Option<&Value<InMemDicomObject, Vec<u8>>> {
    obj.get(CoreTag(group, element)).map(|e| e.value())
}

fn string(obj: &InMemDicomObject, group: u16, element: u16) -> Option<String> {
    let v = get(obj, group, element)?;
    let s = v.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == ' ' || c == '\0');
    if s.is_empty() {
        None
    } else {
        Some(s.to_owned())
    }
}

fn uint(
    obj: &InMemDicomObject,
    group: u16,
    element: u16,
    name: &'static str,
) -> Result<Option<u32>, DecodeError> {
    let Some(v) = get(obj, group, element) else {
        return Ok(None);
    };
    if v.primitive().is_some_and(PrimitiveValue::is_empty) {
        return Ok(None);
    }
    v.to_int::<i64>()
        .ok()
        .and_then(|x| u32::try_from(x).ok())
        .map(Some)
        .ok_or_else(|| DecodeError::InvalidAttribute {
            tag: Tag(group, element),
            name,
            reason: "not a non-negative integer".to_owned(),
        })
}

fn required_u16(
    obj: &InMemDicomObject,
    group: u16,
    element: u16,
    name: &'static str,
) -> Result<u16, DecodeError> {
    let v = uint(obj, group, element, name)?.ok_or(DecodeError::MissingAttribute {
        tag: Tag(group, element),
        name,
    })?;
    u16::try_from(v).map_err(|_| DecodeError::InvalidAttribute {
        tag: Tag(group, element),
        name,
        reason: format!("{v} does not fit 16 bits"),
    })
}

fn floats(obj: &InMemDicomObject, group: u16, element: u16) -> Option<Vec<f64>> {
    let v = get(obj, group, element)?;
    let f = v.to_multi_float64().ok()?;
    if f.is_empty() || f.iter().any(|x| !x.is_finite()) {
        None
    } else {
        Some(f)
    }
}

fn float(obj: &InMemDicomObject, group: u16, element: u16) -> Option<f64> {
    floats(obj, group, element).and_then(|f| f.first().copied())
}

fn image_pixel(obj: &InMemDicomObject, syntax: &TransferSyntax) -> Result<ImagePixel, DecodeError> {
    let rows = required_u16(obj, 0x0028, 0x0010, "Rows")?;
    let columns = required_u16(obj, 0x0028, 0x0011, "Columns")?;
    let samples_per_pixel = match uint(obj, 0x0028, 0x0002, "SamplesPerPixel")? {
        Some(v) => u16::try_from(v).unwrap_or(u16::MAX),
        None => 1,
    };
    let bits_allocated = required_u16(obj, 0x0028, 0x0100, "BitsAllocated")?;
    let bits_stored = match uint(obj, 0x0028, 0x0101, "BitsStored")? {
        Some(v) => u16::try_from(v).unwrap_or(u16::MAX),
        None => bits_allocated,
    };
    let high_bit = match uint(obj, 0x0028, 0x0102, "HighBit")? {
        Some(v) => u16::try_from(v).unwrap_or(u16::MAX),
        None => bits_stored.saturating_sub(1),
    };
    let signed = uint(obj, 0x0028, 0x0103, "PixelRepresentation")?.unwrap_or(0) == 1;
    let photometric = match string(obj, 0x0028, 0x0004) {
        Some(p) => Photometric::parse(&p),
        None if samples_per_pixel == 1 => Photometric::Monochrome2,
        None => {
            return Err(DecodeError::MissingAttribute {
                tag: Tag(0x0028, 0x0004),
                name: "PhotometricInterpretation",
            });
        }
    };
    let planar_configuration = match uint(obj, 0x0028, 0x0006, "PlanarConfiguration")? {
        Some(v) => u16::try_from(v).unwrap_or(u16::MAX),
        None => 0,
    };
    let number_of_frames = uint(obj, 0x0028, 0x0008, "NumberOfFrames")?
        .unwrap_or(1)
        .max(1);
    let p = ImagePixel {
        rows: u32::from(rows),
        columns: u32::from(columns),
        samples_per_pixel,
        bits_allocated,
        bits_stored,
        high_bit,
        signed,
        photometric,
        planar_configuration,
        number_of_frames,
    };
    let invalid = |group, element, name, reason: String| DecodeError::InvalidAttribute {
        tag: Tag(group, element),
        name,
        reason,
    };
    if p.rows == 0 || p.columns == 0 {
        return Err(invalid(
            0x0028,
            0x0010,
            "Rows",
            "rows and columns must be at least 1".to_owned(),
        ));
    }
    if p.samples_per_pixel != 1 && p.samples_per_pixel != 3 {
        return Err(invalid(
            0x0028,
            0x0002,
            "SamplesPerPixel",
            format!("{} (expected 1 or 3)", p.samples_per_pixel),
        ));
    }
    if p.bits_stored == 0 || p.bits_stored > p.bits_allocated {
        return Err(invalid(
            0x0028,
            0x0101,
            "BitsStored",
            format!("{} with {} bits allocated", p.bits_stored, p.bits_allocated),
        ));
    }
    if p.planar_configuration > 1 {
        return Err(invalid(
            0x0028,
            0x0006,
            "PlanarConfiguration",
            format!("{} (expected 0 or 1)", p.planar_configuration),
        ));
    }
    if !matches!(p.bits_allocated, 1 | 8 | 16 | 32) {
        return Err(DecodeError::Unsupported {
            transfer_syntax: syntax.uid().to_owned(),
            bits_allocated: p.bits_allocated,
            bits_stored: p.bits_stored,
            photometric: p.photometric.to_string(),
            reason: "bits allocated must be 1, 8, 16 or 32".to_owned(),
        });
    }
    let colour = matches!(
        p.photometric,
        Photometric::Rgb
            | Photometric::YbrFull
            | Photometric::YbrFull422
            | Photometric::YbrIct
            | Photometric::YbrRct
            | Photometric::YbrPartial420
    );
    let consistent = match p.samples_per_pixel {
        1 => matches!(
            p.photometric,
            Photometric::Monochrome1 | Photometric::Monochrome2 | Photometric::PaletteColor
        ),
        _ => colour,
    };
    if !consistent {
        return Err(DecodeError::Unsupported {
            transfer_syntax: syntax.uid().to_owned(),
            bits_allocated: p.bits_allocated,
            bits_stored: p.bits_stored,
            photometric: p.photometric.to_string(),
            reason: format!(
                "photometric interpretation does not fit {} sample(s) per pixel",
                p.samples_per_pixel
            ),
        });
    }
    Ok(p)
}

// ---------------------------------------------------------------------------------------------
// Encapsulated frames: which fragments make up which frame (PS3.5 A.4).

fn split_frames(
    header: &InMemDicomObject,
    buf: &[u8],
    items: &[(usize, usize)],
    pixel: &ImagePixel,
    syntax: &TransferSyntax,
) -> Result<Vec<Vec<(usize, usize)>>, DecodeError> {
    let frames = pixel.number_of_frames as usize;
    let malformed = |reason| DecodeError::Malformed {
        tag: Tag(0x7FE0, 0x0010),
        offset: 0,
        reason,
    };
    let Some((bot, fragments)) = items.split_first() else {
        return Err(malformed(
            "encapsulated pixel data without a basic offset table item",
        ));
    };
    if fragments.is_empty() {
        return Err(malformed("encapsulated pixel data without fragments"));
    }
    // Offset of each fragment's item header, counted from the first fragment's (PS3.5 A.4).
    let mut positions = Vec::with_capacity(fragments.len());
    let mut at = 0u64;
    for (s, e) in fragments {
        positions.push(at);
        at += 8 + (e - s) as u64;
    }
    let group = |offsets: &[u64]| -> Option<Vec<Vec<(usize, usize)>>> {
        if offsets.len() != frames || offsets.first() != Some(&0) {
            return None;
        }
        if offsets.windows(2).any(|w| w[0] >= w[1]) {
            return None;
        }
        let mut out = vec![Vec::new(); frames];
        for (k, pos) in positions.iter().enumerate() {
            let f = offsets.partition_point(|o| o <= pos).checked_sub(1)?;
            out[f].push(fragments[k]);
        }
        if out.iter().any(Vec::is_empty) {
            None
        } else {
            Some(out)
        }
    };
    // Extended Offset Table (7FE0,0001), 64-bit offsets.
    if let Some(v) = get(header, 0x7FE0, 0x0001) {
        let offsets = eot_values(v);
        if let Some(out) = offsets.as_deref().and_then(group) {
            return Ok(out);
        }
        return Err(malformed(
            "extended offset table does not match the fragments",
        ));
    }
    let bot_bytes = &buf[bot.0..bot.1];
    if !bot_bytes.is_empty() {
        let offsets: Vec<u64> = bot_bytes
            .chunks_exact(4)
            .map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        if let Some(out) = group(&offsets) {
            return Ok(out);
        }
        // A wrong basic offset table is common; fall through to the other rules.
    }
    if frames == 1 {
        return Ok(vec![fragments.to_vec()]);
    }
    if fragments.len() == frames {
        return Ok(fragments.iter().map(|f| vec![*f]).collect());
    }
    // Several fragments per frame and no usable table: a new frame starts at each fragment
    // that opens with the codec's start marker.
    let starts: Vec<u64> = fragments
        .iter()
        .zip(&positions)
        .filter(|((s, e), _)| is_frame_start(&buf[*s..*e], syntax))
        .map(|(_, p)| *p)
        .collect();
    group(&starts).ok_or_else(|| {
        malformed("cannot tell which fragments belong to which frame (no offset table, and fragments do not match frames)")
    })
}

fn eot_values(v: &Value<InMemDicomObject, Vec<u8>>) -> Option<Vec<u64>> {
    match v.primitive()? {
        PrimitiveValue::U64(x) => Some(x.to_vec()),
        PrimitiveValue::U8(b) if b.len() % 8 == 0 => Some(
            b.chunks_exact(8)
                .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ),
        _ => None,
    }
}

fn is_frame_start(fragment: &[u8], syntax: &TransferSyntax) -> bool {
    match syntax {
        TransferSyntax::Jpeg2000
        | TransferSyntax::Jpeg2000Lossless
        | TransferSyntax::Htj2k
        | TransferSyntax::Htj2kLossless
        | TransferSyntax::Htj2kLosslessRpcl => {
            fragment.starts_with(&[0xFF, 0x4F])
                || fragment.starts_with(&[0, 0, 0, 0x0C, b'j', b'P'])
        }
        _ => fragment.starts_with(&[0xFF, 0xD8]),
    }
}

// ---------------------------------------------------------------------------------------------
// Functional groups, modality LUT, VOI, palette.

fn first_item(obj: &InMemDicomObject, group: u16, element: u16) -> Option<&InMemDicomObject> {
    obj.get(CoreTag(group, element))?.items()?.first()
}

/// Reads the frame-level attributes from one object (a functional group item or the top level).
fn read_frame_info(obj: &InMemDicomObject, into: &mut FrameInfo, nested: bool) {
    let measures = if nested {
        first_item(obj, 0x0028, 0x9110)
    } else {
        Some(obj)
    };
    if let Some(m) = measures {
        if let Some(v) = floats(m, 0x0028, 0x0030).filter(|v| v.len() == 2) {
            into.pixel_spacing = Some([v[0], v[1]]);
        }
        if let Some(v) = float(m, 0x0018, 0x0050) {
            into.slice_thickness = Some(v);
        }
        if let Some(v) = float(m, 0x0018, 0x0088) {
            into.spacing_between_slices = Some(v);
        }
    }
    let position = if nested {
        first_item(obj, 0x0020, 0x9113)
    } else {
        Some(obj)
    };
    if let Some(v) = position
        .and_then(|p| floats(p, 0x0020, 0x0032))
        .filter(|v| v.len() == 3)
    {
        into.position = Some([v[0], v[1], v[2]]);
    }
    let orientation = if nested {
        first_item(obj, 0x0020, 0x9116)
    } else {
        Some(obj)
    };
    if let Some(v) = orientation
        .and_then(|p| floats(p, 0x0020, 0x0037))
        .filter(|v| v.len() == 6)
    {
        into.orientation = Some([v[0], v[1], v[2], v[3], v[4], v[5]]);
    }
    let transform = if nested {
        first_item(obj, 0x0028, 0x9145)
    } else {
        Some(obj)
    };
    if let Some(t) = transform {
        let slope = float(t, 0x0028, 0x1053);
        let intercept = float(t, 0x0028, 0x1052);
        if slope.is_some() || intercept.is_some() {
            into.rescale = Some((slope.unwrap_or(1.0), intercept.unwrap_or(0.0)));
        }
    }
    let voi = if nested {
        first_item(obj, 0x0028, 0x9132)
    } else {
        Some(obj)
    };
    if let Some(v) = voi {
        let windows = windows(v);
        if !windows.is_empty() {
            into.windows = windows;
        }
    }
    if nested
        && let Some(c) = first_item(obj, 0x0020, 0x9111)
        && let Ok(Some(n)) = uint(c, 0x0020, 0x9057, "InStackPositionNumber")
    {
        into.in_stack_position = Some(n);
    }
}

fn windows(obj: &InMemDicomObject) -> Vec<Window> {
    let (Some(centers), Some(widths)) = (floats(obj, 0x0028, 0x1050), floats(obj, 0x0028, 0x1051))
    else {
        return Vec::new();
    };
    let function = match string(obj, 0x0028, 0x1056).as_deref() {
        Some("LINEAR_EXACT") => VoiFunction::LinearExact,
        Some("SIGMOID") => VoiFunction::Sigmoid,
        _ => VoiFunction::Linear,
    };
    centers
        .iter()
        .zip(&widths)
        .filter(|(_, w)| **w > 0.0)
        .map(|(c, w)| Window {
            center: *c,
            width: *w,
            function,
        })
        .collect()
}

fn frame_infos(obj: &InMemDicomObject, frames: u32) -> Result<Vec<FrameInfo>, DecodeError> {
    let mut base = FrameInfo::default();
    read_frame_info(obj, &mut base, false);
    if let Some(shared) = first_item(obj, 0x5200, 0x9229) {
        read_frame_info(shared, &mut base, true);
    }
    let per_frame = obj.get(CoreTag(0x5200, 0x9230)).and_then(|e| e.items());
    let mut out = Vec::with_capacity(frames as usize);
    for i in 0..frames as usize {
        let mut info = base.clone();
        if let Some(item) = per_frame.and_then(|items| items.get(i)) {
            read_frame_info(item, &mut info, true);
        }
        out.push(info);
    }
    Ok(out)
}

/// LUT data as 16-bit entries; 8-bit entries may come one per byte or one per word.
fn lut_data(v: &Value<InMemDicomObject, Vec<u8>>, entries: usize) -> Option<Vec<u16>> {
    match v.primitive()? {
        PrimitiveValue::U16(x) if x.len() == entries => Some(x.to_vec()),
        PrimitiveValue::U16(x) if x.len() * 2 == entries => {
            Some(x.iter().flat_map(|w| [w & 0xFF, w >> 8]).collect())
        }
        PrimitiveValue::I16(x) if x.len() == entries => Some(
            x.iter()
                .map(|w| u16::from_ne_bytes(w.to_ne_bytes()))
                .collect(),
        ),
        PrimitiveValue::U8(b) if b.len() == entries => {
            Some(b.iter().map(|x| u16::from(*x)).collect())
        }
        PrimitiveValue::U8(b) if b.len() == entries * 2 => Some(
            b.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        ),
        _ => None,
    }
}

/// LUT Descriptor: (entries, first mapped value, bits per entry).
fn lut_descriptor(
    obj: &InMemDicomObject,
    group: u16,
    element: u16,
    signed: bool,
) -> Option<(usize, i32, u16)> {
    let v = get(obj, group, element)?;
    let d: Vec<i64> = v.to_multi_int::<i64>().ok()?;
    if d.len() != 3 {
        return None;
    }
    let entries = if d[0] == 0 {
        65536
    } else {
        usize::try_from(d[0] & 0xFFFF).ok()?
    };
    // The first mapped value is US or SS as the Pixel Representation says (PS3.3 C.11.1.1.1);
    // implicit VR files read it as US, so reinterpret.
    let first = if signed {
        i32::from((d[1] & 0xFFFF) as u16 as i16)
    } else {
        (d[1] & 0xFFFF) as i32
    };
    let bits = u16::try_from(d[2]).ok().filter(|b| (1..=16).contains(b))?;
    Some((entries, first, bits))
}

fn lut_from_item(
    item: &InMemDicomObject,
    signed: bool,
    name: &'static str,
    seq: (u16, u16),
) -> Result<Lut, DecodeError> {
    let invalid = |reason: &str| DecodeError::InvalidAttribute {
        tag: Tag(seq.0, seq.1),
        name,
        reason: reason.to_owned(),
    };
    let (entries, first, bits) = lut_descriptor(item, 0x0028, 0x3002, signed)
        .ok_or_else(|| invalid("LUT Descriptor (0028,3002) missing or not 3 numbers"))?;
    let data = get(item, 0x0028, 0x3006)
        .and_then(|v| lut_data(v, entries))
        .ok_or_else(|| {
            invalid("LUT Data (0028,3006) missing or its length does not match the descriptor")
        })?;
    Ok(Lut::new(first, bits, data))
}

fn modality_lut(obj: &InMemDicomObject, pixel: &ImagePixel) -> Result<ModalityLut, DecodeError> {
    if let Some(item) = first_item(obj, 0x0028, 0x3000) {
        let lut = lut_from_item(item, pixel.signed, "ModalityLUTSequence", (0x0028, 0x3000))?;
        return Ok(ModalityLut::Table(lut));
    }
    let slope = float(obj, 0x0028, 0x1053);
    let intercept = float(obj, 0x0028, 0x1052);
    Ok(match (slope, intercept) {
        (None, None) => ModalityLut::Identity,
        (s, i) => ModalityLut::Rescale {
            slope: s.unwrap_or(1.0),
            intercept: i.unwrap_or(0.0),
        },
    })
}

fn voi_luts(obj: &InMemDicomObject, pixel: &ImagePixel) -> Result<Vec<Lut>, DecodeError> {
    let Some(items) = obj.get(CoreTag(0x0028, 0x3010)).and_then(|e| e.items()) else {
        return Ok(Vec::new());
    };
    // The VOI LUT input is the modality LUT output, which is signed when the pixels are or when
    // a rescale can make it so; the descriptor's first value follows the pixel representation.
    items
        .iter()
        .map(|item| lut_from_item(item, pixel.signed, "VOILUTSequence", (0x0028, 0x3010)))
        .collect()
}

fn palette(obj: &InMemDicomObject) -> Result<Palette, DecodeError> {
    let channel =
        |d: u16, data: u16, seg: u16, name: &'static str| -> Result<PaletteChannel, DecodeError> {
            let invalid = |reason: &str| DecodeError::InvalidAttribute {
                tag: Tag(0x0028, d),
                name,
                reason: reason.to_owned(),
            };
            let (entries, first, bits) = lut_descriptor(obj, 0x0028, d, false)
                .ok_or_else(|| invalid("palette descriptor missing or not 3 numbers"))?;
            if let Some(v) = get(obj, 0x0028, data) {
                let table = lut_data(v, entries)
                    .ok_or_else(|| invalid("palette data length does not match the descriptor"))?;
                return Ok(PaletteChannel {
                    lut: Lut::new(first, bits, table),
                });
            }
            if let Some(v) = get(obj, 0x0028, seg) {
                let words: Vec<u16> = match v.primitive() {
                    Some(PrimitiveValue::U16(x)) => x.to_vec(),
                    Some(PrimitiveValue::U8(b)) => b
                        .chunks_exact(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]]))
                        .collect(),
                    _ => return Err(invalid("segmented palette data is not 16-bit words")),
                };
                let table = crate::pipeline::lut::expand_segmented(&words, entries)
                    .ok_or_else(|| invalid("segmented palette data is malformed"))?;
                return Ok(PaletteChannel {
                    lut: Lut::new(first, bits, table),
                });
            }
            Err(invalid("palette data missing"))
        };
    Ok(Palette {
        red: channel(
            0x1101,
            0x1201,
            0x1221,
            "RedPaletteColorLookupTableDescriptor",
        )?,
        green: channel(
            0x1102,
            0x1202,
            0x1222,
            "GreenPaletteColorLookupTableDescriptor",
        )?,
        blue: channel(
            0x1103,
            0x1203,
            0x1223,
            "BluePaletteColorLookupTableDescriptor",
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_allows_a_large_ct_series_frame() {
        let l = Limits::default();
        assert!(l.max_frame_bytes >= 512 * 512 * 2);
    }
}
