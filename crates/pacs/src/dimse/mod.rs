//! DIMSE on dicom-ul associations: C-ECHO, C-FIND (Study Root, study and series level),
//! C-STORE, C-MOVE and C-GET (Study Root, study level) as a service user, and a C-STORE
//! service provider ([`StoreScp`]). Command sets are built here (PS3.7). Blocking: each
//! call opens one association, does its work and releases it; run it in `spawn_blocking`
//! from async code.

mod message;
mod scp;

pub use scp::{ReceivedInstance, StoreScp};

use std::time::Duration;

use dicom_core::{PrimitiveValue, VR};
use dicom_dictionary_std::tags as t;
use dicom_object::InMemDicomObject;
use dicom_ul::association::client::{ClientAssociation, ClientAssociationOptions};
use dicom_ul::pdu::PresentationContextResultReason;

use crate::error::{PacsError, PacsErrorKind};
use crate::model::{SeriesSummary, StudyQuery, StudySummary, tags};
use message::{
    EXPLICIT_LE, IMPLICIT_LE, NO_DATASET, WITH_DATASET, element, encode_command, uid_value,
};

const VERIFICATION: &str = "1.2.840.10008.1.1";
const STUDY_ROOT_FIND: &str = "1.2.840.10008.5.1.4.1.2.2.1";
const STUDY_ROOT_MOVE: &str = "1.2.840.10008.5.1.4.1.2.2.2";
const STUDY_ROOT_GET: &str = "1.2.840.10008.5.1.4.1.2.2.3";

/// The storage SOP classes a C-GET offers to receive by default: the common image classes and
/// the objects a reading leaves with a study (presentation states, key images, SR). An archive
/// fails a C-GET whose study holds a class that was not offered.
pub const DEFAULT_GET_SOP_CLASSES: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.2",   // CT Image
    "1.2.840.10008.5.1.4.1.1.2.1", // Enhanced CT Image
    "1.2.840.10008.5.1.4.1.1.4",   // MR Image
    "1.2.840.10008.5.1.4.1.1.4.1", // Enhanced MR Image
    "1.2.840.10008.5.1.4.1.1.7",   // Secondary Capture Image
    "1.2.840.10008.5.1.4.1.1.1",   // Computed Radiography Image
    "1.2.840.10008.5.1.4.1.1.1.1", // Digital X-Ray Image, for presentation
    "1.2.840.10008.5.1.4.1.1.1.2", // Digital Mammography, for presentation
    "1.2.840.10008.5.1.4.1.1.6.1", // Ultrasound Image
    "1.2.840.10008.5.1.4.1.1.20",  // Nuclear Medicine Image
    "1.2.840.10008.5.1.4.1.1.128", // PET Image
    "1.2.840.10008.5.1.4.1.1.11.1", // Grayscale Softcopy Presentation State
    "1.2.840.10008.5.1.4.1.1.88.59", // Key Object Selection Document
    "1.2.840.10008.5.1.4.1.1.88.33", // Comprehensive SR
];

/// Transfer syntaxes a C-GET offers to receive, one presentation context each, so that the
/// archive can send every instance as it is stored.
const GET_TRANSFER_SYNTAXES: &[&str] = &[
    EXPLICIT_LE,
    IMPLICIT_LE,
    "1.2.840.10008.1.2.4.50", // JPEG Baseline
    "1.2.840.10008.1.2.4.70", // JPEG Lossless SV1
    "1.2.840.10008.1.2.4.80", // JPEG-LS Lossless
    "1.2.840.10008.1.2.4.81", // JPEG-LS Near-Lossless
    "1.2.840.10008.1.2.4.90", // JPEG 2000 Lossless
    "1.2.840.10008.1.2.4.91", // JPEG 2000
    "1.2.840.10008.1.2.5",    // RLE Lossless
];

