//! A C-STORE service provider: receives instances pushed to us (by a C-MOVE we asked for, or
//! by any modality that knows our AE title) and hands them over as PS3.10 files.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use dicom_core::{PrimitiveValue, VR};
use dicom_dictionary_std::tags as t;
use dicom_ul::association::server::ServerAssociationOptions;
use dicom_ul::association::{Association, ServerAssociation};

use super::message::{self, NO_DATASET, element, encode_command, uid_value};
use super::{C_ECHO_RQ, C_ECHO_RSP, C_STORE_RQ, C_STORE_RSP};
use crate::error::{PacsError, PacsErrorKind};

/// The most associations served at once; more are refused until one ends.
const MAX_ASSOCIATIONS: usize = 8;

/// One instance a peer stored with us.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedInstance {
    /// The calling AE title of the peer that sent it.
    pub calling_ae_title: String,
    /// SOP Class UID.
    pub sop_class_uid: String,
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// The transfer syntax it arrived in.
    pub transfer_syntax: String,
    /// The instance as a PS3.10 file: preamble, meta information, and the dataset bytes as
    /// received.
    pub file: Vec<u8>,
}

/// A running C-STORE SCP on a background thread. Received instances queue up until read
/// with [`StoreScp::recv_timeout`] or [`StoreScp::try_recv`]. Stops on drop.
#[derive(Debug)]
pub struct StoreScp {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    received: mpsc::Receiver<ReceivedInstance>,
}

