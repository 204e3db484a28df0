//! PACS connectivity: DICOMweb (QIDO-RS, WADO-RS, STOW-RS) and DIMSE (C-ECHO, C-FIND,
//! C-STORE, C-MOVE, C-GET) clients for one archive at a time, and a C-STORE listener
//! ([`StoreScp`]) that receives what a C-MOVE or a modality sends us.
//!
//! It refuses to know the domain model, the store, or the UI: it speaks DICOM to an archive
//! and hands back typed summaries ([`StudySummary`], [`SeriesSummary`], [`InstanceSummary`])
//! and DICOM files as bytes. Parsing pixel data is the viewer's business. Errors
//! ([`PacsError`]) carry categories and status codes, never patient data or UIDs.
//!
//! DICOMweb is async (reqwest, rustls on `ring`); DIMSE is blocking (dicom-ul over a
//! `TcpStream`, with timeouts), so async callers run it in `spawn_blocking`. Every answer
//! is bounded: [`WebOptions::max_response_bytes`], 512 MiB per DIMSE dataset, and a
//! caller-given total for C-GET.
//!
//! Files are sent as they are and received as they arrive: no transcoding, no pixel
//! decoding (the `viewer` does that).
//!
//! ```no_run
//! # async fn demo() -> Result<(), meridian_pacs::PacsError> {
//! use meridian_pacs::{DicomWebClient, StudyQuery, WebOptions};
//! let pacs = DicomWebClient::new("http://127.0.0.1:8042/dicom-web/", WebOptions::default())?;
//! for study in pacs.search_studies(&StudyQuery::by_patient_id("MRN-1")).await? {
//!     let files = pacs.retrieve_study(&study.study_instance_uid).await?;
//!     println!("{} instances", files.len());
//! }
//! # Ok(()) }
//! ```

pub mod dimse;
mod error;
mod model;
mod web;

#[cfg(feature = "test-support")]
pub mod test_support;

pub use dimse::{
    DEFAULT_GET_SOP_CLASSES, DimsePeer, GetOutcome, MoveOutcome, ReceivedInstance, StoreFailure,
    StoreOutcome, StoreScp,
};
pub use error::{PacsError, PacsErrorKind};
pub use model::{DicomDate, InstanceSummary, SeriesSummary, StudyQuery, StudySummary};
pub use web::{DicomWebClient, Frame, StowFailure, StowOutcome, WebOptions};