const C_STORE_RQ: u16 = 0x0001;
const C_STORE_RSP: u16 = 0x8001;
const C_FIND_RQ: u16 = 0x0020;
const C_FIND_RSP: u16 = 0x8020;
const C_ECHO_RQ: u16 = 0x0030;
const C_ECHO_RSP: u16 = 0x8030;
const C_MOVE_RQ: u16 = 0x0021;
const C_MOVE_RSP: u16 = 0x8021;
const C_GET_RQ: u16 = 0x0010;
const C_GET_RSP: u16 = 0x8010;

/// A remote DICOM application entity and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimsePeer {
    /// `host:port` of the peer.
    pub address: String,
    /// The peer's AE title (the *called* AE title), e.g. `ORTHANC`.
    pub called_ae_title: String,
    /// Our AE title (the *calling* AE title), as the peer knows us.
    pub calling_ae_title: String,
    /// The limit on connecting and on each read and write.
    pub timeout: Duration,
}

impl DimsePeer {
    /// A peer at `address` with AE title `called`, calling as `calling`, with a 30 s timeout.
    pub fn new(
        address: impl Into<String>,
        called: impl Into<String>,
        calling: impl Into<String>,
    ) -> Self {
        Self {
            address: address.into(),
            called_ae_title: called.into(),
            calling_ae_title: calling.into(),
            timeout: Duration::from_secs(30),
        }
    }

    fn check(&self, operation: &'static str) -> Result<(), PacsError> {
        let valid = |ae: &str| {
            !ae.trim().is_empty()
                && ae.len() <= 16
                && ae.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
                && !ae.contains('\\')
        };
        if !valid(&self.called_ae_title) || !valid(&self.calling_ae_title) {
            return Err(PacsError::new(
                operation,
                PacsErrorKind::Config {
                    reason: "an AE title must be 1 to 16 printable ASCII characters without '\\'"
                        .into(),
                },
            ));
        }
        Ok(())
    }

    fn connect(
        &self,
        operation: &'static str,
        contexts: &[(&str, Vec<&str>)],
    ) -> Result<ClientAssociation<std::net::TcpStream>, PacsError> {
        self.check(operation)?;
        let mut options = ClientAssociationOptions::new()
            .calling_ae_title(self.calling_ae_title.as_str())
            .called_ae_title(self.called_ae_title.as_str())
            .connection_timeout(self.timeout)
            .read_timeout(self.timeout)
            .write_timeout(self.timeout)
            // Non-strict: some archives send PDUs a little over the length we announced.
            .strict(false);
        for (abstract_syntax, syntaxes) in contexts {
            options = options.with_presentation_context(*abstract_syntax, syntaxes.clone());
        }
        let mut association = options
            .establish_with(&format!("{}@{}", self.called_ae_title, self.address))
            .map_err(|e| ul_error(operation, &e))?;
        no_delay(&mut association);
        Ok(association)
    }

    /// C-ECHO: whether the peer answers (and accepts us) at all.
    pub fn echo(&self) -> Result<(), PacsError> {
        const OP: &str = "c-echo";
        let mut association = self.connect(OP, &[(VERIFICATION, vec![IMPLICIT_LE])])?;
        let pc = accepted(OP, &association, VERIFICATION, None)?.0;
        let command = encode_command(
            OP,
            vec![
                element(t::AFFECTED_SOP_CLASS_UID, VR::UI, uid_value(VERIFICATION)),
                element(t::COMMAND_FIELD, VR::US, PrimitiveValue::from(C_ECHO_RQ)),
                element(t::MESSAGE_ID, VR::US, PrimitiveValue::from(1u16)),
                element(
                    t::COMMAND_DATA_SET_TYPE,
                    VR::US,
                    PrimitiveValue::from(NO_DATASET),
                ),
            ],
        )?;
        message::send(OP, &mut association, pc, command, None)?;
        let response = message::receive(OP, &mut association)?;
        expect_field(OP, &response, C_ECHO_RSP)?;
        let status = response.status(OP)?;
        release(association);
        if status != 0 {
            return Err(PacsError::new(OP, PacsErrorKind::DimseStatus { status }));
        }
        Ok(())
    }

