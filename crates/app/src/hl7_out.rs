//! Outbound HL7 v2: routes, the store-and-forward queue, and the forwarder.
//!
//! A route names a peer (an interface engine, a LIS) and what it subscribes to. When a person
//! places an order, prescribes, captures a charge or registers or updates a patient, the
//! message for each subscribed route is built and queued in the same transaction as the change
//! (`hl7_message`, direction `out`), so a crash can neither lose it nor send a message for a
//! change that was rolled back. [`App::forward_hl7`] sends the queue in order over MLLP and
//! records each acknowledgement; messages stay queued until the peer acknowledges them.

use meridian_domain::access::{Action, Role};
use meridian_fhir::Resource;
use meridian_hl7v2::{AckCode, ParseOptions, parse, read_ack};
use meridian_mllp::Client;
use meridian_store::{Hl7Direction, Tx};
use meridian_v2fhir::{Header, MappingConfig};
use serde::{Deserialize, Serialize};

use crate::guard::{Ctx, Target};
use crate::hl7::hl7_time;
use crate::{App, AppError, Result};

const META_ROUTES: &str = "hl7.routes";
const META_NEXT_CONTROL: &str = "hl7.next_control_id";

/// One outbound HL7 peer and what it receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hl7Route {
    pub name: String,
    /// `host:port` of the peer's MLLP listener.
    pub addr: String,
    /// What to send: `orders`, `prescriptions`, `charges`, `patients` (A04/A08), `merges` (A40).
    pub subscribe: Vec<String>,
    /// `OML^O21` (2.5.1 lab orders) or `ORM^O01` (older order feeds).
    #[serde(default = "default_order_message")]
    pub order_message: String,
    pub receiving_application: String,
    pub receiving_facility: String,
    /// Our assigning authority, sending application and facility.
    pub local_authority: String,
    pub sending_application: String,
    pub sending_facility: String,
    /// TLS to the peer: the CA certificate file (PEM) to trust and the name its certificate
    /// must carry. Plain TCP when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<RouteTls>,
}

/// TLS settings of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTls {
    pub ca_file: String,
    pub server_name: String,
}

fn default_order_message() -> String {
    "OML^O21".into()
}

impl Hl7Route {
    fn mapping(&self) -> MappingConfig {
        MappingConfig::new(&self.local_authority, &self.sending_application, &self.sending_facility, 0)
    }
}

/// What one forwarding pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardReport {
    /// Acknowledged AA (or CA).
    pub accepted: usize,
    /// Acknowledged AE or AR: kept in the log with the peer's error codes, not resent.
    pub refused: usize,
    /// Still queued (the peer could not be reached).
    pub remaining: usize,
}

async fn routes(tx: &mut Tx) -> Result<Vec<Hl7Route>> {
    match tx.meta(META_ROUTES).await? {
        Some(text) => serde_json::from_str(&text).map_err(|e| AppError::Internal(format!("hl7 routes: {e}"))),
        None => Ok(Vec::new()),
    }
}

async fn next_control_id(tx: &mut Tx) -> Result<String> {
    let n: i64 = tx.meta(META_NEXT_CONTROL).await?.and_then(|s| s.parse().ok()).unwrap_or(1);
    tx.set_meta(META_NEXT_CONTROL, &(n + 1).to_string()).await?;
    // MSH-10 is at most 20 characters (ST, 2.5.1).
    Ok(format!("MER{n:012}"))
}

/// Queues the messages this locally written resource means for each subscribed route. Called
/// by `import::write` inside the change's transaction. Changes that arrived from outside (the
/// interface account, sync pulls) are not echoed back.
pub(crate) async fn enqueue(tx: &mut Tx, ctx: &Ctx, resource: &Resource, version: i64) -> Result<()> {
    if ctx.session.role == Role::Interface {
        return Ok(());
    }
    let topic = match resource {
        Resource::ServiceRequest(_) => "orders",
        Resource::MedicationRequest(_) => "prescriptions",
        Resource::ChargeItem(_) => "charges",
        Resource::Patient(_) => "patients",
        _ => return Ok(()),
    };
    let routes = routes(tx).await?;
    for route in routes.iter().filter(|r| r.subscribe.iter().any(|s| s == topic)) {
        let control = next_control_id(tx).await?;
        let stamp = hl7_time(ctx.now);
        let header = Header { control_id: &control, timestamp: &stamp, receiving_application: &route.receiving_application, receiving_facility: &route.receiving_facility };
        let config = route.mapping();
        let subject = |id: Option<&str>| id.map(str::to_owned).ok_or_else(|| AppError::Validation("the record names no patient".into()));
        let (message_type, built) = match resource {
            Resource::ServiceRequest(o) => {
                let p = crate::patients::read_patient(tx, &subject(o.subject_patient_id())?).await?;
                if route.order_message == "ORM^O01" {
                    ("ORM^O01", meridian_v2fhir::orm_o01(&header, &config, &p, o))
                } else {
                    ("OML^O21", meridian_v2fhir::oml_o21(&header, &config, &p, o))
                }
            }
            Resource::MedicationRequest(m) => {
                let p = crate::patients::read_patient(tx, &subject(m.subject_patient_id())?).await?;
                ("RDE^O11", meridian_v2fhir::rde_o11(&header, &config, &p, m))
            }
            Resource::ChargeItem(c) => {
                let p = crate::patients::read_patient(tx, &subject(c.subject_patient_id())?).await?;
                ("DFT^P03", meridian_v2fhir::dft_p03(&header, &config, &p, c))
            }
            Resource::Patient(p) => {
                let event = if version == 1 { "A04" } else { "A08" };
                (if version == 1 { "ADT^A04" } else { "ADT^A08" }, meridian_v2fhir::adt(&header, &config, event, p))
            }
            _ => continue,
        };
        let built = built.map_err(|e| AppError::Validation(format!("cannot build the {message_type} for {}: {e}", route.name)))?;
        tx.insert_hl7(Hl7Direction::Out, &route.name, &control, message_type, built.encode().as_bytes()).await?;
    }
    Ok(())
}

