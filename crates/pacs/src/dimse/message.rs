//! DIMSE messages over an established association: command sets (PS3.7 section 9.3, always
//! Implicit VR Little Endian) and the P-DATA fragments that carry them.

use std::io::Write;

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::{
    EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN,
};
use dicom_ul::association::SyncAssociation;
use dicom_ul::pdu::{PDataValue, PDataValueType, Pdu};

use super::ul_error;
use crate::error::{PacsError, PacsErrorKind};
use crate::model::Attributes;

/// The largest command or dataset accepted from a peer: far above any C-FIND identifier, and
/// above all but the largest single instances.
pub(crate) const MAX_MESSAGE_BYTES: usize = 512 * 1024 * 1024;

pub(crate) const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
pub(crate) const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

/// Command Data Set Type: no dataset follows.
pub(crate) const NO_DATASET: u16 = 0x0101;
/// Command Data Set Type: a dataset follows (any value other than 0x0101).
pub(crate) const WITH_DATASET: u16 = 0x0000;

/// A UID value, padded to even length with NUL as PS3.5 6.2 requires.
pub(crate) fn uid_value(uid: &str) -> PrimitiveValue {
    let mut s = uid.trim_end_matches(['\0', ' ']).to_owned();
    if s.len() % 2 == 1 {
        s.push('\0');
    }
    PrimitiveValue::from(s)
}

pub(crate) fn element(tag: Tag, vr: VR, value: PrimitiveValue) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, value)
}

/// Encodes a command set; the Command Group Length is computed by dicom-object.
pub(crate) fn encode_command(
    operation: &'static str,
    elements: Vec<DataElement<InMemDicomObject>>,
) -> Result<Vec<u8>, PacsError> {
    let command = InMemDicomObject::command_from_element_iter(elements);
    let mut out = Vec::with_capacity(256);
    command
        .write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
        .map_err(|_| PacsError::protocol(operation, "the command set could not be encoded"))?;
    Ok(out)
}

/// Encodes a dataset (a C-FIND identifier) in `ts`, which is one of the two little-endian
/// uncompressed syntaxes.
pub(crate) fn encode_dataset(
    operation: &'static str,
    object: &InMemDicomObject,
    ts: &str,
) -> Result<Vec<u8>, PacsError> {
    let mut out = Vec::with_capacity(512);
    let written = if ts == EXPLICIT_LE {
        object.write_dataset_with_ts(&mut out, &EXPLICIT_VR_LITTLE_ENDIAN.erased())
    } else {
        object.write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
    };
    written.map_err(|_| PacsError::protocol(operation, "the query could not be encoded"))?;
    Ok(out)
}

pub(crate) fn decode_dataset(
    operation: &'static str,
    bytes: &[u8],
    ts: &str,
) -> Result<InMemDicomObject, PacsError> {
    let read = if ts == EXPLICIT_LE {
        InMemDicomObject::read_dataset_with_ts(bytes, &EXPLICIT_VR_LITTLE_ENDIAN.erased())
    } else {
        InMemDicomObject::read_dataset_with_ts(bytes, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
    };
    read.map_err(|_| PacsError::protocol(operation, "a dataset from the peer could not be decoded"))
}

/// A flat object's string values, by tag; sequences and binary values are left out.
pub(crate) fn attributes(object: &InMemDicomObject) -> Attributes {
    let mut out = std::collections::BTreeMap::new();
    for e in object {
        let tag = e.header().tag;
        let key = (u32::from(tag.group()) << 16) | u32::from(tag.element());
        if matches!(
            e.vr(),
            VR::SQ | VR::OB | VR::OW | VR::UN | VR::OF | VR::OD | VR::OL | VR::OV
        ) {
            continue;
        }
        if let Ok(values) = e.value().to_multi_str() {
            out.insert(key, values.iter().map(|s| s.to_string()).collect());
        }
    }
    Attributes(out)
}

/// A received DIMSE message: the command set and, if one followed, the dataset's bytes.
#[derive(Debug)]
pub(crate) struct Message {
    /// The presentation context the command arrived on.
    pub(crate) presentation_context_id: u8,
    pub(crate) command: InMemDicomObject,
    pub(crate) dataset: Option<Vec<u8>>,
}

impl Message {
    pub(crate) fn u16(&self, tag: Tag) -> Option<u16> {
        self.command
            .element(tag)
            .ok()
            .and_then(|e| e.to_int::<u16>().ok())
    }

    pub(crate) fn status(&self, operation: &'static str) -> Result<u16, PacsError> {
        self.u16(tags::STATUS)
            .ok_or_else(|| PacsError::protocol(operation, "a DIMSE response has no status"))
    }
}

/// Sends a command and, if given, a dataset on presentation context `pc`.
pub(crate) fn send<A: SyncAssociation<std::net::TcpStream>>(
    operation: &'static str,
    association: &mut A,
    pc: u8,
    command: Vec<u8>,
    dataset: Option<&[u8]>,
) -> Result<(), PacsError> {
    SyncAssociation::send(
        association,
        &Pdu::PData {
            data: vec![PDataValue {
                presentation_context_id: pc,
                value_type: PDataValueType::Command,
                is_last: true,
                data: command,
            }],
        },
    )
    .map_err(|e| ul_error(operation, &e))?;
    if let Some(data) = dataset {
        // The writer splits the dataset into PDUs of the peer's maximum length.
        let mut writer = SyncAssociation::send_pdata(association, pc);
        writer
            .write_all(data)
            .and_then(|()| writer.finish())
            .map_err(|e| io_error(operation, &e))?;
    }
    Ok(())
}

pub(crate) fn io_error(operation: &'static str, e: &std::io::Error) -> PacsError {
    if matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) {
        return PacsError::new(
            operation,
            PacsErrorKind::Network {
                reason: "the peer stopped reading (timed out)".into(),
            },
        );
    }
    PacsError::new(
        operation,
        PacsErrorKind::Network {
            reason: format!("sending failed: {}", e.kind()),
        },
    )
}