    /// C-FIND at study level (Study Root): the studies matching `query`.
    pub fn find_studies(&self, query: &StudyQuery) -> Result<Vec<StudySummary>, PacsError> {
        let keys = query.matching_keys();
        let found = self.find(
            "c-find studies",
            "STUDY",
            &keys,
            tags::STUDY_RETURN_KEYS,
            query.limit,
        )?;
        Ok(found
            .iter()
            .filter_map(crate::model::Attributes::study)
            .collect())
    }

    /// C-FIND at series level (Study Root): the series of one study.
    pub fn find_series(&self, study_uid: &str) -> Result<Vec<SeriesSummary>, PacsError> {
        let keys = vec![(tags::STUDY_INSTANCE_UID, study_uid.to_owned())];
        let found = self.find(
            "c-find series",
            "SERIES",
            &keys,
            tags::SERIES_RETURN_KEYS,
            None,
        )?;
        Ok(found
            .iter()
            .filter_map(crate::model::Attributes::series)
            .collect())
    }

    fn find(
        &self,
        operation: &'static str,
        level: &str,
        keys: &[(u32, String)],
        return_keys: &[u32],
        limit: Option<u32>,
    ) -> Result<Vec<crate::model::Attributes>, PacsError> {
        let mut association = self.connect(
            operation,
            &[(STUDY_ROOT_FIND, vec![EXPLICIT_LE, IMPLICIT_LE])],
        )?;
        let (pc, ts) = accepted(operation, &association, STUDY_ROOT_FIND, None)?;
        let mut identifier = InMemDicomObject::new_empty();
        let tag_of = |k: u32| dicom_core::Tag((k >> 16) as u16, (k & 0xffff) as u16);
        for &key in return_keys {
            identifier.put(element(tag_of(key), vr_of(key), PrimitiveValue::Empty));
        }
        for (key, value) in keys {
            let v = if vr_of(*key) == VR::UI {
                uid_value(value)
            } else {
                PrimitiveValue::from(value.as_str())
            };
            identifier.put(element(tag_of(*key), vr_of(*key), v));
        }
        identifier.put(element(
            tag_of(tags::QUERY_RETRIEVE_LEVEL),
            VR::CS,
            PrimitiveValue::from(level),
        ));
        let dataset = message::encode_dataset(operation, &identifier, &ts)?;
        let command = encode_command(
            operation,
            vec![
                element(
                    t::AFFECTED_SOP_CLASS_UID,
                    VR::UI,
                    uid_value(STUDY_ROOT_FIND),
                ),
                element(t::COMMAND_FIELD, VR::US, PrimitiveValue::from(C_FIND_RQ)),
                element(t::MESSAGE_ID, VR::US, PrimitiveValue::from(1u16)),
                element(t::PRIORITY, VR::US, PrimitiveValue::from(0u16)),
                element(
                    t::COMMAND_DATA_SET_TYPE,
                    VR::US,
                    PrimitiveValue::from(WITH_DATASET),
                ),
            ],
        )?;
        message::send(operation, &mut association, pc, command, Some(&dataset))?;
        let mut found = Vec::new();
        loop {
            let response = message::receive(operation, &mut association)?;
            expect_field(operation, &response, C_FIND_RSP)?;
            match response.status(operation)? {
                0xff00 | 0xff01 => {
                    if let Some(bytes) = &response.dataset {
                        let object = message::decode_dataset(operation, bytes, &ts)?;
                        found.push(message::attributes(&object));
                    }
                    if limit.is_some_and(|l| found.len() >= l as usize) {
                        // Enough: abort rather than read matches we would throw away.
                        let _ = association.abort();
                        return Ok(found);
                    }
                }
                0x0000 => break,
                status => {
                    let _ = association.abort();
                    return Err(PacsError::new(
                        operation,
                        PacsErrorKind::DimseStatus { status },
                    ));
                }
            }
        }
        release(association);
        Ok(found)
    }

