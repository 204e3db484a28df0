//! Decoding one frame through dicom-pixeldata (`PixelDecoder::decode_pixel_data_frame`).
//!
//! dicom-pixeldata reads its attributes from a DICOM object, so each frame gets a small
//! object of its own: the Image Pixel attributes we already validated, Number of Frames 1, and
//! only this frame's bytes as Pixel Data. Nothing else of the data set goes in, so nothing the
//! library says back (errors included) can carry patient data, and the library never sees a
//! length or a frame count that `scan` and `open` have not checked. The callers check the
//! codestream's own header against Rows/Columns/Samples per Pixel before calling, because the
//! adapters size their output from the data set and index past it (a panic) when the stream is
//! larger; the call runs under `catch_unwind` all the same.

use std::panic::{AssertUnwindSafe, catch_unwind};

use dicom_core::value::{C, PixelFragmentSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::FileDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_pixeldata::PixelDecoder;

use super::codec_error;
use crate::error::DecodeError;
use crate::instance::ImagePixel;
use crate::syntax::TransferSyntax;

/// The label the corpus table shows for frames decoded here.
pub(crate) const PATH: &str = "dicom-pixeldata";

/// Explicit VR little endian: the syntax under which native frames are handed over, whatever
/// the file's own (deflated and implicit VR data sets have little-endian pixel bytes too).
const NATIVE_LE: &str = "1.2.840.10008.1.2.1";

/// The bytes of one frame, as the file holds them.
pub(crate) enum Source<'a> {
    /// The frame's codestream (its fragments joined) under an encapsulated syntax.
    Encapsulated(&'a [u8]),
    /// Native little-endian samples of exactly one frame.
    NativeLe(&'a [u8]),
}

/// Decodes one frame; the result is what the adapter writes: little-endian samples of Bits
/// Allocated, interleaved for the J2K, JPEG and RLE adapters, as CharLS returns them for
/// JPEG-LS, and the bytes themselves for native frames.
pub(crate) fn decode(
    source: Source<'_>,
    px: &ImagePixel,
    syntax: &TransferSyntax,
    frame: u32,
) -> Result<Vec<u8>, DecodeError> {
    let err = |reason: &str| codec_error(syntax, frame, reason);
    let (uid, pixel_data) = match source {
        Source::Encapsulated(data) => (
            syntax.uid(),
            DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                Value::PixelSequence(PixelFragmentSequence::new(
                    Vec::<u32>::new(),
                    vec![data.to_vec()],
                )),
            ),
        ),
        Source::NativeLe(data) => (
            NATIVE_LE,
            DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                PrimitiveValue::U8(C::from_slice(data)),
            ),
        ),
    };
    // The SOP class and instance are placeholders: the meta table requires them, and the
    // adapters never read them.
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(uid)
        .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.7")
        .media_storage_sop_instance_uid("2.25.1")
        .build()
        .map_err(|_| err("could not build the frame's object for dicom-pixeldata"))?;
    let mut obj = FileDicomObject::new_empty_with_meta(meta);
    let us = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
    obj.put(us(tags::SAMPLES_PER_PIXEL, px.samples_per_pixel));
    obj.put(DataElement::new(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        PrimitiveValue::from(px.photometric.to_string()),
    ));
    obj.put(us(tags::ROWS, clamp16(px.rows)));
    obj.put(us(tags::COLUMNS, clamp16(px.columns)));
    obj.put(us(tags::BITS_ALLOCATED, px.bits_allocated));
    obj.put(us(tags::BITS_STORED, px.bits_stored));
    obj.put(us(tags::HIGH_BIT, px.high_bit));
    obj.put(us(tags::PIXEL_REPRESENTATION, u16::from(px.signed)));
    if px.samples_per_pixel > 1 {
        obj.put(us(tags::PLANAR_CONFIGURATION, px.planar_configuration));
    }
    obj.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from("1"),
    ));
    obj.put(pixel_data);
    // A panic inside a third-party decoder must not take the viewer down with it.
    let decoded = catch_unwind(AssertUnwindSafe(|| {
        obj.decode_pixel_data_frame(0).map(|d| d.into_data())
    }))
    .map_err(|_| err("dicom-pixeldata panicked on this frame"))?;
    decoded.map_err(|e| codec_error(syntax, frame, e.to_string()))
}

/// Rows and Columns are US in DICOM; `open` already refused larger values, so this only keeps
/// the conversion total.
fn clamp16(v: u32) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}