/// Queues an ADT^A40 for each route subscribed to merges.
pub(crate) async fn enqueue_merge(tx: &mut Tx, ctx: &Ctx, surviving: &meridian_fhir::Patient, merged: &meridian_fhir::Patient) -> Result<()> {
    if ctx.session.role == Role::Interface {
        return Ok(());
    }
    for route in routes(tx).await?.iter().filter(|r| r.subscribe.iter().any(|s| s == "merges")) {
        let control = next_control_id(tx).await?;
        let stamp = hl7_time(ctx.now);
        let header = Header { control_id: &control, timestamp: &stamp, receiving_application: &route.receiving_application, receiving_facility: &route.receiving_facility };
        let built = meridian_v2fhir::adt_a40(&header, &route.mapping(), surviving, merged)
            .map_err(|e| AppError::Validation(format!("cannot build the ADT^A40 for {}: {e}", route.name)))?;
        tx.insert_hl7(Hl7Direction::Out, &route.name, &control, "ADT^A40", built.encode().as_bytes()).await?;
    }
    Ok(())
}

impl App {
    /// Sets the outbound HL7 routes (administrators).
    pub async fn configure_hl7_routes(&self, token: &str, routes: &[Hl7Route]) -> Result<()> {
        let text = serde_json::to_string(routes).map_err(|e| AppError::Internal(e.to_string()))?;
        self.audited(token, Action::ManageUsers, Target { rtype: Some("Hl7Route"), id: None, patient: None }, async |tx: &mut Tx, _ctx: &mut Ctx| {
            tx.set_meta(META_ROUTES, &text).await?;
            Ok(())
        })
        .await
    }

    /// The configured routes (no patient data).
    pub async fn hl7_routes(&self) -> Result<Vec<Hl7Route>> {
        let mut tx = self.store.write(self.clock.now()).await?;
        routes(&mut tx).await
    }

    /// Sends the route's queue in order, one message at a time, until it is empty or the peer
    /// cannot be reached (then the rest waits for the next pass). Sending is a disclosure to
    /// the hospital's systems and is audited once per pass.
    pub async fn forward_hl7(&self, route: &str, client: &mut Client) -> Result<ForwardReport> {
        let token = self.interface_token().await?;
        let pending = self
            .audited(&token, Action::ExportRecords, Target { rtype: Some("Hl7Route"), id: Some(route), patient: None }, async |tx: &mut Tx, ctx: &mut Ctx| {
                let rows = tx.pending_hl7_out(route, 1000).await?;
                ctx.detail = Some(format!("hl7-out:{}", rows.len()));
                Ok(rows)
            })
            .await?;
        let mut report = ForwardReport::default();
        let mut rows = pending.into_iter();
        while let Some(row) = rows.next() {
            match client.send(&row.body, &row.control_id).await {
                Ok(reply) => {
                    let (code, errors) = match parse(&reply, &ParseOptions::lenient()).ok().and_then(|p| read_ack(&p.message).ok()) {
                        Some(a) => (a.code, a.errors.iter().filter_map(|e| e.code.code()).map(|c| c.to_string()).collect::<Vec<_>>()),
                        None => (AckCode::AE, vec!["unreadable acknowledgement".to_owned()]),
                    };
                    let mut tx = self.store.write(self.clock.now()).await?;
                    tx.set_hl7_ack(row.seq, code.as_str(), Some(&reply)).await?;
                    if code == AckCode::AA {
                        report.accepted += 1;
                    } else {
                        // The peer's own text may quote the message: keep its codes only.
                        let why = if errors.is_empty() { "no error code given".to_owned() } else { format!("HL7 error {}", errors.join(", ")) };
                        tx.record_hl7_failure(row.seq, &format!("peer answered {}: {why}", code.as_str())).await?;
                        report.refused += 1;
                    }
                    tx.commit().await?;
                }
                Err(e) => {
                    let mut tx = self.store.write(self.clock.now()).await?;
                    tx.record_hl7_failure(row.seq, &e.to_string()).await?;
                    tx.commit().await?;
                    report.remaining = 1 + rows.len();
                    return if e.is_retryable() { Ok(report) } else { Err(AppError::Validation(e.to_string())) };
                }
            }
        }
        Ok(report)
    }
}