    /// C-MOVE at study level (Study Root): asks the peer to send every instance of the
    /// study to the AE titled `destination` (which the peer must know, e.g. our
    /// [`StoreScp`]). Returns when the peer reports the move done.
    pub fn move_study(&self, study_uid: &str, destination: &str) -> Result<MoveOutcome, PacsError> {
        const OP: &str = "c-move";
        let mut probe = self.clone();
        probe.calling_ae_title = destination.to_owned();
        probe.check(OP)?;
        let mut association =
            self.connect(OP, &[(STUDY_ROOT_MOVE, vec![EXPLICIT_LE, IMPLICIT_LE])])?;
        let (pc, ts) = accepted(OP, &association, STUDY_ROOT_MOVE, None)?;
        let mut identifier = InMemDicomObject::new_empty();
        identifier.put(element(
            t::QUERY_RETRIEVE_LEVEL,
            VR::CS,
            PrimitiveValue::from("STUDY"),
        ));
        identifier.put(element(t::STUDY_INSTANCE_UID, VR::UI, uid_value(study_uid)));
        let dataset = message::encode_dataset(OP, &identifier, &ts)?;
        let command = encode_command(
            OP,
            vec![
                element(
                    t::AFFECTED_SOP_CLASS_UID,
                    VR::UI,
                    uid_value(STUDY_ROOT_MOVE),
                ),
                element(t::COMMAND_FIELD, VR::US, PrimitiveValue::from(C_MOVE_RQ)),
                element(t::MESSAGE_ID, VR::US, PrimitiveValue::from(1u16)),
                element(
                    t::MOVE_DESTINATION,
                    VR::AE,
                    PrimitiveValue::from(destination),
                ),
                element(t::PRIORITY, VR::US, PrimitiveValue::from(0u16)),
                element(
                    t::COMMAND_DATA_SET_TYPE,
                    VR::US,
                    PrimitiveValue::from(WITH_DATASET),
                ),
            ],
        )?;
        message::send(OP, &mut association, pc, command, Some(&dataset))?;
        loop {
            let response = message::receive(OP, &mut association)?;
            expect_field(OP, &response, C_MOVE_RSP)?;
            let status = response.status(OP)?;
            if status == 0xff00 {
                continue;
            }
            let outcome = MoveOutcome {
                completed: response
                    .u16(t::NUMBER_OF_COMPLETED_SUBOPERATIONS)
                    .unwrap_or(0),
                failed: response.u16(t::NUMBER_OF_FAILED_SUBOPERATIONS).unwrap_or(0),
                warning: response
                    .u16(t::NUMBER_OF_WARNING_SUBOPERATIONS)
                    .unwrap_or(0),
            };
            release(association);
            // 0xB000: "sub-operations complete, one or more failures": the counts say which.
            return match status {
                0x0000 | 0xb000 => Ok(outcome),
                status => Err(PacsError::new(OP, PacsErrorKind::DimseStatus { status })),
            };
        }
    }

