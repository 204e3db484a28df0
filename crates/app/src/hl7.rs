//! HL7 v2 feeds: inbound messages enter the store through the same path as any import, as the
//! interface account, access-checked and audited, in one transaction per message (all of it or
//! nothing), and are answered with an ACK: AA, AE with a specific ERR, or AR.
//!
//! A message whose sender and control id were already processed (the sender lost our ACK and
//! sent again) is answered with the same ACK and not applied twice.

use meridian_domain::access::Action;
use meridian_domain::identifier::MRN_SYSTEM;
use meridian_domain::time::Timestamp;
use meridian_fhir::{Identifier, Resource};
use meridian_hl7v2::{AckCode, AckHeader, ErrorDetail, Hl7ErrorCode, ParseOptions, Severity, ack, parse, reject_unparseable};
use meridian_store::{Hl7Direction, Origin, Tx};
use meridian_v2fhir::{Inbound, MappingConfig, MappingError, attach_patient, attach_patient_to_adt, read_inbound};

use crate::guard::{Ctx, Target};
use crate::import::{new_id, write};
use crate::patients::{assign_mrn, find_by_identifiers, merge_in_tx, read_patient};
use crate::{App, AppError, Result};

/// The HL7 DTM text of a time, in UTC: `20261130101500+0000`.
pub(crate) fn hl7_time(t: Timestamp) -> String {
    let rfc = t.to_rfc3339();
    let digits: String = rfc.chars().take(19).filter(char::is_ascii_digit).collect();
    format!("{digits}+0000")
}

/// What applying a message did, for the ACK and the audit record.
enum Outcome {
    Applied,
    Refused(MappingError),
}

impl App {
    /// Receives one HL7 v2 message (the payload of an MLLP frame) and returns the ACK to send
    /// back. Never fails: every problem becomes an AE or AR naming it, without patient data.
    pub async fn receive_hl7(&self, bytes: &[u8], config: &MappingConfig) -> Vec<u8> {
        match self.receive_hl7_inner(bytes, config).await {
            Ok(ack) => ack,
            Err(e) => {
                // The store itself failed: nothing was kept, so the sender must try again.
                let detail = ErrorDetail {
                    code: Hl7ErrorCode::ApplicationInternalError,
                    severity: Severity::Error,
                    location: None,
                    message: format!("the receiving application could not store the message; send it again ({})", e.audit_code()),
                };
                self.nak(bytes, config, AckCode::AE, &detail)
            }
        }
    }

