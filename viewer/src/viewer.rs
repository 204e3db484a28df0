//! `meridian-viewer` decodes DICOM images and turns them into pixels: every transfer syntax in
//! common use (native little/big endian, deflated, RLE, JPEG baseline/extended 8 and 12 bit,
//! JPEG lossless, JPEG-LS, JPEG 2000), the pixel pipeline of PS3.3 C.11 on the CPU (modality
//! LUT, VOI window or LUT, presentation LUT shape, MONOCHROME1, palette and YBR colour), and a
//! series/volume model that sorts slices along their normal and warns about gaps.
//!
//! It refuses to know where files come from (no IO: callers pass bytes), the clock, PACS,
//! patients, and windows: pixels reach the screen through the off-screen wgpu renderer
//! ([`render::Renderer`]), which is tested against [`render_to_rgba8`]. It never shows a wrong
//! image: a file that cannot be decoded
//! correctly is refused with a [`DecodeError`] that names the transfer syntax, bits and
//! photometric interpretation, never a value of the data set (names, identifiers, dates).
//!
//! dicom-object parses the attributes; the pixel data never goes through it. A header-only walk
//! (`scan`) first checks every declared length against the bytes that are there, so a forged
//! length cannot make the parser allocate gigabytes, and records where the pixel data lies.
//! Frames are then decoded through dicom-pixeldata (`PixelDecoder::decode_pixel_data_frame`,
//! given only the frame and its validated Image Pixel attributes, after each codestream's header
//! has been checked against them), except for its documented gaps (12-bit JPEG, JPEG whose
//! colour space it guesses wrong, over 16 bits allocated in RLE/J2K/JPEG-LS, big endian, 1-bit,
//! planar configuration 1, uncompressed YBR_FULL_422) and, for speed, uncompressed frames, RLE
//! and single-component lossless JPEG, which our own code decodes (equally exactly, faster).
//!
//! ```
//! use meridian_viewer::{Display, open, render_to_rgba8};
//!
//! # fn main() -> Result<(), meridian_viewer::DecodeError> {
//! // A 2x1 MONOCHROME2 image, 8 bits, implicit VR little endian, no meta header.
//! let mut file = Vec::new();
//! for (g, e, v) in [
//!     (0x0028u16, 0x0002u16, vec![1u8, 0]),      // Samples per Pixel
//!     (0x0028, 0x0004, b"MONOCHROME2 ".to_vec()), // Photometric Interpretation
//!     (0x0028, 0x0010, vec![1, 0]),               // Rows
//!     (0x0028, 0x0011, vec![2, 0]),               // Columns
//!     (0x0028, 0x0100, vec![8, 0]),               // Bits Allocated
//!     (0x0028, 0x0101, vec![8, 0]),               // Bits Stored
//!     (0x0028, 0x0102, vec![7, 0]),               // High Bit
//!     (0x0028, 0x0103, vec![0, 0]),               // Pixel Representation
//!     (0x7FE0, 0x0010, vec![0, 255]),             // Pixel Data
//! ] {
//!     file.extend(g.to_le_bytes());
//!     file.extend(e.to_le_bytes());
//!     file.extend((v.len() as u32).to_le_bytes());
//!     file.extend(v);
//! }
//! let instance = open(&file)?;
//! let frame = instance.frame(0)?;
//! let rgba = render_to_rgba8(&frame, &Display::window(127.5, 256.0));
//! assert_eq!(rgba, vec![0, 0, 0, 255, 255, 255, 255, 255]);
//! # Ok(())
//! # }
//! ```

mod codec;
mod error;
mod frame;
pub mod gsps;
mod instance;
pub mod measure;
pub mod pipeline;
pub mod render;
mod scan;
pub mod series;
mod syntax;

pub use error::{DecodeError, Tag};
pub use frame::{Frame, Photometric, PixelData};
pub use instance::{FrameInfo, ImagePixel, Instance, Limits, Warning, open, open_with};
pub use pipeline::{
    Display, ModalityLut, PresentationLutShape, Voi, VoiFunction, Window, render_to_rgba8,
};
pub use series::{SeriesWarning, SliceGeometry, SortedSeries, Volume, sort_slices};
pub use syntax::TransferSyntax;

/// The 12-bit-capable sequential JPEG decoder, exposed for cross-checks in tests and benches.
#[doc(hidden)]
pub fn decode_sequential_jpeg(data: &[u8]) -> Option<(u32, u32, u32, Vec<u16>)> {
    codec::jpeg12::decode(data, 1 << 28)
        .ok()
        .map(|d| (d.width, d.height, d.components, d.samples))
}