    /// C-GET at study level (Study Root): the study's instances over this one association
    /// (no listener needed), for the storage SOP classes in `sop_classes` (e.g.
    /// [`DEFAULT_GET_SOP_CLASSES`]; at most 14, as each is offered in 9 transfer syntaxes).
    /// Instances arrive in their stored transfer syntax where it is one of those offered.
    /// `max_total_bytes` bounds what is held in memory; past it the association is aborted.
    pub fn get_study(
        &self,
        study_uid: &str,
        sop_classes: &[&str],
        max_total_bytes: usize,
    ) -> Result<GetOutcome, PacsError> {
        const OP: &str = "c-get";
        if sop_classes.is_empty() || sop_classes.len() * GET_TRANSFER_SYNTAXES.len() > 127 {
            return Err(PacsError::new(
                OP,
                PacsErrorKind::Config {
                    reason: "give 1 to 14 storage SOP classes to receive".into(),
                },
            ));
        }
        self.check(OP)?;
        let mut options = ClientAssociationOptions::new()
            .calling_ae_title(self.calling_ae_title.as_str())
            .called_ae_title(self.called_ae_title.as_str())
            .connection_timeout(self.timeout)
            .read_timeout(self.timeout)
            .write_timeout(self.timeout)
            .strict(false)
            .with_presentation_context(STUDY_ROOT_GET, vec![EXPLICIT_LE, IMPLICIT_LE]);
        for class in sop_classes {
            for ts in GET_TRANSFER_SYNTAXES {
                options = options.with_presentation_context(*class, vec![*ts]);
            }
            // We take the SCP role for storage: the archive sends C-STORE requests to us.
            options = options.with_role_selection(*class, false, true);
        }
        let mut association = options
            .establish_with(&format!("{}@{}", self.called_ae_title, self.address))
            .map_err(|e| ul_error(OP, &e))?;
        no_delay(&mut association);
        let (pc, ts) = accepted(OP, &association, STUDY_ROOT_GET, None)?;
        let mut identifier = InMemDicomObject::new_empty();
        identifier.put(element(
            t::QUERY_RETRIEVE_LEVEL,
            VR::CS,
            PrimitiveValue::from("STUDY"),
        ));
        identifier.put(element(t::STUDY_INSTANCE_UID, VR::UI, uid_value(study_uid)));
        let dataset = message::encode_dataset(OP, &identifier, &ts)?;
        let command = encode_command(
            OP,
            vec![
                element(t::AFFECTED_SOP_CLASS_UID, VR::UI, uid_value(STUDY_ROOT_GET)),
                element(t::COMMAND_FIELD, VR::US, PrimitiveValue::from(C_GET_RQ)),
                element(t::MESSAGE_ID, VR::US, PrimitiveValue::from(1u16)),
                element(t::PRIORITY, VR::US, PrimitiveValue::from(0u16)),
                element(
                    t::COMMAND_DATA_SET_TYPE,
                    VR::US,
                    PrimitiveValue::from(WITH_DATASET),
                ),
            ],
        )?;
        message::send(OP, &mut association, pc, command, Some(&dataset))?;
        let mut outcome = GetOutcome::default();
        let mut total = 0usize;
        loop {
            let m = message::receive(OP, &mut association)?;
            match m.u16(t::COMMAND_FIELD) {
                Some(C_STORE_RQ) => {
                    let text = |tag| {
                        m.command
                            .element(tag)
                            .ok()
                            .and_then(|e| e.to_str().ok())
                            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
                            .unwrap_or_default()
                    };
                    let class = text(t::AFFECTED_SOP_CLASS_UID);
                    let instance = text(t::AFFECTED_SOP_INSTANCE_UID);
                    let store_ts = association
                        .presentation_contexts()
                        .iter()
                        .find(|c| c.id == m.presentation_context_id)
                        .map(|c| c.transfer_syntax.trim_end_matches('\0').to_owned());
                    let data = m.dataset.as_deref().unwrap_or_default();
                    total = total.saturating_add(data.len());
                    if total > max_total_bytes {
                        let _ = association.abort();
                        return Err(PacsError::new(
                            OP,
                            PacsErrorKind::TooLarge {
                                limit: max_total_bytes,
                            },
                        ));
                    }
                    let file = store_ts
                        .as_deref()
                        .and_then(|ts| scp::part10(&class, &instance, ts, data));
                    let status: u16 = if file.is_some() { 0x0000 } else { 0xc000 };
                    if let (Some(file), Some(store_ts)) = (file, store_ts) {
                        outcome.instances.push(ReceivedInstance {
                            calling_ae_title: self.called_ae_title.clone(),
                            sop_class_uid: class.clone(),
                            sop_instance_uid: instance.clone(),
                            transfer_syntax: store_ts,
                            file,
                        });
                    }
                    let response = encode_command(
                        OP,
                        vec![
                            element(t::AFFECTED_SOP_CLASS_UID, VR::UI, uid_value(&class)),
                            element(t::COMMAND_FIELD, VR::US, PrimitiveValue::from(C_STORE_RSP)),
                            element(
                                t::MESSAGE_ID_BEING_RESPONDED_TO,
                                VR::US,
                                PrimitiveValue::from(m.u16(t::MESSAGE_ID).unwrap_or(1)),
                            ),
                            element(
                                t::COMMAND_DATA_SET_TYPE,
                                VR::US,
                                PrimitiveValue::from(NO_DATASET),
                            ),
                            element(t::STATUS, VR::US, PrimitiveValue::from(status)),
                            element(t::AFFECTED_SOP_INSTANCE_UID, VR::UI, uid_value(&instance)),
                        ],
                    )?;
                    message::send(
                        OP,
                        &mut association,
                        m.presentation_context_id,
                        response,
                        None,
                    )?;
                }
                Some(C_GET_RSP) => {
                    let status = m.status(OP)?;
                    if status == 0xff00 {
                        continue;
                    }
                    outcome.counts = MoveOutcome {
                        completed: m.u16(t::NUMBER_OF_COMPLETED_SUBOPERATIONS).unwrap_or(0),
                        failed: m.u16(t::NUMBER_OF_FAILED_SUBOPERATIONS).unwrap_or(0),
                        warning: m.u16(t::NUMBER_OF_WARNING_SUBOPERATIONS).unwrap_or(0),
                    };
                    release(association);
                    return match status {
                        0x0000 | 0xb000 => Ok(outcome),
                        status => Err(PacsError::new(OP, PacsErrorKind::DimseStatus { status })),
                    };
                }
                _ => {
                    let _ = association.abort();
                    return Err(PacsError::protocol(
                        OP,
                        "expected a C-STORE request or a C-GET response",
                    ));
                }
            }
        }
    }