    fn header<'a>(&self, config: &'a MappingConfig, control_id: &'a str, timestamp: &'a str) -> AckHeader<'a> {
        AckHeader { sending_application: &config.sending_application, sending_facility: &config.sending_facility, control_id, timestamp }
    }

    fn nak(&self, bytes: &[u8], config: &MappingConfig, code: AckCode, detail: &ErrorDetail) -> Vec<u8> {
        let now = hl7_time(self.clock.now());
        let control = new_id("ack");
        match parse(bytes, &ParseOptions::lenient()) {
            Ok(parsed) => ack(&parsed.message, &self.header(config, &control, &now), code, std::slice::from_ref(detail)).encode().into_bytes(),
            Err(_) => reject_unparseable(bytes, &self.header(config, &control, &now), detail).encode().into_bytes(),
        }
    }

    async fn receive_hl7_inner(&self, bytes: &[u8], config: &MappingConfig) -> Result<Vec<u8>> {
        let now = self.clock.now();
        let stamp = hl7_time(now);
        let control = new_id("ack");
        let header = self.header(config, &control, &stamp);
        let parsed = match parse(bytes, &ParseOptions::lenient()) {
            Ok(p) => p,
            Err(e) => {
                let detail = ErrorDetail { code: parse_error_code(&e), severity: Severity::Error, location: None, message: e.to_string() };
                let reply = reject_unparseable(bytes, &header, &detail).encode().into_bytes();
                self.log_inbound("unknown", "", "unparseable", bytes, "AR", &reply, Some(&e.to_string())).await?;
                return Ok(reply);
            }
        };
        let msg = parsed.message;
        let peer = msg.get("MSH-3").map(|s| s.into_owned()).unwrap_or_default();
        let control_id = msg.control_id().to_owned();
        let message_type = {
            let t = msg.message_type();
            format!("{}^{}", t.code, t.trigger)
        };
        if !control_id.is_empty() {
            let mut tx = self.store.write(now).await?;
            if let Some(previous) = tx.hl7_inbound_ack(&peer, &control_id).await? {
                return Ok(previous);
            }
        }
        let token = self.interface_token().await?;
        let inbound = read_inbound(&msg, config);
        let outcome = match inbound {
            Err(e) => Outcome::Refused(e),
            Ok(inbound) => {
                let result = self
                    .audited(&token, Action::ImportRecords, Target::none(), async |tx: &mut Tx, ctx: &mut Ctx| {
                        let applied = apply(tx, ctx, inbound).await?;
                        if let Outcome::Applied = applied {
                            let reply = ack(&msg, &header, AckCode::AA, &[]).encode().into_bytes();
                            let seq = tx.insert_hl7(Hl7Direction::In, &peer, &control_id, &message_type, bytes).await?;
                            tx.set_hl7_ack(seq, "AA", Some(&reply)).await?;
                            ctx.detail = Some(format!("hl7:{message_type} {control_id}"));
                            return Ok((applied, Some(reply)));
                        }
                        // A refusal found while applying (an unknown patient): roll back, so
                        // nothing partial stays, and answer AE below.
                        Err(AppError::Validation(match applied {
                            Outcome::Refused(e) => encode_refusal(&e),
                            Outcome::Applied => String::new(),
                        }))
                    })
                    .await;
                match result {
                    Ok((_, Some(reply))) => return Ok(reply),
                    Ok((applied, None)) => applied,
                    Err(AppError::Validation(text)) => match decode_refusal(&text) {
                        Some(e) => Outcome::Refused(e),
                        None => Outcome::Refused(MappingError::new(207, "MSH", 1, text)),
                    },
                    Err(e) => return Err(e),
                }
            }
        };
        let Outcome::Refused(e) = outcome else {
            return Err(AppError::Internal("message applied without an acknowledgement".into()));
        };
        let code = if e.is_reject() { AckCode::AR } else { AckCode::AE };
        let reply = ack(&msg, &header, code, &[e.to_error_detail()]).encode().into_bytes();
        self.log_inbound(&peer, &control_id, &message_type, bytes, code.as_str(), &reply, Some(&e.to_string())).await?;
        Ok(reply)
    }

    /// Keeps a refused message in the interface log with its NAK (a resend of the same control
    /// id is then answered the same way).
    #[allow(clippy::too_many_arguments)]
    async fn log_inbound(&self, peer: &str, control_id: &str, message_type: &str, body: &[u8], code: &str, reply: &[u8], error: Option<&str>) -> Result<()> {
        let mut tx = self.store.write(self.clock.now()).await?;
        // Without a control id the message cannot be recognised again; it is logged under a
        // fresh one so the log still shows it.
        let control = if control_id.is_empty() { new_id("noid") } else { control_id.to_owned() };
        if tx.hl7_inbound_ack(peer, &control).await?.is_some() {
            return Ok(());
        }
        let seq = tx.insert_hl7(Hl7Direction::In, peer, &control, message_type, body).await?;
        tx.set_hl7_ack(seq, code, Some(reply)).await?;
        if let Some(e) = error {
            tx.record_hl7_failure(seq, e).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn parse_error_code(e: &meridian_hl7v2::ParseError) -> Hl7ErrorCode {
    use meridian_hl7v2::ParseErrorKind as K;
    match e.kind() {
        K::MissingMsh | K::BadSegmentId => Hl7ErrorCode::SegmentSequence,
        K::MissingControlId | K::MissingMessageType | K::MissingVersion => Hl7ErrorCode::RequiredFieldMissing,
        _ => Hl7ErrorCode::DataTypeError,
    }
}

/// A mapping refusal carried through the guard's error path (so the transaction rolls back).
fn encode_refusal(e: &MappingError) -> String {
    format!("\u{1}{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}", e.code, e.segment, e.sequence, e.field.map_or(0, |f| f), e.message)
}

fn decode_refusal(text: &str) -> Option<MappingError> {
    let mut parts = text.strip_prefix('\u{1}')?.split('\u{1}');
    let code = parts.next()?.parse().ok()?;
    let segment = parts.next()?.to_owned();
    let sequence = parts.next()?.parse().ok()?;
    let field: usize = parts.next()?.parse().ok()?;
    let message = parts.next()?.to_owned();
    let e = MappingError::new(code, &segment, sequence, message);
    Some(if field > 0 { e.at_field(field) } else { e })
}

async fn apply(tx: &mut Tx, ctx: &mut Ctx, inbound: Inbound) -> Result<Outcome> {
    match inbound {
        Inbound::Adt(mut adt) => {
            let existing = find_by_identifiers(tx, &adt.identifiers).await?;
            let mut patient = adt.patient.clone();
            let id = match existing {
                Some(id) => {
                    // The sender's demographics replace ours; identifiers are the union, so our
                    // MRN and ABHA number stay.
                    let current = read_patient(tx, &id).await?;
                    for ident in current.identifier {
                        if !patient.identifier.iter().any(|i| i.system == ident.system && i.value == ident.value) {
                            patient.identifier.push(ident);
                        }
                    }
                    patient.link = current.link;
                    patient.id = current.id;
                    id
                }
                None => {
                    if !patient.identifier.iter().any(|i| i.system.as_deref() == Some(MRN_SYSTEM)) {
                        let mrn = assign_mrn(tx).await?;
                        patient.identifier.push(mrn_identifier(&mrn)?);
                    }
                    new_id("patient")
                }
            };
            let mut resource = Resource::from(patient);
            resource.set_id(&id).map_err(|e| AppError::Internal(e.to_string()))?;
            write(tx, ctx, &mut resource, None, Origin::Local).await?;
            attach_patient_to_adt(&mut adt, &id);
            if let Some(encounter) = adt.encounter {
                let mut r = Resource::from(encounter);
                write(tx, ctx, &mut r, None, Origin::Local).await?;
            }
            ctx.created = Some(("Patient".into(), id.clone(), Some(id)));
            Ok(Outcome::Applied)
        }
        Inbound::Merge(m) => {
            let Some(surviving) = find_by_identifiers(tx, &m.surviving).await? else {
                return Ok(Outcome::Refused(MappingError::unknown_patient()));
            };
            let Some(merged) = find_by_identifiers(tx, &m.merged).await? else {
                return Ok(Outcome::Refused(MappingError::unknown_merged_patient()));
            };
            if surviving != merged {
                merge_in_tx(tx, ctx, &surviving, &merged).await?;
            }
            Ok(Outcome::Applied)
        }
        Inbound::Results(mut results) => {
            let Some(patient) = find_by_identifiers(tx, &results.identifiers).await? else {
                return Ok(Outcome::Refused(MappingError::unknown_patient()));
            };
            attach_patient(&mut results, &patient);
            for order in results.orders {
                for o in order.observations {
                    let mut r = Resource::from(o);
                    write(tx, ctx, &mut r, None, Origin::Local).await?;
                }
                let mut r = Resource::from(order.report);
                write(tx, ctx, &mut r, None, Origin::Local).await?;
            }
            ctx.created = Some(("Patient".into(), patient.clone(), Some(patient)));
            Ok(Outcome::Applied)
        }
    }
}

fn mrn_identifier(mrn: &str) -> Result<Identifier> {
    let json = serde_json::json!({
        "use": "usual",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
        "system": MRN_SYSTEM,
        "value": mrn
    });
    serde_json::from_value(json).map_err(|e| AppError::Internal(e.to_string()))
}