impl StoreScp {
    /// Listens on `bind` (e.g. `127.0.0.1:0` for any free port) as `ae_title`. Associations
    /// that call another AE title are refused. Any storage SOP class is accepted, in any
    /// transfer syntax dicom-rs knows.
    pub fn start(bind: &str, ae_title: &str, timeout: Duration) -> Result<Self, PacsError> {
        const OP: &str = "c-store scp";
        let listener = TcpListener::bind(bind).map_err(|e| {
            PacsError::new(
                OP,
                PacsErrorKind::Config {
                    reason: format!("could not listen ({}); is the port taken?", e.kind()),
                },
            )
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        // Non-blocking accept, polled, so that the thread notices `stop`.
        listener.set_nonblocking(true).map_err(|_| {
            PacsError::new(
                OP,
                PacsErrorKind::Config {
                    reason: "the listening socket could not be set up".into(),
                },
            )
        })?;
        let stop = Arc::new(AtomicBool::new(false));
        let (sender, received) = mpsc::channel();
        let options = ServerAssociationOptions::new()
            .accept_called_ae_title()
            .ae_title(ae_title.to_owned())
            .promiscuous(true)
            .read_timeout(timeout)
            .write_timeout(timeout);
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("meridian-store-scp".into())
                .spawn(move || accept_loop(&listener, &options, &stop, &sender))
                .map_err(|_| {
                    PacsError::new(
                        OP,
                        PacsErrorKind::Config {
                            reason: "the listener thread could not be started".into(),
                        },
                    )
                })?
        };
        Ok(Self {
            port,
            stop,
            thread: Some(thread),
            received,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The next received instance, waiting up to `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<ReceivedInstance> {
        self.received.recv_timeout(timeout).ok()
    }

    /// The next received instance, if one is waiting.
    pub fn try_recv(&self) -> Option<ReceivedInstance> {
        self.received.try_recv().ok()
    }

    /// Stops listening; associations in progress finish on their own threads.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for StoreScp {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(
    listener: &TcpListener,
    options: &ServerAssociationOptions<
        'static,
        dicom_ul::association::server::AcceptCalledAeTitle,
        dicom_ul::association::server::DefaultNegotiation,
    >,
    stop: &AtomicBool,
    sender: &mpsc::Sender<ReceivedInstance>,
) {
    let active = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if active.load(Ordering::Relaxed) >= MAX_ASSOCIATIONS {
                    drop(stream);
                    continue;
                }
                // See `no_delay` in the parent module: the same holds for our responses.
                let _ = stream.set_nodelay(true);
                if stream.set_nonblocking(false).is_err() {
                    continue;
                }
                let options = options.clone();
                let sender = sender.clone();
                let in_thread = Arc::clone(&active);
                active.fetch_add(1, Ordering::Relaxed);
                let spawned = std::thread::Builder::new()
                    .name("meridian-store-scp-association".into())
                    .spawn(move || {
                        if let Ok(association) = options.establish(stream) {
                            // A failed association only loses what it had not yet stored;
                            // the sender sees the failure on its side.
                            let _ = serve(association, &sender);
                        }
                        in_thread.fetch_sub(1, Ordering::Relaxed);
                    });
                if spawned.is_err() {
                    active.fetch_sub(1, Ordering::Relaxed);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

fn serve(
    mut association: ServerAssociation<TcpStream>,
    sender: &mpsc::Sender<ReceivedInstance>,
) -> Result<(), PacsError> {
    const OP: &str = "c-store scp";
    let calling = association.peer_ae_title().trim().to_owned();
    while let Some(request) = message::receive_or_end(OP, &mut association)? {
        let pc = request.presentation_context_id;
        let field = request.u16(t::COMMAND_FIELD);
        let message_id = request.u16(t::MESSAGE_ID).unwrap_or(1);
        let text = |tag| {
            request
                .command
                .element(tag)
                .ok()
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
                .unwrap_or_default()
        };
        let sop_class = text(t::AFFECTED_SOP_CLASS_UID);
        let (response_field, status, sop_instance) = match field {
            Some(C_ECHO_RQ) => (C_ECHO_RSP, 0x0000, None),
            Some(C_STORE_RQ) => {
                let sop_instance = text(t::AFFECTED_SOP_INSTANCE_UID);
                let ts = association
                    .presentation_contexts()
                    .iter()
                    .find(|c| c.id == pc)
                    .map(|c| c.transfer_syntax.trim_end_matches('\0').to_owned());
                let status = match (ts, &request.dataset) {
                    (Some(ts), Some(dataset)) => {
                        match part10(&sop_class, &sop_instance, &ts, dataset) {
                            Some(file) => {
                                let delivered = sender.send(ReceivedInstance {
                                    calling_ae_title: calling.clone(),
                                    sop_class_uid: sop_class.clone(),
                                    sop_instance_uid: sop_instance.clone(),
                                    transfer_syntax: ts,
                                    file,
                                });
                                // Nobody reads any more: "out of resources", so the sender
                                // keeps its copy.
                                if delivered.is_ok() { 0x0000 } else { 0xa700 }
                            }
                            None => 0xc000,
                        }
                    }
                    // "Cannot understand".
                    _ => 0xc000,
                };
                (C_STORE_RSP, status, Some(sop_instance))
            }
            // Any other service: "unrecognized operation"; the association stays usable.
            _ => {
                let command = encode_command(
                    OP,
                    vec![
                        element(
                            t::COMMAND_FIELD,
                            VR::US,
                            PrimitiveValue::from(field.unwrap_or(0) | 0x8000),
                        ),
                        element(
                            t::MESSAGE_ID_BEING_RESPONDED_TO,
                            VR::US,
                            PrimitiveValue::from(message_id),
                        ),
                        element(
                            t::COMMAND_DATA_SET_TYPE,
                            VR::US,
                            PrimitiveValue::from(NO_DATASET),
                        ),
                        element(t::STATUS, VR::US, PrimitiveValue::from(0x0211u16)),
                    ],
                )?;
                message::send(OP, &mut association, pc, command, None)?;
                continue;
            }
        };
        let mut elements = vec![
            element(t::AFFECTED_SOP_CLASS_UID, VR::UI, uid_value(&sop_class)),
            element(
                t::COMMAND_FIELD,
                VR::US,
                PrimitiveValue::from(response_field),
            ),
            element(
                t::MESSAGE_ID_BEING_RESPONDED_TO,
                VR::US,
                PrimitiveValue::from(message_id),
            ),
            element(
                t::COMMAND_DATA_SET_TYPE,
                VR::US,
                PrimitiveValue::from(NO_DATASET),
            ),
            element(t::STATUS, VR::US, PrimitiveValue::from(status)),
        ];
        if let Some(uid) = sop_instance {
            elements.push(element(
                t::AFFECTED_SOP_INSTANCE_UID,
                VR::UI,
                uid_value(&uid),
            ));
        }
        let command = encode_command(OP, elements)?;
        message::send(OP, &mut association, pc, command, None)?;
    }
    Ok(())
}

/// A PS3.10 file around a received dataset.
pub(super) fn part10(
    sop_class: &str,
    sop_instance: &str,
    ts: &str,
    dataset: &[u8],
) -> Option<Vec<u8>> {
    let meta = dicom_object::FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid(sop_instance)
        .transfer_syntax(ts)
        .build()
        .ok()?;
    let mut file = Vec::with_capacity(dataset.len() + 512);
    file.extend_from_slice(&[0u8; 128]);
    file.extend_from_slice(b"DICM");
    meta.write(&mut file).ok()?;
    file.extend_from_slice(dataset);
    Some(file)
}