    /// C-STORE: sends DICOM files (PS3.10 bytes) over one association, each in its own
    /// transfer syntax (no transcoding: the file's dataset bytes go out as they are).
    pub fn store(&self, files: &[&[u8]]) -> Result<StoreOutcome, PacsError> {
        const OP: &str = "c-store";
        let parsed: Vec<FileParts<'_>> = files
            .iter()
            .map(|f| FileParts::read(f))
            .collect::<Result<_, _>>()?;
        let mut contexts: Vec<(&str, Vec<&str>)> = Vec::new();
        for p in &parsed {
            if !contexts.iter().any(|(a, ts)| {
                *a == p.sop_class && ts.first().copied() == Some(p.transfer_syntax.as_str())
            }) {
                contexts.push((p.sop_class.as_str(), vec![p.transfer_syntax.as_str()]));
            }
        }
        if contexts.len() > 128 {
            return Err(PacsError::new(
                OP,
                PacsErrorKind::Config {
                    reason:
                        "more than 128 SOP class and transfer syntax pairs; send in smaller batches"
                            .into(),
                },
            ));
        }
        let mut association = self.connect(OP, &contexts)?;
        let mut outcome = StoreOutcome::default();
        for (i, p) in parsed.iter().enumerate() {
            let Ok((pc, _)) = accepted(OP, &association, &p.sop_class, Some(&p.transfer_syntax))
            else {
                outcome.failed.push((i, StoreFailure::NotAccepted));
                continue;
            };
            let message_id = (i % 0xffff) as u16 + 1;
            let command = encode_command(
                OP,
                vec![
                    element(t::AFFECTED_SOP_CLASS_UID, VR::UI, uid_value(&p.sop_class)),
                    element(t::COMMAND_FIELD, VR::US, PrimitiveValue::from(C_STORE_RQ)),
                    element(t::MESSAGE_ID, VR::US, PrimitiveValue::from(message_id)),
                    element(t::PRIORITY, VR::US, PrimitiveValue::from(0u16)),
                    element(
                        t::COMMAND_DATA_SET_TYPE,
                        VR::US,
                        PrimitiveValue::from(WITH_DATASET),
                    ),
                    element(
                        t::AFFECTED_SOP_INSTANCE_UID,
                        VR::UI,
                        uid_value(&p.sop_instance),
                    ),
                ],
            )?;
            message::send(OP, &mut association, pc, command, Some(p.dataset))?;
            let response = message::receive(OP, &mut association)?;
            expect_field(OP, &response, C_STORE_RSP)?;
            match response.status(OP)? {
                // Success, and the warnings "coerced", "elements discarded", "does not match".
                0x0000 | 0xb000 | 0xb007 | 0xb006 => outcome.stored.push(i),
                status => outcome.failed.push((i, StoreFailure::Status(status))),
            }
        }
        release(association);
        Ok(outcome)
    }
}