/// Receives one whole message: command fragments until the last, then dataset fragments
/// until the last if the command announces a dataset.
pub(crate) fn receive<A: SyncAssociation<std::net::TcpStream>>(
    operation: &'static str,
    association: &mut A,
) -> Result<Message, PacsError> {
    match receive_or_end(operation, association)? {
        Some(message) => Ok(message),
        None => Err(PacsError::protocol(
            operation,
            "the peer released the association in the middle of a DIMSE exchange",
        )),
    }
}

/// Like [`receive`], but an A-RELEASE request from the peer (answered here) ends the
/// exchange with `None`: how a service provider learns that the user is done.
pub(crate) fn receive_or_end<A: SyncAssociation<std::net::TcpStream>>(
    operation: &'static str,
    association: &mut A,
) -> Result<Option<Message>, PacsError> {
    let mut command_bytes = Vec::new();
    let mut command: Option<InMemDicomObject> = None;
    let mut dataset = Vec::new();
    let mut command_pc = 0u8;
    loop {
        let pdu = SyncAssociation::receive(association).map_err(|e| ul_error(operation, &e))?;
        let values = match pdu {
            Pdu::PData { data } => data,
            Pdu::ReleaseRQ if command_bytes.is_empty() => {
                SyncAssociation::send(association, &Pdu::ReleaseRP)
                    .map_err(|e| ul_error(operation, &e))?;
                return Ok(None);
            }
            Pdu::AbortRQ { .. } => {
                return Err(PacsError::new(
                    operation,
                    PacsErrorKind::Network {
                        reason: "the peer aborted the association".into(),
                    },
                ));
            }
            _ => {
                return Err(PacsError::protocol(
                    operation,
                    "the peer sent an unexpected PDU in the middle of a DIMSE exchange",
                ));
            }
        };
        for v in values {
            match v.value_type {
                PDataValueType::Command => {
                    if command.is_some() {
                        return Err(PacsError::protocol(
                            operation,
                            "the peer sent a second command before the dataset",
                        ));
                    }
                    command_pc = v.presentation_context_id;
                    command_bytes.extend_from_slice(&v.data);
                    if command_bytes.len() > 64 * 1024 {
                        return Err(PacsError::protocol(
                            operation,
                            "a command set is over 64 KiB",
                        ));
                    }
                    if v.is_last {
                        let decoded = InMemDicomObject::read_dataset_with_ts(
                            command_bytes.as_slice(),
                            &IMPLICIT_VR_LITTLE_ENDIAN.erased(),
                        )
                        .map_err(|_| {
                            PacsError::protocol(operation, "a command set could not be decoded")
                        })?;
                        let has_dataset = decoded
                            .element(tags::COMMAND_DATA_SET_TYPE)
                            .ok()
                            .and_then(|e| e.to_int::<u16>().ok())
                            .is_some_and(|t| t != NO_DATASET);
                        if !has_dataset {
                            return Ok(Some(Message {
                                presentation_context_id: command_pc,
                                command: decoded,
                                dataset: None,
                            }));
                        }
                        command = Some(decoded);
                    }
                }
                PDataValueType::Data => {
                    if command.is_none() {
                        return Err(PacsError::protocol(
                            operation,
                            "the peer sent a dataset before its command",
                        ));
                    }
                    if dataset.len() + v.data.len() > MAX_MESSAGE_BYTES {
                        return Err(PacsError::new(
                            operation,
                            PacsErrorKind::TooLarge {
                                limit: MAX_MESSAGE_BYTES,
                            },
                        ));
                    }
                    dataset.extend_from_slice(&v.data);
                    if v.is_last
                        && let Some(command) = command.take()
                    {
                        return Ok(Some(Message {
                            presentation_context_id: command_pc,
                            command,
                            dataset: Some(dataset),
                        }));
                    }
                }
            }
        }
    }
}
