//! Integration tests of meridian-viewer: the pydicom corpus against pydicom's own decoding,
//! malformed input (in a child process under an address-space cap), the pixel pipeline with hand-computed values, and
//! the series model.

mod corpus;
mod dicom;
mod lossless;
mod malformed;
mod pipeline;
mod render;
mod series;
mod synthetic;