/// What a C-MOVE did: the counts of its C-STORE sub-operations, from the final response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MoveOutcome {
    /// Sub-operations that succeeded.
    pub completed: u16,
    /// Sub-operations that failed.
    pub failed: u16,
    /// Sub-operations that succeeded with a warning.
    pub warning: u16,
}

/// What a C-GET brought back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetOutcome {
    /// The instances received, as PS3.10 files.
    pub instances: Vec<ReceivedInstance>,
    /// The sub-operation counts of the final response.
    pub counts: MoveOutcome,
}

/// What a C-STORE call stored, by index into the files given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreOutcome {
    /// Indices of the files the peer stored.
    pub stored: Vec<usize>,
    /// Indices of the files it did not store, and why.
    pub failed: Vec<(usize, StoreFailure)>,
}

/// Why one file was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreFailure {
    /// The peer did not accept the file's SOP class in the file's transfer syntax.
    NotAccepted,
    /// The peer answered with this failure status.
    Status(u16),
}

/// The parts of a PS3.10 file that C-STORE needs, borrowed from its bytes.
struct FileParts<'a> {
    sop_class: String,
    sop_instance: String,
    transfer_syntax: String,
    dataset: &'a [u8],
}

impl<'a> FileParts<'a> {
    fn read(bytes: &'a [u8]) -> Result<Self, PacsError> {
        let bad = |reason: &str| {
            PacsError::new(
                "c-store",
                PacsErrorKind::File {
                    reason: reason.to_owned(),
                },
            )
        };
        let after_preamble = bytes
            .get(128..)
            .filter(|b| b.starts_with(b"DICM"))
            .ok_or_else(|| bad("no PS3.10 preamble (DICM at byte 128)"))?;
        let meta = dicom_object::FileMetaTable::from_reader(after_preamble)
            .map_err(|_| bad("the file meta information could not be read"))?;
        // 128 preamble + 4 magic + 12 for (0002,0000) itself in Explicit VR LE.
        let start = 144usize
            .checked_add(meta.information_group_length as usize)
            .ok_or_else(|| bad("the file meta group length is out of range"))?;
        let dataset = bytes
            .get(start..)
            .ok_or_else(|| bad("the file ends inside its meta information"))?;
        let clean = |s: &str| s.trim_end_matches(['\0', ' ']).to_owned();
        if meta.transfer_syntax() == "1.2.840.10008.1.2.1.99" {
            return Err(bad("deflated files are not sent (inflate them first)"));
        }
        Ok(Self {
            sop_class: clean(&meta.media_storage_sop_class_uid),
            sop_instance: clean(&meta.media_storage_sop_instance_uid),
            transfer_syntax: clean(meta.transfer_syntax()),
            dataset,
        })
    }
}

/// The VR of a key used in queries.
fn vr_of(tag: u32) -> VR {
    match tag {
        tags::STUDY_INSTANCE_UID
        | tags::SERIES_INSTANCE_UID
        | tags::SOP_INSTANCE_UID
        | tags::SOP_CLASS_UID => VR::UI,
        tags::STUDY_DATE => VR::DA,
        tags::STUDY_TIME => VR::TM,
        tags::PATIENT_NAME => VR::PN,
        tags::MODALITY | tags::MODALITIES_IN_STUDY | tags::QUERY_RETRIEVE_LEVEL => VR::CS,
        tags::ACCESSION_NUMBER => VR::SH,
        tags::SERIES_NUMBER
        | tags::INSTANCE_NUMBER
        | tags::NUMBER_OF_STUDY_RELATED_SERIES
        | tags::NUMBER_OF_STUDY_RELATED_INSTANCES
        | tags::NUMBER_OF_SERIES_RELATED_INSTANCES
        | tags::NUMBER_OF_FRAMES => VR::IS,
        _ => VR::LO,
    }
}

