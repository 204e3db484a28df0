//! The DICOMweb client: QIDO-RS (search), WADO-RS (retrieve) and STOW-RS (store), on
//! reqwest with rustls on `ring`.

mod client;
pub(crate) mod multipart;

pub use client::{DicomWebClient, Frame, StowFailure, StowOutcome, WebOptions};