/// The accepted presentation context for `abstract_syntax` (and `ts`, if given): its id and
/// transfer syntax.
fn accepted(
    operation: &'static str,
    association: &ClientAssociation<std::net::TcpStream>,
    abstract_syntax: &str,
    ts: Option<&str>,
) -> Result<(u8, String), PacsError> {
    association
        .presentation_contexts()
        .iter()
        .find(|pc| {
            pc.reason == PresentationContextResultReason::Acceptance
                && pc.abstract_syntax.trim_end_matches('\0') == abstract_syntax
                && ts.is_none_or(|ts| pc.transfer_syntax.trim_end_matches('\0') == ts)
        })
        .map(|pc| (pc.id, pc.transfer_syntax.trim_end_matches('\0').to_owned()))
        .ok_or_else(|| {
            PacsError::new(
                operation,
                PacsErrorKind::AssociationRejected {
                    reason: "the peer accepted no presentation context for this service (is it configured for this SOP class and transfer syntax?)".into(),
                },
            )
        })
}

fn expect_field(
    operation: &'static str,
    response: &message::Message,
    field: u16,
) -> Result<(), PacsError> {
    if response.u16(t::COMMAND_FIELD) != Some(field) {
        return Err(PacsError::protocol(
            operation,
            format!("expected a response with command field {field:#06x}"),
        ));
    }
    Ok(())
}

/// Turns off Nagle's algorithm: a DIMSE exchange is a small command PDU, a dataset, and a
/// wait for the answer, which Nagle and delayed ACKs would hold up by ~40 ms per message
/// (measured: 300 C-STOREs took 15 s with it).
fn no_delay(association: &mut ClientAssociation<std::net::TcpStream>) {
    // Only a performance setting: if the socket refuses it, the exchange still works.
    let _ = association.inner_stream().set_nodelay(true);
}

/// Releases the association; a peer that does not answer the release has already done its
/// work, so a failure here is not reported.
fn release(association: ClientAssociation<std::net::TcpStream>) {
    let _ = association.release();
}

/// Maps dicom-ul errors to kinds. dicom-ul's messages can print whole PDUs, so only
/// categories are kept.
pub(crate) fn ul_error(operation: &'static str, e: &dicom_ul::association::Error) -> PacsError {
    use dicom_ul::association::Error as E;
    let network = |reason: &str| {
        PacsError::new(
            operation,
            PacsErrorKind::Network {
                reason: reason.to_owned(),
            },
        )
    };
    let io_timed_out = |io: &std::io::Error| {
        matches!(
            io.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        )
    };
    match e {
        E::Connect { source, .. } if io_timed_out(source) => network("could not connect: timed out"),
        E::Connect { source, .. } => network(&format!("could not connect: {}", source.kind())),
        E::ToAddress { .. } => PacsError::new(
            operation,
            PacsErrorKind::Config {
                reason: "the peer address is not host:port".into(),
            },
        ),
        E::Rejected { .. } => PacsError::new(
            operation,
            PacsErrorKind::AssociationRejected {
                reason: "the peer rejected the association (check the called and calling AE titles and the peer's list of known modalities)".into(),
            },
        ),
        E::NoAcceptedPresentationContexts { .. } => PacsError::new(
            operation,
            PacsErrorKind::AssociationRejected {
                reason: "the peer accepted no presentation context (it does not support this service or transfer syntax)".into(),
            },
        ),
        E::Aborted { .. } => network("the peer aborted the association"),
        E::ConnectionClosed { .. } => network("the peer closed the connection"),
        E::Timeout { .. } => network("no answer in time (timed out)"),
        E::WireRead { source, .. } | E::WireSend { source, .. } if io_timed_out(source) => {
            network("no answer in time (timed out)")
        }
        E::WireRead { source, .. } | E::WireSend { source, .. } => {
            network(&format!("the connection failed: {}", source.kind()))
        }
        E::ReceivePdu { .. } | E::UnexpectedPdu { .. } | E::UnknownPdu { .. } => {
            PacsError::protocol(operation, "the peer sent a PDU that could not be read")
        }
        E::SendTooLongPdu { .. } => {
            PacsError::protocol(operation, "a PDU was too large for the peer")
        }
        _ => network("the association failed"),
    }
}
